"""
AudioStack's presets, as far as the vendor's material lists them.

The mixing presets are complete: the Audioform format documents exactly three. The encoding and
loudness lists are not (the vendor counts 12 and 8 and names 10 and 4), so a value outside them is
sent as given with a warning, never refused.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "DOCUMENTED_ENCODER_PRESET_COUNT",
    "DOCUMENTED_LOUDNESS_PRESET_COUNT",
    "KNOWN_ENCODER_PRESETS",
    "KNOWN_LOUDNESS_PRESETS",
    "MIXING_PRESETS",
    "MixingPreset",
    "unknown_preset_warning",
]

MixingPreset = Literal["balanced", "musicenhanced", "voiceenhanced"]
MIXING_PRESETS: Final[tuple[str, ...]] = get_args(MixingPreset)

KNOWN_ENCODER_PRESETS: Final[tuple[str, ...]] = (
    "mp3",
    "wav",
    "ogg",
    "flac",
    "mp3_very_low",
    "mp3_low",
    "mp3_medium",
    "mp3_high",
    "mp3_very_high",
    "mp3_alexa",
)
DOCUMENTED_ENCODER_PRESET_COUNT: Final = 12

KNOWN_LOUDNESS_PRESETS: Final[tuple[str, ...]] = ("radio", "spotify", "streaming", "podcast")
DOCUMENTED_LOUDNESS_PRESET_COUNT: Final = 8


def unknown_preset_warning(path: str, value: str, known: tuple[str, ...], documented: int) -> str | None:
    """
    A warning for a preset outside an incomplete list, or ``None`` when the preset is known.

    :param path: the field's JSON path, e.g. ``delivery.encoderPreset``.
    :param value: the preset given.
    :param known: the presets found in the vendor's material.
    :param documented: how many presets the vendor says exist.
    """
    if value in known:
        return None
    names = ", ".join(repr(name) for name in known)
    return (
        f"{path}: {value!r} is not one of the {len(known)} known presets ({names}); "
        f"AudioStack documents {documented}, so it is sent as given"
    )
