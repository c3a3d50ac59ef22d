"""
Real audio for the sandbox: speech-like tone bursts, beds and tones, mixed and encoded; and music
(a chord progression on a beat, :func:`render_music`).

Mono 16-bit PCM at 22050 Hz. Speed comes from working in blocks of 20 ms: every sound is cut
into blocks once (the waveforms are cached tables), a layer is a list of block ids, mixing
layers looks up (or computes once) the sum of the blocks that sound together, and the file is
one ``bytes.join`` of block contents. The blocks and their sums are kept between renders (one
bank per thread, renewed past :data:`MAX_BANK_BLOCKS`): articles read by the same voices over the
same bed sound the same few hundred combinations. No Python loop runs per sample of the output;
a ten-minute article renders in a few tens of milliseconds.
"""

from __future__ import annotations

import functools
import io
import math
import re
import threading
import wave
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

SAMPLE_RATE = 22050
SAMPLE_WIDTH = 2
BLOCK_SAMPLES = 441
BLOCK_SECONDS = BLOCK_SAMPLES / SAMPLE_RATE
SILENCE = 0

WORD_GAP_SECONDS = 0.08
SENTENCE_PAUSE_SECONDS = 0.4
DEFAULT_BED_SECONDS = 10.0
TONE_SECONDS = 0.5
# The bed loops every block: its partials (a 2:3:4:5 chord on 50 Hz) complete whole cycles in
# 20 ms, so the loop is seamless and a word burst meets the bed in one phase only, which keeps
# the number of distinct mixed blocks small.
_BED_LOOP_BLOCKS = 1
_BED_PARTIALS_HZ = (100.0, 150.0, 200.0, 250.0)
_BED_AMPLITUDE = 600.0
_SPEECH_AMPLITUDE = 12000.0
_TONE_AMPLITUDE = 9000.0
# Fundamentals of the word bursts, spread over a speaking voice's range (log-spaced).
_PITCH_COUNT = 16
_PITCHES_HZ = tuple(105.0 * (250.0 / 105.0) ** (i / (_PITCH_COUNT - 1)) for i in range(_PITCH_COUNT))
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
_WORD = re.compile(r"\S+")
_MAX_SAMPLE = 32767
_MIN_SAMPLE = -32768


@dataclass(frozen=True)
class Speech:
    """
    Text read as one tone burst per word.

    :param text: the text; words are runs of non-space characters.
    :param words_per_minute: speech rate.
    :param semitones: the voice's pitch, in semitones above (or below) the default voice.
    """

    text: str
    words_per_minute: float
    semitones: float = 0.0


@dataclass(frozen=True)
class Tone:
    """
    A short tone standing in for a sound the sandbox does not synthesise (media, effects...).

    :param frequency: pitch in Hz.
    :param seconds: length.
    """

    frequency: float
    seconds: float = TONE_SECONDS


@dataclass(frozen=True)
class Bed:
    """A quiet looping chord under the other layers (a sound template)."""


Sound = Speech | Tone | Bed


@dataclass(frozen=True)
class Clip:
    """
    One sound placed in a layer.

    :param sound: what plays.
    :param margin_start: seconds of silence before it.
    :param margin_end: seconds of silence after it.
    :param forced_seconds: cut or pad the sound to this length.
    """

    sound: Sound
    margin_start: float = 0.0
    margin_end: float = 0.0
    forced_seconds: float | None = None


#: A layer plays its clips one after another; a section mixes its layers.
Layer = Sequence[Clip]
Section = Sequence[Layer]


@dataclass(frozen=True)
class RenderedAudio:
    """
    Mono 16-bit PCM.

    :param pcm: little-endian samples.
    :param sample_rate: samples per second.
    """

    pcm: bytes
    sample_rate: int = SAMPLE_RATE

    @property
    def duration_seconds(self) -> float:
        return len(self.pcm) / SAMPLE_WIDTH / self.sample_rate


class EncoderUnavailable(RuntimeError):
    """The encoder a preset needs is not installed."""


def words_of(text: str) -> list[str]:
    """The words of ``text`` as the renderer counts them."""
    return _WORD.findall(text)


def speech_seconds(text: str, words_per_minute: float) -> float:
    """How long :class:`Speech` of ``text`` lasts, before rounding to blocks."""
    words = words_of(text)
    pauses = sum(1 for word in words if _SENTENCE_END.search(word))
    return len(words) * 60.0 / words_per_minute + pauses * SENTENCE_PAUSE_SECONDS


def _blocks(seconds: float) -> int:
    return max(0, round(seconds / BLOCK_SECONDS))


@functools.lru_cache(maxsize=256)
def _burst_wave(pitch_index: int, n_blocks: int, semitones: float = 0.0) -> array[int]:
    """One spoken word: harmonics on a falling pitch, a syllable wobble, soft attack and release."""
    n = n_blocks * BLOCK_SAMPLES
    f0 = _PITCHES_HZ[pitch_index] * 2.0 ** (semitones / 12.0)
    attack = max(1, int(0.015 * SAMPLE_RATE))
    release = max(1, int(0.04 * SAMPLE_RATE))
    step = 2.0 * math.pi / SAMPLE_RATE
    samples = array("h", bytes(n * SAMPLE_WIDTH))
    phase = 0.0
    for i in range(n):
        position = i / n
        phase += step * f0 * (1.0 - 0.12 * position)
        envelope = min(1.0, i / attack, (n - i) / release)
        syllables = 0.75 + 0.25 * math.sin(2.0 * math.pi * 4.5 * i / SAMPLE_RATE)
        value = math.sin(phase) + 0.5 * math.sin(2.0 * phase) + 0.25 * math.sin(3.0 * phase)
        samples[i] = int(_SPEECH_AMPLITUDE * envelope * syllables * value / 1.75)
    return samples


@functools.lru_cache(maxsize=1)
def _bed_wave() -> array[int]:
    n = _BED_LOOP_BLOCKS * BLOCK_SAMPLES
    step = 2.0 * math.pi / SAMPLE_RATE
    return array(
        "h",
        (int(_BED_AMPLITUDE * sum(math.sin(step * freq * i) for freq in _BED_PARTIALS_HZ)) for i in range(n)),
    )


@functools.lru_cache(maxsize=64)
def _tone_wave(frequency: float, n_blocks: int) -> array[int]:
    n = n_blocks * BLOCK_SAMPLES
    step = 2.0 * math.pi * frequency / SAMPLE_RATE
    fade = max(1, int(0.01 * SAMPLE_RATE))
    return array(
        "h",
        (int(_TONE_AMPLITUDE * min(1.0, i / fade, (n - i) / fade) * math.sin(step * i)) for i in range(n)),
    )


class BlockBank:
    """
    Blocks of :data:`BLOCK_SAMPLES` samples addressed by id; id 0 is silence.

    A mix of several blocks is computed once per distinct combination and then reused, which is
    what keeps mixing a long bed under long speech cheap.
    """

    def __init__(self) -> None:
        silence = array("h", bytes(BLOCK_SAMPLES * SAMPLE_WIDTH))
        self._samples: list[array[int]] = [silence]
        self._bytes: list[bytes] = [silence.tobytes()]
        self._tables: dict[object, list[int]] = {}
        self._mixes: dict[tuple[int, ...], int] = {}

    def table(self, key: object, wave_samples: array[int]) -> list[int]:
        """The block ids of ``wave_samples`` (a whole number of blocks), cut once per ``key``."""
        ids = self._tables.get(key)
        if ids is None:
            ids = []
            for start in range(0, len(wave_samples), BLOCK_SAMPLES):
                block = wave_samples[start : start + BLOCK_SAMPLES]
                self._samples.append(block)
                self._bytes.append(block.tobytes())
                ids.append(len(self._samples) - 1)
            self._tables[key] = ids
        return ids

    def mix(self, ids: Sequence[int]) -> int:
        """The id of the block that sums ``ids`` (clipped to 16 bits)."""
        sounding = tuple(sorted(i for i in ids if i != SILENCE))
        if not sounding:
            return SILENCE
        if len(sounding) == 1:
            return sounding[0]
        mixed = self._mixes.get(sounding)
        if mixed is None:
            columns = zip(*(self._samples[i] for i in sounding), strict=True)
            block = array("h", (max(_MIN_SAMPLE, min(_MAX_SAMPLE, sum(column))) for column in columns))
            self._samples.append(block)
            self._bytes.append(block.tobytes())
            mixed = len(self._samples) - 1
            self._mixes[sounding] = mixed
        return mixed

    def __len__(self) -> int:
        """Blocks held."""
        return len(self._samples)

    def pcm(self, sequence: Sequence[int]) -> bytes:
        """The PCM bytes of a sequence of block ids."""
        data = self._bytes
        return b"".join([data[i] for i in sequence])


#: Blocks a thread's bank may hold before the next render starts a new one (about 40 MB).
MAX_BANK_BLOCKS = 20_000
_banks = threading.local()


def thread_bank() -> BlockBank:
    """This thread's bank of blocks, kept between renders; a new one once it grew too big."""
    bank: BlockBank | None = getattr(_banks, "bank", None)
    if bank is None or len(bank) > MAX_BANK_BLOCKS:
        bank = _banks.bank = BlockBank()
    return bank


class Renderer:
    """Turns sections of layers of clips into PCM; one instance per rendering."""

    def __init__(self) -> None:
        self.bank = thread_bank()

    def render(self, sections: Sequence[Section]) -> RenderedAudio:
        """Sections play one after another; each lasts as long as its longest non-bed layer."""
        sequence: list[int] = []
        for section in sections:
            sequence.extend(self._section(section))
        return RenderedAudio(self.bank.pcm(sequence))

    def _section(self, section: Section) -> list[int]:
        beds = [layer for layer in section if layer and all(isinstance(c.sound, Bed) for c in layer)]
        others = [self._layer(layer) for layer in section if not any(layer is bed for bed in beds)]
        length = max((len(layer) for layer in others), default=0)
        if not others:
            forced = [c.forced_seconds for layer in beds for c in layer if c.forced_seconds is not None]
            length = _blocks(max(forced, default=DEFAULT_BED_SECONDS))
        if beds:
            bed = self._bed(length)
            others.extend(bed for _ in beds)
        if len(others) == 1:
            return others[0] + [SILENCE] * (length - len(others[0]))
        mixed: list[int] = []
        for position in range(length):
            mixed.append(self.bank.mix([layer[position] for layer in others if position < len(layer)]))
        return mixed

    def _layer(self, layer: Layer) -> list[int]:
        sequence: list[int] = []
        for clip in layer:
            sequence.extend([SILENCE] * _blocks(clip.margin_start))
            body = self._sound(clip.sound)
            if clip.forced_seconds is not None:
                wanted = _blocks(clip.forced_seconds)
                body = body[:wanted] + [SILENCE] * (wanted - len(body))
            sequence.extend(body)
            sequence.extend([SILENCE] * _blocks(clip.margin_end))
        return sequence

    def _sound(self, sound: Sound) -> list[int]:
        if isinstance(sound, Speech):
            return self._speech(sound)
        if isinstance(sound, Tone):
            n_blocks = max(1, _blocks(sound.seconds))
            return list(
                self.bank.table(("tone", sound.frequency, n_blocks), _tone_wave(sound.frequency, n_blocks))
            )
        return self._bed(_blocks(DEFAULT_BED_SECONDS))

    def _bed(self, length: int) -> list[int]:
        loop = self.bank.table("bed", _bed_wave())
        return (loop * (length // len(loop) + 1))[:length]

    def _speech(self, speech: Speech) -> list[int]:
        slot = 60.0 / speech.words_per_minute
        slot_blocks = max(2, int(slot / BLOCK_SECONDS))
        # A burst always leaves at least one block of gap before the next word can start.
        burst_blocks = max(1, min(slot_blocks - 1, round((slot - WORD_GAP_SECONDS) / BLOCK_SECONDS)))
        sequence: list[int] = []
        clock = 0.0
        for word in words_of(speech.text):
            # Words start at their exact time rounded to a block, so the total keeps to the rate.
            start = round(clock / BLOCK_SECONDS)
            sequence.extend([SILENCE] * (start - len(sequence)))
            pitch = zlib.crc32(word.lower().encode()) % _PITCH_COUNT
            key = ("burst", pitch, burst_blocks, speech.semitones)
            sequence.extend(self.bank.table(key, _burst_wave(pitch, burst_blocks, speech.semitones)))
            clock += slot
            if _SENTENCE_END.search(word):
                clock += SENTENCE_PAUSE_SECONDS
        sequence.extend([SILENCE] * (round(clock / BLOCK_SECONDS) - len(sequence)))
        return sequence


def render(sections: Sequence[Section]) -> RenderedAudio:
    """Render ``sections`` (see :class:`Renderer`)."""
    return Renderer().render(sections)


# -- music --------------------------------------------------------------------------------------

MUSIC_BPM = 120.0
_BEAT_BLOCKS = round(60.0 / MUSIC_BPM / BLOCK_SECONDS)
_BEATS_PER_BAR = 4
# I - V - vi - IV, one bar each, as semitones above the key's root.
_PROGRESSION: tuple[tuple[int, int, int], ...] = ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12))
_MUSIC_ROOT_HZ = 196.0
_MUSIC_AMPLITUDE = 11000.0
_MUSIC_DECAY_PER_SECOND = 3.0


@functools.lru_cache(maxsize=96)
def _beat_wave(key: int, chord: int, accent: bool) -> array[int]:
    """One beat: the chord struck and decaying, with its root an octave down on accented beats."""
    n = _BEAT_BLOCKS * BLOCK_SAMPLES
    root = _MUSIC_ROOT_HZ * 2.0 ** (key / 12.0)
    tones = [root * 2.0 ** (step / 12.0) for step in _PROGRESSION[chord]]
    bass = tones[0] / 2.0 if accent else 0.0
    omega = 2.0 * math.pi / SAMPLE_RATE
    attack = max(1, int(0.005 * SAMPLE_RATE))
    release = max(1, int(0.02 * SAMPLE_RATE))
    samples = array("h", bytes(n * SAMPLE_WIDTH))
    for i in range(n):
        envelope = min(1.0, i / attack, (n - i) / release) * math.exp(
            -_MUSIC_DECAY_PER_SECOND * i / SAMPLE_RATE
        )
        value = sum(math.sin(omega * tone * i) for tone in tones) / len(tones)
        if bass:
            value = 0.65 * value + 0.35 * math.sin(omega * bass * i)
        samples[i] = int(_MUSIC_AMPLITUDE * envelope * value)
    return samples


def render_music(seconds: float, key: int = 0) -> RenderedAudio:
    """
    ``seconds`` of music: a I-V-vi-IV chord progression struck on every beat at :data:`MUSIC_BPM`.

    :param seconds: length (rounded to 20 ms blocks).
    :param key: the key, in semitones above G (taken modulo 12).
    """
    bank = BlockBank()
    total = _blocks(seconds)
    sequence: list[int] = []
    beat = 0
    while len(sequence) < total:
        chord = (beat // _BEATS_PER_BAR) % len(_PROGRESSION)
        accent = beat % 2 == 0
        wave_key = ("beat", key % 12, chord, accent)
        sequence.extend(bank.table(wave_key, _beat_wave(key % 12, chord, accent)))
        beat += 1
    return RenderedAudio(bank.pcm(sequence[:total]))


def encode_wav(audio: RenderedAudio) -> bytes:
    """A complete RIFF/WAVE file of ``audio``."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(audio.sample_rate)
        out.writeframes(audio.pcm)
    return buffer.getvalue()


# LAME fails on large buffers when it resamples for high bitrates; small chunks always work.
_MP3_CHUNK_BYTES = 8192
# MPEG-2 layer III (22.05 kHz) stops at 160 kbps; higher bitrates need MPEG-1 at 44.1 kHz.
_MPEG2_MAX_KBPS = 160


def encode_pcm_mp3(
    pcm: bytes, sample_rate: int, channels: int, kbps: int, out_sample_rate: int | None = None
) -> bytes:
    """
    An MP3 file (LAME, constant ``kbps``) of 16-bit little-endian PCM.

    :param channels: 1 or 2, interleaved in ``pcm``.
    :param out_sample_rate: the MP3's sample rate; ``None`` lets LAME choose.
    :raises EncoderUnavailable: when ``lameenc`` is not installed.
    """
    try:
        import lameenc
    except ImportError as exc:
        raise EncoderUnavailable(
            "MP3 encoding needs the 'lameenc' package (pip install 'airflow-provider-audio[sandbox]')"
        ) from exc
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(sample_rate)
    if out_sample_rate is not None:
        encoder.set_out_sample_rate(out_sample_rate)
    encoder.set_channels(channels)
    encoder.set_quality(7)
    parts = [
        bytes(encoder.encode(pcm[i : i + _MP3_CHUNK_BYTES])) for i in range(0, len(pcm), _MP3_CHUNK_BYTES)
    ]
    parts.append(bytes(encoder.flush()))
    return b"".join(parts)


def encode_mp3(audio: RenderedAudio, kbps: int) -> bytes:
    """
    An MP3 file of ``audio`` at a constant ``kbps``.

    :raises EncoderUnavailable: when ``lameenc`` is not installed.
    """
    out_sample_rate = 44100 if kbps > _MPEG2_MAX_KBPS else None
    return encode_pcm_mp3(audio.pcm, audio.sample_rate, 1, kbps, out_sample_rate)
