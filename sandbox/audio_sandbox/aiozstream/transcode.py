"""
"Transcoding" of an uploaded AIOZ media: recognise the audio, then stream it.

:func:`probe` reads an assembled upload: a WAV file (through :mod:`wave`; duration from its
frames) or an MP3 file (optional ID3v2 tags, then chained MPEG layer III frames; duration from
the frames' headers, extrapolated from the first :data:`MP3_WALK_BYTES` for long files). Anything
else raises :class:`NotAudio`: the sandbox never claims ``done`` for bytes that are not audio.

A recognised file is streamed as HLS (a VOD playlist of ~10 s MP3 segments, "packed audio") and
as a static DASH MPD over the same segments. A WAV source's segment is its PCM slice encoded
with LAME when asked for; an MP3 source is one segment, the file itself.
"""

from __future__ import annotations

import math
import sys
import wave
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from audio_sandbox.core.audio import encode_pcm_mp3

SEGMENT_SECONDS = 10.0
#: MP3 bitrates (kbps) segments may be encoded at; a quality's bitrate picks the nearest.
MP3_KBPS: tuple[int, ...] = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
#: How much of an MP3 file is walked frame by frame; the rest of a longer file is extrapolated.
MP3_WALK_BYTES = 4 * 1024 * 1024
#: How far past its ID3 tags an MP3 file's first frame may start.
MP3_SYNC_SEARCH_BYTES = 64 * 1024
#: Consecutive frames that must chain for bytes to count as MP3 (fewer only if they end the file).
MP3_MIN_CHAIN = 4
_MP3_BITRATES_KBPS: dict[bool, tuple[int, ...]] = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 and 2.5
}
_MP3_SAMPLE_RATES: dict[int, tuple[int, int, int]] = {
    3: (44100, 48000, 32000),  # MPEG-1
    2: (22050, 24000, 16000),  # MPEG-2
    0: (11025, 12000, 8000),  # MPEG-2.5
}
_ID3V1_SIZE = 128
# The longest layer III frame: 144 * 320 kbps / 32 kHz + padding.
_MAX_FRAME_BYTES = 1441
_TO_SIGNED = bytes((value ^ 0x80) for value in range(256))


class NotAudio(Exception):
    """The bytes are neither a readable WAV nor MP3 file; the message says why."""


@dataclass(frozen=True)
class AudioProbe:
    """
    What :func:`probe` found.

    :param format: ``wav`` or ``mp3``.
    :param duration: seconds of audio.
    :param sample_rate: Hz.
    :param channels: channel count.
    :param data_offset: first PCM byte (WAV) or first frame (MP3).
    :param sample_width: bytes per sample (WAV).
    :param frames: sample frames (WAV).
    :param bitrate: bits per second (MP3: average of the frames walked; WAV: of the PCM).
    """

    format: str
    duration: float
    sample_rate: int
    channels: int
    data_offset: int
    sample_width: int = 0
    frames: int = 0
    bitrate: int = 0

    @property
    def content_type(self) -> str:
        return "audio/wav" if self.format == "wav" else "audio/mpeg"


def probe(path: Path) -> AudioProbe:
    """
    Recognise the audio in ``path``.

    :raises NotAudio: when it is neither WAV nor MP3 (or holds no audio).
    """
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _probe_wav(path, size)
    found = _probe_mp3(path, size)
    if found is None:
        raise NotAudio("not a WAV or MP3 file: no RIFF/WAVE header and no chain of MPEG audio frames")
    return found


def _probe_wav(path: Path, size: int) -> AudioProbe:
    with path.open("rb") as file:
        try:
            with wave.open(file) as reader:
                # wave stops right after the data chunk's header: the PCM starts here.
                data_offset = file.tell()
                channels, width, rate, declared = (
                    reader.getnchannels(),
                    reader.getsampwidth(),
                    reader.getframerate(),
                    reader.getnframes(),
                )
        except (wave.Error, EOFError, RuntimeError, ValueError) as exc:
            # wave raises RuntimeError for a chunk claiming more bytes than the file has.
            raise NotAudio(f"not a readable WAV file: {exc or type(exc).__name__}") from None
    if channels < 1 or width not in (1, 2, 3, 4) or rate <= 0:
        raise NotAudio(f"unsupported WAV format: {channels} channels, {width * 8}-bit, {rate} Hz")
    frames = min(declared, (size - data_offset) // (channels * width))
    if frames <= 0:
        raise NotAudio("the WAV file holds no audio frames")
    return AudioProbe(
        format="wav",
        duration=round(frames / rate, 6),
        sample_rate=rate,
        channels=channels,
        data_offset=data_offset,
        sample_width=width,
        frames=frames,
        bitrate=rate * channels * width * 8,
    )


@dataclass(frozen=True)
class _Frame:
    length: int
    samples: int
    sample_rate: int
    channels: int


def _frame_at(buffer: bytes, position: int) -> _Frame | None:
    """The MPEG layer III frame whose header is at ``position``, if a valid one is."""
    if position + 4 > len(buffer):
        return None
    b0, b1, b2, b3 = buffer[position : position + 4]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    if b0 != 0xFF or b1 & 0xE0 != 0xE0 or version == 1 or layer != 1:
        return None
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if bitrate_index in (0, 15) or rate_index == 3 or b3 & 3 == 2:
        return None
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES_KBPS[mpeg1][bitrate_index] * 1000
    rate = _MP3_SAMPLE_RATES[version][rate_index]
    length = (144 if mpeg1 else 72) * bitrate // rate + ((b2 >> 1) & 1)
    return _Frame(length, 1152 if mpeg1 else 576, rate, 1 if b3 >> 6 == 3 else 2)


def _id3v2_size(header: bytes) -> int:
    """Bytes taken by the ID3v2 tag whose 10-byte header is ``header`` (0 if it is none)."""
    if len(header) < 10 or header[:3] != b"ID3":
        return 0
    size = 0
    for byte in header[6:10]:  # a "syncsafe" integer: 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if header[5] & 0x10 else 0
    return 10 + size + footer


def _chain(buffer: bytes, start: int, end: int) -> tuple[int, int, int, _Frame | None]:
    """Walk frames from ``start``: (frames, samples, bytes walked, first frame)."""
    count = samples = 0
    position = start
    first: _Frame | None = None
    while True:
        frame = _frame_at(buffer, position)
        if frame is None or position + frame.length > end:
            break
        first = first or frame
        count += 1
        samples += frame.samples
        position += frame.length
    return count, samples, position - start, first


def _probe_mp3(path: Path, size: int) -> AudioProbe | None:
    with path.open("rb") as file:
        # ID3v2 tags (possibly several, possibly holding large pictures) are skipped, not read.
        offset = 0
        while tag := _id3v2_size(file.read(10)):
            offset += tag
            file.seek(offset)
        file.seek(offset)
        buffer = file.read(MP3_SYNC_SEARCH_BYTES + MP3_WALK_BYTES)
        file.seek(max(0, size - _ID3V1_SIZE))
        has_id3v1 = size - offset >= _ID3V1_SIZE and file.read(3) == b"TAG"
    audio_length = size - offset - (_ID3V1_SIZE if has_id3v1 else 0)
    buffer_end = min(len(buffer), audio_length)
    truncated = buffer_end < audio_length
    search_end = min(MP3_SYNC_SEARCH_BYTES, buffer_end)
    position = buffer.find(b"\xff", 0, search_end)
    while position >= 0:
        count, samples, walked, first = _chain(buffer, position, buffer_end)
        ends_file = position + walked == audio_length
        if first is not None and (count >= MP3_MIN_CHAIN or (count >= 2 and ends_file)):
            walked_seconds = samples / first.sample_rate
            seconds = walked_seconds
            if truncated and position + walked > buffer_end - _MAX_FRAME_BYTES:
                # The walk stopped at the end of what was read: extrapolate over the rest.
                seconds *= (audio_length - position) / walked
            return AudioProbe(
                format="mp3",
                duration=round(seconds, 6),
                sample_rate=first.sample_rate,
                channels=first.channels,
                data_offset=offset + position,
                bitrate=round(walked * 8 / walked_seconds),
            )
        position = buffer.find(b"\xff", position + 1, search_end)
    return None


# -- streaming --------------------------------------------------------------------------------


def segment_durations(found: AudioProbe) -> list[float]:
    """Seconds of each segment: ~:data:`SEGMENT_SECONDS` slices of a WAV, one segment for an MP3."""
    if found.format != "wav":
        return [found.duration]
    per_segment = round(SEGMENT_SECONDS * found.sample_rate)
    full, rest = divmod(found.frames, per_segment)
    durations = [per_segment / found.sample_rate] * full
    if rest:
        durations.append(rest / found.sample_rate)
    return durations


def hls_playlist(found: AudioProbe, segment_urls: Sequence[str]) -> str:
    """A VOD media playlist (HLS version 3) of the segments at ``segment_urls``."""
    durations = segment_durations(found)
    target = max(1, math.ceil(max(durations)))
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    for seconds, url in zip(durations, segment_urls, strict=True):
        lines.extend([f"#EXTINF:{seconds:.6f},", url])
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def dash_manifest(found: AudioProbe, segment_urls: Sequence[str], bandwidth: int) -> str:
    """A static MPD with one audio/mpeg adaptation set listing the segments at ``segment_urls``."""
    durations = segment_durations(found)
    segment_ms = round(durations[0] * 1000)
    urls = "\n".join(f"          <SegmentURL media={quoteattr(url)}/>" for url in segment_urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'profiles="urn:mpeg:dash:profile:full:2011" minBufferTime="PT2S" '
        f'mediaPresentationDuration="PT{found.duration:.3f}S">\n'
        '  <Period id="0" start="PT0S">\n'
        '    <AdaptationSet id="0" contentType="audio" mimeType="audio/mpeg" segmentAlignment="true">\n'
        f'      <Representation id="audio" bandwidth="{bandwidth}" codecs="mp4a.6B" '
        f'audioSamplingRate="{found.sample_rate}">\n'
        f'        <SegmentList timescale="1000" duration="{segment_ms}">\n'
        f"{urls}\n"
        "        </SegmentList>\n"
        "      </Representation>\n"
        "    </AdaptationSet>\n"
        "  </Period>\n"
        "</MPD>\n"
    )


def mp3_kbps(bitrate: int) -> int:
    """The MP3 bitrate (kbps) nearest to a quality's ``bitrate`` (bits per second)."""
    return min(MP3_KBPS, key=lambda kbps: abs(kbps * 1000 - bitrate))


def _to_pcm16(raw: bytes, width: int) -> bytes:
    """Little-endian PCM of any :mod:`wave` sample width as 16-bit samples (the top bytes kept)."""
    if width == 2:
        return raw
    count = len(raw) // width
    out = bytearray(2 * count)
    if width == 1:  # unsigned 8-bit: the sample becomes the high byte, signed.
        out[1::2] = raw.translate(_TO_SIGNED)
    else:
        out[0::2] = raw[width - 2 :: width]
        out[1::2] = raw[width - 1 :: width]
    return bytes(out)


def _first_two_channels(pcm: bytes, channels: int) -> bytes:
    if channels <= 2:
        return pcm
    samples = array("h")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    frames = len(samples) // channels
    stereo = array("h", bytes(4 * frames))
    stereo[0::2] = samples[0 : frames * channels : channels]
    stereo[1::2] = samples[1 : frames * channels : channels]
    if sys.byteorder == "big":
        stereo.byteswap()
    return stereo.tobytes()


def render_segment(path: Path, found: AudioProbe, number: int, kbps: int) -> bytes:
    """
    Segment ``number`` of a WAV source as MP3 (LAME, constant ``kbps``; more than two channels
    are reduced to the first two).

    :raises IndexError: when the media has no such segment.
    :raises EncoderUnavailable: when ``lameenc`` is not installed.
    """
    per_segment = round(SEGMENT_SECONDS * found.sample_rate)
    first = number * per_segment
    count = min(per_segment, found.frames - first)
    if number < 0 or count <= 0:
        raise IndexError(number)
    frame_size = found.channels * found.sample_width
    with path.open("rb") as file:
        file.seek(found.data_offset + first * frame_size)
        raw = file.read(count * frame_size)
    pcm = _first_two_channels(_to_pcm16(raw, found.sample_width), found.channels)
    return encode_pcm_mp3(pcm, found.sample_rate, min(2, found.channels), kbps)
