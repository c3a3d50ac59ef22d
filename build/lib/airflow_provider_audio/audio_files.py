"""Facts read from audio files the provider writes (no decoding library needed)."""

from __future__ import annotations

import wave
from typing import Any


def wav_duration_seconds(path: Any) -> float | None:
    """
    The duration of a WAV file at ``path`` (a local path or an ``ObjectStoragePath``).

    :return: seconds, or ``None`` when the file is not a WAV file.
    """
    try:
        with path.open("rb") as handle, wave.open(handle, "rb") as reader:
            frames = reader.getnframes()
            rate = reader.getframerate()
    except (wave.Error, EOFError):
        return None
    return frames / rate if rate else None
