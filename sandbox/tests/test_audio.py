"""The renderer: lengths follow the text and the arrangement, and a long article renders fast."""

from __future__ import annotations

import io
import threading
import time
import wave

import pytest
from audio_sandbox.core import audio
from audio_sandbox.core.audio import Bed, Clip, Speech, Tone

WPM = 160.0


def _article(words: int) -> str:
    return " ".join(f"word{i}." if i % 15 == 14 else f"word{i}" for i in range(words))


def test_speech_length_follows_words_and_sentence_pauses() -> None:
    text = _article(150)
    rendered = audio.render([[[Clip(Speech(text, WPM))]]])
    assert rendered.duration_seconds == pytest.approx(150 / WPM * 60 + 10 * 0.4, abs=audio.BLOCK_SECONDS)
    assert rendered.duration_seconds == pytest.approx(
        audio.speech_seconds(text, WPM), abs=audio.BLOCK_SECONDS
    )


def test_speech_is_not_silence_and_words_differ_in_pitch() -> None:
    pcm = audio.render([[[Clip(Speech("alpha beta", WPM))]]]).pcm
    assert max(pcm[1::2]) > 0  # high bytes of the samples: loud enough to hear
    first_word = audio.render([[[Clip(Speech("alpha", WPM))]]]).pcm
    second_word = audio.render([[[Clip(Speech("beta", WPM))]]]).pcm
    assert first_word != second_word


def test_sections_play_in_sequence_and_last_as_their_longest_layer() -> None:
    short, long = Clip(Speech(_article(10), WPM)), Clip(Speech(_article(40), WPM))
    one = audio.render([[[short], [long]]]).duration_seconds
    assert one == pytest.approx(audio.render([[[long]]]).duration_seconds)
    two = audio.render([[[short], [long]], [[short]]]).duration_seconds
    assert two == pytest.approx(one + audio.render([[[short]]]).duration_seconds)


def test_bed_lies_under_the_section_without_lengthening_it() -> None:
    speech = Clip(Speech(_article(30), WPM))
    plain = audio.render([[[speech]]])
    bedded = audio.render([[[speech], [Clip(Bed())]]])
    assert bedded.duration_seconds == plain.duration_seconds
    assert bedded.pcm != plain.pcm
    assert audio.render([[[Clip(Bed())]]]).duration_seconds == pytest.approx(audio.DEFAULT_BED_SECONDS)


def test_margins_forced_duration_and_tones() -> None:
    tone = audio.render([[[Clip(Tone(440.0))]]])
    assert tone.duration_seconds == pytest.approx(audio.TONE_SECONDS)
    padded = audio.render([[[Clip(Tone(440.0), margin_start=1.0, margin_end=0.5, forced_seconds=2.0)]]])
    assert padded.duration_seconds == pytest.approx(3.5)


def test_wav_encoding() -> None:
    rendered = audio.render([[[Clip(Speech("one two three.", WPM))]]])
    with wave.open(io.BytesIO(audio.encode_wav(rendered))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        assert wav.getnframes() / 22050 == pytest.approx(rendered.duration_seconds)


def test_ten_minute_article_with_a_bed_renders_in_well_under_a_second() -> None:
    text = _article(1600)  # 10 minutes at 160 words per minute, plus sentence pauses
    sections = [[[Clip(Speech(text, WPM))], [Clip(Bed())]]]
    audio.render(sections)  # first call fills the waveform tables
    started = time.perf_counter()
    rendered = audio.render(sections)
    elapsed = time.perf_counter() - started
    assert rendered.duration_seconds >= 600
    assert elapsed < 1.0, f"rendering took {elapsed:.2f} s"


def test_renders_share_their_blocks_and_sound_the_same_as_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    sections = [[[Clip(Speech(_article(200), WPM))], [Clip(Bed())]]]
    monkeypatch.setattr(audio, "_banks", threading.local())
    alone = audio.render(sections).pcm
    held = len(audio.thread_bank())
    other = audio.render([[[Clip(Speech(_article(120), WPM), margin_start=0.3)], [Clip(Bed())]]]).pcm
    # The same article again mixes nothing new: every block and sum was kept from the first render.
    grown = len(audio.thread_bank())
    assert audio.render(sections).pcm == alone
    assert len(audio.thread_bank()) == grown >= held
    # A bank renewed past its bound renders the same bytes.
    monkeypatch.setattr(audio, "MAX_BANK_BLOCKS", 0)
    assert audio.render(sections).pcm == alone
    assert audio.render([[[Clip(Speech(_article(120), WPM), margin_start=0.3)], [Clip(Bed())]]]).pcm == other


def test_speech_shifted_in_pitch_keeps_its_length() -> None:
    plain = audio.render([[[Clip(Speech("alpha beta gamma.", WPM))]]])
    higher = audio.render([[[Clip(Speech("alpha beta gamma.", WPM, semitones=5.0))]]])
    assert higher.duration_seconds == plain.duration_seconds
    assert higher.pcm != plain.pcm


def _loudness(pcm: bytes) -> float:
    from array import array

    samples = array("h")
    samples.frombytes(pcm)
    return (sum(s * s for s in samples[::7]) / max(1, len(samples[::7]))) ** 0.5


@pytest.mark.parametrize("seconds", [1, 7, 47])
def test_music_lasts_its_seconds_and_is_not_silence(seconds: int) -> None:
    music = audio.render_music(seconds, key=3)
    assert music.duration_seconds == seconds
    assert _loudness(music.pcm) > 1000


def test_music_follows_a_chord_progression_and_a_key() -> None:
    music = audio.render_music(8, key=0)
    bytes_per_second = audio.SAMPLE_RATE * audio.SAMPLE_WIDTH
    bars = [music.pcm[i * 2 * bytes_per_second : (i + 1) * 2 * bytes_per_second] for i in range(4)]
    assert len(set(bars)) == 4  # I, V, vi, IV: every bar sounds different
    assert audio.render_music(2, key=0).pcm == bars[0]  # and it repeats the same way
    assert audio.render_music(2, key=5).pcm != bars[0]
