"""
AudioPod voice samples: which uploads are accepted, and whether a voice trains on them.

An upload is accepted when its first bytes are those of a WAV (``RIFF``...``WAVE``), MP3 (an ID3
tag or an MPEG audio frame sync) or M4A (an ISO ``ftyp`` box) file. Training then decodes every
WAV sample with :mod:`wave`: a WAV that does not decode fails the voice, and so does a voice made
only of WAV samples that hold less than :data:`MIN_TRAINING_SECONDS` of audio between them. MP3
and M4A samples are accepted as they are: the sandbox does not estimate their length, so a voice
with one of them is not held to the minimum.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass

SAMPLE_FORMATS: tuple[str, ...] = ("wav", "mp3", "m4a")
MIN_TRAINING_SECONDS = 3.0


@dataclass(frozen=True)
class Sample:
    """
    One uploaded voice sample.

    :param field: the form field it came in, as the API names it (``file``, ``voice_files[2]``).
    :param filename: the file name the client gave.
    :param format: ``wav``, ``mp3`` or ``m4a``, from its content.
    :param data: its bytes.
    """

    field: str
    filename: str
    format: str
    data: bytes


@dataclass(frozen=True)
class TrainingOutcome:
    """
    How a voice's training ended.

    :param succeeded: whether the voice is usable.
    :param error_message: why not, when it is not.
    :param wav_seconds: seconds of audio found in the WAV samples.
    """

    succeeded: bool
    error_message: str | None
    wav_seconds: float


def sample_format(data: bytes) -> str | None:
    """``wav``, ``mp3`` or ``m4a`` by the file's signature; ``None`` for anything else."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3":
        return "mp3"
    # An MPEG audio frame header: 11 sync bits, then a version and a layer that are not "reserved".
    if len(data) >= 4 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        version = (data[1] >> 3) & 0x3
        layer = (data[1] >> 1) & 0x3
        if version != 1 and layer != 0:
            return "mp3"
    if len(data) >= 8 and data[4:8] == b"ftyp":
        return "m4a"
    return None


def wav_seconds(data: bytes) -> float:
    """
    Seconds of audio in a WAV file: the sample frames actually present, whatever the header claims.

    :raises ValueError: when the bytes do not decode as a PCM WAV file.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            rate = reader.getframerate()
            frame_bytes = reader.getsampwidth() * reader.getnchannels()
            if rate <= 0 or frame_bytes <= 0:
                raise ValueError(f"its header declares {rate} Hz and {frame_bytes}-byte frames")
            pcm = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError, struct.error) as exc:
        raise ValueError(str(exc) or type(exc).__name__) from None
    return len(pcm) // frame_bytes / rate


def assess(samples: tuple[Sample, ...]) -> TrainingOutcome:
    """Train on ``samples`` as the sandbox does (see the module's description)."""
    total = 0.0
    measured_all = True
    for sample in samples:
        if sample.format != "wav":
            measured_all = False
            continue
        try:
            total += wav_seconds(sample.data)
        except ValueError as exc:
            return TrainingOutcome(
                False, f"{sample.field} ({sample.filename}) is not a decodable WAV file: {exc}", total
            )
    if measured_all and total < MIN_TRAINING_SECONDS:
        return TrainingOutcome(
            False,
            f"not enough audio to train on: the samples hold {total:.2f} s of usable audio; "
            f"at least {MIN_TRAINING_SECONDS:g} s are needed",
            total,
        )
    return TrainingOutcome(True, None, total)
