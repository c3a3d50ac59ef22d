"""The suite's own file checks can fail: whole WAV and MP3 files pass, any cut or stray byte does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_sandbox.core.audio import Clip, Speech, encode_mp3, encode_wav, render

from tests.faults.helpers import assert_mp3_bytes, assert_no_partial_files, assert_wav_bytes


@pytest.fixture(scope="module")
def speech() -> tuple[bytes, bytes]:
    """One second or so of the sandbox's speech, as WAV and as MP3."""
    audio = render([[[Clip(Speech("A short test sentence for the checks.", 160.0, 0.0))]]])
    return encode_wav(audio), encode_mp3(audio, 64)


def test_whole_files_pass(speech: tuple[bytes, bytes]) -> None:
    wav, mp3 = speech
    assert_wav_bytes(wav)
    assert_mp3_bytes(mp3)


@pytest.mark.parametrize("cut", [1, 2, 100, 1000])
def test_a_truncated_wav_is_caught(speech: tuple[bytes, bytes], cut: int) -> None:
    with pytest.raises(AssertionError, match="RIFF says"):
        assert_wav_bytes(speech[0][:-cut])


@pytest.mark.parametrize("cut", [1, 2, 100, 1000])
def test_a_truncated_mp3_is_caught(speech: tuple[bytes, bytes], cut: int) -> None:
    with pytest.raises(AssertionError, match=r"cut short|stray bytes|no frame sync"):
        assert_mp3_bytes(speech[1][:-cut])


def test_a_leftover_temporary_file_is_caught(tmp_path: Path, speech: tuple[bytes, bytes]) -> None:
    (tmp_path / "episode.wav").write_bytes(speech[0])
    assert assert_no_partial_files(tmp_path) == [tmp_path / "episode.wav"]
    (tmp_path / ".episode.wav.0f3a.part").write_bytes(speech[0][:100])
    with pytest.raises(AssertionError, match="partial files left behind"):
        assert_no_partial_files(tmp_path)
