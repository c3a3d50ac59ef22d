"""Voice samples for AudioPod cloning: checked on disk before anything is uploaded."""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from airflow_provider_audio.client.files import as_destination
from airflow_provider_audio.exceptions import AudioInputError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

# AudioPod's guidance (https://docs.audiopod.ai, voice cloning): 10-60 s of clean speech per sample,
# WAV/MP3/M4A, 2-5 samples.
SAMPLE_FORMATS: Final = {"wav": "audio/wav", "mp3": "audio/mpeg", "m4a": "audio/mp4"}
RECOMMENDED_SECONDS: Final = (10.0, 60.0)
RECOMMENDED_MAX_SAMPLES: Final = 5


@dataclass(frozen=True)
class VoiceSample:
    """
    One sample, read and checked.

    :param filename: the name it is uploaded under.
    :param data: its bytes.
    :param content_type: its media type.
    :param duration_seconds: its duration when it could be measured (WAV), else ``None``.
    """

    filename: str
    data: bytes
    content_type: str
    duration_seconds: float | None

    def as_form_file(self) -> tuple[str, bytes, str]:
        """``(filename, bytes, content type)`` for a multipart upload."""
        return self.filename, self.data, self.content_type


def sniff_format(head: bytes) -> str | None:
    """``wav``, ``mp3`` or ``m4a`` from a file's first bytes; ``None`` for anything else."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a"
    return None


def _wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def load_voice_samples(
    paths: list[str | os.PathLike[str] | ObjectStoragePath],
) -> tuple[list[VoiceSample], list[str]]:
    """
    Read and check voice samples: each must exist, not be empty, and be WAV, MP3 or M4A.

    :return: the samples, and warnings (a sample outside 10-60 s, more than 5 samples).
    :raises AudioInputError: naming every sample that cannot be used, before any upload.
    """
    problems: list[str] = []
    warnings: list[str] = []
    samples: list[VoiceSample] = []
    if not paths:
        raise AudioInputError("voice samples", ["samples: at least one audio file is needed"])
    for index, raw in enumerate(paths):
        path: Any = as_destination(raw)
        label = f"samples[{index}] ({path})"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"{label}: no such file")
            continue
        except (IsADirectoryError, OSError) as error:
            problems.append(f"{label}: cannot be read ({error})")
            continue
        if not data:
            problems.append(f"{label}: the file is empty")
            continue
        kind = sniff_format(data[:16])
        if kind is None:
            problems.append(
                f"{label}: not WAV, MP3 or M4A audio; allowed formats: {', '.join(SAMPLE_FORMATS)}"
            )
            continue
        seconds = _wav_seconds(data) if kind == "wav" else None
        low, high = RECOMMENDED_SECONDS
        if seconds is not None and not low <= seconds <= high:
            warnings.append(f"{label}: {seconds:.1f} s; AudioPod recommends {low:.0f}-{high:.0f} s of speech")
        samples.append(VoiceSample(path.name, data, SAMPLE_FORMATS[kind], seconds))
    if problems:
        raise AudioInputError("voice samples", problems)
    if len(samples) > RECOMMENDED_MAX_SAMPLES:
        warnings.append(f"samples: {len(samples)} given; AudioPod recommends 2-{RECOMMENDED_MAX_SAMPLES}")
    return samples, warnings
