"""
Rendering of the classic pipeline's jobs: speech per script section, the mix, the encoding.

Each function runs in the render pool once its job's time has come, puts the files it makes on
the shelf the public ``/_media/{name}`` route serves, and returns an outcome: files, or errors
as texts, the way AudioStack lists ``errors`` (never both).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from audio_sandbox.audiostack.audioform import ENCODER_PRESETS, SANDBOX_VOICES, is_sandbox_voice
from audio_sandbox.audiostack.scripts import Section
from audio_sandbox.core import audio
from audio_sandbox.core.files import WAV_CONTENT_TYPE, FileShelf
from audio_sandbox.core.settings import MAX_WORDS_PER_MINUTE, MIN_WORDS_PER_MINUTE


@dataclass(frozen=True)
class SpokenSection:
    """
    One script section read aloud.

    :param name: the section's name.
    :param file_name: its WAV file on the shelf.
    :param duration: its length in seconds.
    """

    name: str
    file_name: str
    duration: float


@dataclass(frozen=True)
class SpeechOutcome:
    """
    Text to speech of a script: a WAV file per section, or errors.

    :param errors: why it failed; empty on success.
    :param sections: the spoken sections on success.
    """

    errors: list[str]
    sections: list[SpokenSection] = field(default_factory=list)


@dataclass(frozen=True)
class MixOutcome:
    """
    A mix: one WAV file, kept as audio for the encoder too.

    :param file_name: the WAV file on the shelf.
    :param rendered: the mixed audio.
    """

    file_name: str
    rendered: audio.RenderedAudio


@dataclass(frozen=True)
class EncodingOutcome:
    """
    An encoding: a file in the preset's format, or errors.

    :param errors: why it failed; empty on success.
    :param file_name: the encoded file on the shelf, on success.
    :param extension: its format (``wav``, ``mp3``), on success.
    """

    errors: list[str]
    file_name: str | None = None
    extension: str | None = None


def speech_rate(words_per_minute: float, speed: float | None) -> float:
    """The speech rate of a job: the knob's rate times its ``speed``, kept within the knob's range."""
    rate = words_per_minute * (speed if speed else 1.0)
    return min(MAX_WORDS_PER_MINUTE, max(MIN_WORDS_PER_MINUTE, rate))


def _speech_layer(section: Section, rate: float) -> list[audio.Clip]:
    return [audio.Clip(audio.Speech(section.spoken_text, rate))]


def speak(
    speech_id: str, voice: str, sections: list[Section], rate: float, shelf: FileShelf
) -> SpeechOutcome:
    """
    Read every section of a script with ``voice`` at ``rate`` words per minute.

    :param speech_id: names the files (``<speechId>.<n>.wav``).
    """
    if not is_sandbox_voice(voice):
        return SpeechOutcome(
            [f"voice: Voice {voice!r} is not available; the sandbox offers {', '.join(SANDBOX_VOICES)}"]
        )
    spoken: list[SpokenSection] = []
    for index, section in enumerate(sections):
        rendered = audio.render([[_speech_layer(section, rate)]])
        name = f"{speech_id}.{index}.wav"
        shelf.put(name, audio.encode_wav(rendered), WAV_CONTENT_TYPE)
        spoken.append(SpokenSection(section.name, name, round(rendered.duration_seconds, 3)))
    return SpeechOutcome([], spoken)


def mix(production_id: str, sections: list[Section], rate: float, bed: bool, shelf: FileShelf) -> MixOutcome:
    """The sections' speech one after another, over a quiet bed when ``bed`` (a sound template)."""
    layers: list[list[list[audio.Clip]]] = []
    for section in sections:
        section_layers = [_speech_layer(section, rate)]
        if bed:
            section_layers.append([audio.Clip(audio.Bed())])
        layers.append(section_layers)
    rendered = audio.render(layers)
    name = f"{production_id}.wav"
    shelf.put(name, audio.encode_wav(rendered), WAV_CONTENT_TYPE)
    return MixOutcome(name, rendered)


def encode(
    encoder_id: str, rendered: audio.RenderedAudio, preset_name: str, shelf: FileShelf
) -> EncodingOutcome:
    """``rendered`` in the format of ``preset_name``; errors for a preset the sandbox cannot encode."""
    preset = ENCODER_PRESETS.get(preset_name)
    if preset is None:
        known = ", ".join(ENCODER_PRESETS)
        return EncodingOutcome([f"preset: the sandbox cannot encode {preset_name!r}; it encodes {known}"])
    try:
        data = audio.encode_wav(rendered) if preset.kbps is None else audio.encode_mp3(rendered, preset.kbps)
    except audio.EncoderUnavailable as exc:
        return EncodingOutcome([f"preset: {exc}"])
    name = f"{encoder_id}.{preset.extension}"
    shelf.put(name, data, preset.content_type)
    return EncodingOutcome([], name, preset.extension)
