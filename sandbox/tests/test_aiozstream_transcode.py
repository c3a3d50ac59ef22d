"""The probe (WAV and MP3 recognised, anything else refused), playlists and segment encoding."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from audio_sandbox.aiozstream import transcode as aioz_transcode
from audio_sandbox.aiozstream.transcode import AudioProbe, NotAudio, probe

from .aioz import make_mp3, make_wav


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "source"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("width", "channels", "rate"), [(2, 2, 44100), (1, 1, 8000), (3, 2, 48000), (2, 6, 22050)]
)
def test_wav_layouts_are_probed(tmp_path: Path, width: int, channels: int, rate: int) -> None:
    found = probe(_file(tmp_path, make_wav(1.5, rate=rate, channels=channels, width=width)))
    assert (found.format, found.sample_rate, found.channels, found.sample_width) == (
        "wav",
        rate,
        channels,
        width,
    )
    assert found.duration == pytest.approx(1.5, abs=1e-3)
    assert found.content_type == "audio/wav"


def test_a_truncated_wav_counts_the_frames_present(tmp_path: Path) -> None:
    wav = make_wav(2.0, rate=8000, channels=1)
    half = wav[: len(wav) // 2]
    found = probe(_file(tmp_path, half))
    assert found.data_offset == 44  # a plain PCM header
    assert found.frames == (len(half) - 44) // 2
    assert found.duration == pytest.approx(found.frames / 8000)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(os.urandom(100_000), id="random"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEjunkjunkjunk", id="fake-riff"),
        pytest.param(make_wav(0.0), id="wav-without-frames"),
        pytest.param(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(16) + os.urandom(5000), id="id3-over-junk"),
        pytest.param(b"\xff\xfb\x90\x64" + os.urandom(5000), id="one-frame-header"),
        pytest.param(b"%PDF-1.7\n" + os.urandom(5000), id="pdf"),
    ],
)
def test_bytes_that_are_not_audio_are_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(NotAudio):
        probe(_file(tmp_path, data))


def test_mp3_duration_comes_from_its_frames(tmp_path: Path) -> None:
    mp3 = make_mp3(6.0, rate=44100, kbps=128)
    found = probe(_file(tmp_path, mp3))
    assert (found.format, found.sample_rate, found.channels) == ("mp3", 44100, 2)
    assert found.duration == pytest.approx(6.0, abs=0.1)
    assert found.bitrate == pytest.approx(128000, rel=0.02)
    assert found.content_type == "audio/mpeg"


def test_mp3_with_id3_tags_and_trailing_tag(tmp_path: Path) -> None:
    mp3 = make_mp3(3.0, rate=22050, kbps=64)
    body = b"TIT2" + (7).to_bytes(4, "big") + b"\x00\x00\x00title!"
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    tagged = b"ID3\x03\x00\x00" + syncsafe + body + mp3 + b"TAG" + bytes(125)
    found = probe(_file(tmp_path, tagged))
    assert found.data_offset == 10 + size
    assert found.duration == pytest.approx(3.0, abs=0.1)


def test_long_mp3_durations_are_extrapolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aioz_transcode, "MP3_WALK_BYTES", 20_000)
    found = probe(_file(tmp_path, make_mp3(8.0, kbps=128)))
    assert found.duration == pytest.approx(8.0, abs=0.2)


def test_playlist_and_segment_of_a_wav(tmp_path: Path) -> None:
    path = _file(tmp_path, make_wav(21.0, rate=16000, channels=1))
    found = probe(path)
    assert aioz_transcode.segment_durations(found) == pytest.approx([10.0, 10.0, 1.0])
    playlist = aioz_transcode.hls_playlist(found, ["a.mp3", "b.mp3", "c.mp3"])
    assert "#EXT-X-TARGETDURATION:10\n" in playlist
    assert playlist.endswith("c.mp3\n#EXT-X-ENDLIST\n")
    segment = aioz_transcode.render_segment(path, found, 2, 64)
    assert segment[0] == 0xFF and segment[1] & 0xE0 == 0xE0
    with pytest.raises(IndexError):
        aioz_transcode.render_segment(path, found, 3, 64)


def test_an_mp3_is_one_segment() -> None:
    found = AudioProbe(format="mp3", duration=12.4, sample_rate=44100, channels=2, data_offset=0)
    assert aioz_transcode.segment_durations(found) == [12.4]
    assert "#EXT-X-TARGETDURATION:13\n" in aioz_transcode.hls_playlist(found, ["x.mp3"])


@pytest.mark.parametrize(
    ("bitrate", "kbps"), [(128000, 128), (320000, 320), (1_000_000, 320), (1, 32), (150000, 160)]
)
def test_segment_bitrate_is_the_nearest_mp3_rate(bitrate: int, kbps: int) -> None:
    assert aioz_transcode.mp3_kbps(bitrate) == kbps
