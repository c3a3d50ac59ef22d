"""
AudioPod previews: real speech-like audio of a text, spoken at a voice's pitch, and what it costs.

A voice's own preview reads :data:`PREVIEW_SENTENCE`; a batch preview reads the caller's text.
Either costs :data:`CENTS_PER_WORD` per word of the text read.
"""

from __future__ import annotations

from dataclasses import dataclass

from audio_sandbox.core.audio import Clip, Speech, encode_mp3, encode_wav, render, words_of
from audio_sandbox.core.files import CONTENT_TYPES

PREVIEW_SENTENCE = "Hello, this is a short preview of my voice for you today."
PREVIEW_FORMATS: tuple[str, ...] = ("mp3", "wav")
CENTS_PER_WORD = 1
MAX_PREVIEW_WORDS = 50
MP3_KBPS = 64


@dataclass(frozen=True)
class RenderedPreview:
    """
    A preview's file.

    :param data: the encoded bytes.
    :param duration: seconds of audio.
    :param format: ``mp3`` or ``wav``.
    """

    data: bytes
    duration: float
    format: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def cost_cents(text: str) -> int:
    """What reading ``text`` costs."""
    return len(words_of(text)) * CENTS_PER_WORD


def render_preview(
    text: str, words_per_minute: float, semitones: float, audio_format: str
) -> RenderedPreview:
    """
    Read ``text`` aloud and encode it.

    :param words_per_minute: speech rate (the sandbox's rate times the requested speed).
    :param semitones: the pitch (the voice's own plus any requested shift).
    :param audio_format: ``mp3`` (LAME, 64 kbps) or ``wav``.
    :raises EncoderUnavailable: for MP3 without ``lameenc``.
    """
    audio = render([[[Clip(Speech(text, words_per_minute, semitones))]]])
    data = encode_wav(audio) if audio_format == "wav" else encode_mp3(audio, MP3_KBPS)
    return RenderedPreview(data, round(audio.duration_seconds, 3), audio_format)
