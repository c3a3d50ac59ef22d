"""
Where each clip of a built audioform sits in time, as version "3" of the format reports it
(``position`` and ``duration`` of the arrangement, its sections, layers and clips) and every
version reports per asset (``duration``; ``durationInSecond`` in "0.0.1").

The figures follow the renderer's rules (:mod:`audio_sandbox.core.audio`): sections play one after
another, each as long as its longest layer that is not a bed; a layer plays its clips one after
another, each between its margins; a bed layer fills its section. Lengths are rounded to the
renderer's blocks, so they agree with the delivered file to the block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audio_sandbox.core import audio


@dataclass(frozen=True)
class Span:
    """
    A stretch of the arrangement.

    :param position: seconds from the start of the audio.
    :param duration: seconds it lasts.
    """

    position: float
    duration: float


@dataclass(frozen=True)
class LayerTimes:
    """
    A layer and its clips (each clip's span excludes its margins).

    :param span: the layer's stretch.
    :param clips: each clip's stretch, in order.
    """

    span: Span
    clips: list[Span]


@dataclass(frozen=True)
class SectionTimes:
    """
    A section and its layers.

    :param span: the section's stretch.
    :param layers: its layers, in order.
    """

    span: Span
    layers: list[LayerTimes]


@dataclass(frozen=True)
class Timeline:
    """
    A built audioform in time.

    :param duration: the whole arrangement's length.
    :param sections: its sections, in order.
    :param asset_seconds: each asset's own length (unforced), by name, for the assets clips play.
    """

    duration: float
    sections: list[SectionTimes]
    asset_seconds: dict[str, float]


def _blocks(seconds: float) -> float:
    return round(max(0.0, seconds) / audio.BLOCK_SECONDS) * audio.BLOCK_SECONDS


def sound_seconds(sound: audio.Sound) -> float:
    """The length the renderer gives ``sound`` on its own (a bed: the renderer's default)."""
    if isinstance(sound, audio.Speech):
        return _blocks(audio.speech_seconds(sound.text, sound.words_per_minute))
    if isinstance(sound, audio.Tone):
        return max(audio.BLOCK_SECONDS, _blocks(sound.seconds))
    return _blocks(audio.DEFAULT_BED_SECONDS)


def _is_bed_layer(layer: Sequence[audio.Clip]) -> bool:
    return bool(layer) and all(isinstance(clip.sound, audio.Bed) for clip in layer)


def _clip_seconds(clip: audio.Clip) -> float:
    return _blocks(clip.forced_seconds) if clip.forced_seconds is not None else sound_seconds(clip.sound)


def _layer_seconds(layer: Sequence[audio.Clip]) -> float:
    return sum(_blocks(c.margin_start) + _clip_seconds(c) + _blocks(c.margin_end) for c in layer)


def _section_seconds(section: Sequence[Sequence[audio.Clip]]) -> float:
    spoken = [_layer_seconds(layer) for layer in section if not _is_bed_layer(layer)]
    if spoken:
        return max(spoken)
    forced = [c.forced_seconds for layer in section for c in layer if c.forced_seconds is not None]
    return _blocks(max(forced, default=audio.DEFAULT_BED_SECONDS))


def _layer_times(layer: Sequence[audio.Clip], start: float, section_seconds: float) -> LayerTimes:
    if _is_bed_layer(layer):
        return LayerTimes(Span(start, section_seconds), [Span(start, section_seconds) for _ in layer])
    clips: list[Span] = []
    clock = start
    for clip in layer:
        clock += _blocks(clip.margin_start)
        seconds = _clip_seconds(clip)
        clips.append(Span(clock, seconds))
        clock += seconds + _blocks(clip.margin_end)
    return LayerTimes(Span(start, clock - start), clips)


def timeline(
    sections: Sequence[Sequence[Sequence[audio.Clip]]], asset_names: Sequence[Sequence[Sequence[str]]]
) -> Timeline:
    """
    The timeline of ``sections`` as the renderer plays them.

    :param sections: the clips to render, by section and layer.
    :param asset_names: the asset each clip plays, in the same nesting.
    """
    placed: list[SectionTimes] = []
    asset_seconds: dict[str, float] = {}
    clock = 0.0
    for section, names in zip(sections, asset_names, strict=True):
        length = _section_seconds(section)
        layers = [_layer_times(layer, clock, length) for layer in section]
        placed.append(SectionTimes(Span(clock, length), layers))
        for layer, layer_names, times in zip(section, names, layers, strict=True):
            for clip, name, span in zip(layer, layer_names, times.clips, strict=True):
                own = span.duration if isinstance(clip.sound, audio.Bed) else sound_seconds(clip.sound)
                asset_seconds.setdefault(name, own)
        clock += length
    return Timeline(clock, placed, asset_seconds)
