"""AudioPod previews over real HTTP: real audio, batches, credits and the usage they leave."""

from __future__ import annotations

import datetime
import io
import wave
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer
from audio_sandbox.audiopod.previews import PREVIEW_SENTENCE
from audio_sandbox.core.audio import speech_seconds

from .audiopod import (
    HEADERS,
    api,
    batch,
    created,
    detail,
    is_mp3,
    preview,
    set_knobs,
    stats,
    status,
    trained_voice,
    wav_duration,
)
from .conftest import WORDS_PER_MINUTE

SENTENCE_CENTS = 12
TEN_WORDS = "one two three four five six seven eight nine ten"


def _usage(sandbox: SandboxServer, **params: Any) -> requests.Response:
    return requests.get(api(sandbox) + "/analytics/usage", headers=HEADERS, params=params, timeout=5)


def _credits(sandbox: SandboxServer) -> int:
    cents: int = stats(sandbox)["credits"]["audiopod_cents"]
    return cents


# -- a voice's own preview --------------------------------------------------------------------


def test_wav_preview_is_real_audio_of_the_sentence(sandbox: SandboxServer) -> None:
    response = preview(sandbox, 1, audio_format="wav")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"audio_url", "duration", "format"} and body["format"] == "wav"
    assert body["audio_url"].startswith(sandbox.base_url + "/audiopod/previews/")
    assert body["duration"] == pytest.approx(speech_seconds(PREVIEW_SENTENCE, WORDS_PER_MINUTE), abs=0.05)
    audio = requests.get(body["audio_url"], timeout=5)  # public: no key
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    assert int(audio.headers["content-length"]) == len(audio.content)
    with wave.open(io.BytesIO(audio.content)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 22050)
        pcm = reader.readframes(reader.getnframes())
    assert wav_duration(audio.content) == pytest.approx(body["duration"], abs=0.01)
    assert any(pcm[i] for i in range(0, len(pcm), 97))  # not silence
    assert status(sandbox, 1).json()["preview_url"] == body["audio_url"]


def test_mp3_preview_is_an_mpeg_stream(sandbox: SandboxServer) -> None:
    body = preview(sandbox, status(sandbox, 2).json()["voice_id"]).json()
    assert body["format"] == "mp3"  # the default
    audio = requests.get(body["audio_url"], timeout=5)
    assert audio.headers["content-type"] == "audio/mpeg"
    assert int(audio.headers["content-length"]) == len(audio.content) > 1000
    assert is_mp3(audio.content)


def test_each_voice_speaks_at_its_own_pitch(sandbox: SandboxServer) -> None:
    female = requests.get(preview(sandbox, 1, audio_format="wav").json()["audio_url"], timeout=5).content
    male = requests.get(preview(sandbox, 4, audio_format="wav").json()["audio_url"], timeout=5).content
    assert len(female) == len(male) and female != male


def test_an_existing_preview_is_returned_free(sandbox: SandboxServer) -> None:
    first = preview(sandbox, 3, audio_format="wav").json()
    assert _credits(sandbox) == 10_000 - SENTENCE_CENTS
    again = preview(sandbox, 3, audio_format="wav", generate_if_missing="false")
    assert again.status_code == 200 and again.json() == first
    assert _credits(sandbox) == 10_000 - SENTENCE_CENTS
    assert stats(sandbox)["audiopod"]["previews"] == 1


def test_missing_preview_without_generate_is_404(sandbox: SandboxServer) -> None:
    preview(sandbox, 5, audio_format="wav")
    problem = detail(preview(sandbox, 5, audio_format="mp3", generate_if_missing="false"), 404)
    assert "no mp3 preview" in problem
    assert _credits(sandbox) == 10_000 - SENTENCE_CENTS


def test_a_voice_in_training_has_no_preview(sandbox: SandboxServer) -> None:
    set_knobs(sandbox, training_seconds=60)
    voice = created(sandbox)
    problem = detail(preview(sandbox, voice["id"]), 400)
    assert problem == f"voice {voice['voice_id']} is not ready: status PROCESSING"


def test_a_failed_voice_has_no_preview(sandbox: SandboxServer) -> None:
    set_knobs(sandbox, training_seconds=0)
    voice = created(sandbox, data=b"RIFF\x00\x00\x00\x00WAVE" + bytes(8))
    assert "status FAILED" in detail(preview(sandbox, voice["uuid"]), 400)


def test_a_custom_voice_has_previews_too(sandbox: SandboxServer) -> None:
    voice = trained_voice(sandbox)
    body = preview(sandbox, voice["voice_id"], audio_format="wav").json()
    assert requests.get(body["audio_url"], timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"audio_format": "ogg"}, ["query", "audio_format"]),
        ({"generate_if_missing": "perhaps"}, ["query", "generate_if_missing"]),
    ],
)
def test_preview_query_problems_are_422(
    sandbox: SandboxServer, params: dict[str, str], loc: list[str]
) -> None:
    assert detail(preview(sandbox, 1, **params), 422)[0]["loc"] == loc


def test_unknown_voice_and_unknown_file_are_404(sandbox: SandboxServer) -> None:
    assert detail(preview(sandbox, 777), 404) == "Voice not found"
    missing = requests.get(sandbox.base_url + "/audiopod/previews/nothing.wav", timeout=5)
    assert "no preview file" in detail(missing, 404)


# -- credits ----------------------------------------------------------------------------------


def test_short_credits_are_402_with_the_amounts(sandbox: SandboxServer) -> None:
    set_knobs(sandbox, audiopod_credits_cents=5)
    problem = detail(preview(sandbox, 1), 402)
    assert problem == {
        "message": "Insufficient credits",
        "required_cents": SENTENCE_CENTS,
        "available_cents": 5,
    }
    assert status(sandbox, 1).json()["preview_url"] is None
    assert stats(sandbox)["audiopod"]["previews"] == 0
    assert _credits(sandbox) == 5


def test_batch_is_paid_for_every_voice_or_not_at_all(sandbox: SandboxServer) -> None:
    set_knobs(sandbox, audiopod_credits_cents=19)
    problem = detail(batch(sandbox, voice_ids=[1, 2], text=TEN_WORDS), 402)
    assert (problem["required_cents"], problem["available_cents"]) == (20, 19)
    assert stats(sandbox)["audiopod"]["previews"] == 0
    set_knobs(sandbox, audiopod_credits_cents=20)
    assert batch(sandbox, voice_ids=[1, 2], text=TEN_WORDS).status_code == 200
    assert _credits(sandbox) == 0


def test_reset_restores_the_balance(sandbox: SandboxServer) -> None:
    preview(sandbox, 1)
    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5).raise_for_status()
    assert _credits(sandbox) == 10_000
    assert status(sandbox, 1).json()["preview_url"] is None


# -- batch ------------------------------------------------------------------------------------


def test_batch_reads_the_text_in_each_voice(sandbox: SandboxServer) -> None:
    voice = trained_voice(sandbox)
    response = batch(sandbox, voice_ids=[voice["uuid"], 7, "12"], text=TEN_WORDS, format="wav")
    assert response.status_code == 200, response.text
    previews = response.json()["previews"]
    assert [p["voice_id"] for p in previews] == [
        voice["voice_id"],
        status(sandbox, 7).json()["voice_id"],
        status(sandbox, 12).json()["voice_id"],
    ]
    assert previews[0]["voice_name"] == "My Voice"
    expected = speech_seconds(TEN_WORDS, WORDS_PER_MINUTE)
    for item in previews:
        assert set(item) == {"voice_id", "voice_name", "audio_url", "duration"}
        assert item["duration"] == pytest.approx(expected, abs=0.05)
        audio = requests.get(item["audio_url"], timeout=5).content
        assert wav_duration(audio) == pytest.approx(item["duration"], abs=0.01)
    assert stats(sandbox)["audiopod"]["previews"] == 3
    assert _credits(sandbox) == 10_000 - 30
    assert status(sandbox, 7).json()["preview_url"] is None  # a batch is not the voice's own preview


def test_batch_duration_follows_speed(sandbox: SandboxServer) -> None:
    normal = batch(sandbox, voice_ids=[1], text=TEN_WORDS).json()["previews"][0]
    fast = batch(sandbox, voice_ids=[1], text=TEN_WORDS, speed=2.0, pitch=-5).json()["previews"][0]
    slow = batch(sandbox, voice_ids=[1], text=TEN_WORDS, speed=0.5).json()["previews"][0]
    assert fast["duration"] == pytest.approx(normal["duration"] / 2, abs=0.05)
    assert slow["duration"] == pytest.approx(normal["duration"] * 2, abs=0.05)
    assert is_mp3(requests.get(fast["audio_url"], timeout=5).content)


@pytest.mark.parametrize(
    ("body", "status_code", "named"),
    [
        ({"text": ""}, 400, "text must not be empty"),
        ({"text": "   "}, 400, "text must not be empty"),
        ({"text": " ".join(["word"] * 51)}, 400, "text has 51 words; at most 50"),
        ({"text": None}, 422, "text"),
        ({"voice_ids": []}, 422, "voice_ids"),
        ({"voice_ids": list(range(1, 12))}, 422, "voice_ids"),
        ({"voice_ids": [1.5]}, 422, "voice_ids"),
        ({"speed": 0.4}, 422, "speed"),
        ({"speed": 2.5}, 422, "speed"),
        ({"pitch": -13}, 422, "pitch"),
        ({"pitch": 12.5}, 422, "pitch"),
        ({"format": "ogg"}, 422, "format"),
        ({"voice_ids": [1, "voice_nope"]}, 404, "Voice not found: voice_nope"),
    ],
)
def test_batch_problems(sandbox: SandboxServer, body: dict[str, Any], status_code: int, named: str) -> None:
    payload = {"voice_ids": [1], "text": "Hello there.", **body}
    problem = detail(batch(sandbox, **payload), status_code)
    assert named in str(problem)
    assert stats(sandbox)["audiopod"]["previews"] == 0


def test_batch_fifty_words_is_accepted(sandbox: SandboxServer) -> None:
    assert batch(sandbox, voice_ids=[1], text=" ".join(["word"] * 50)).status_code == 200


def test_batch_needs_trained_voices(sandbox: SandboxServer) -> None:
    set_knobs(sandbox, training_seconds=60)
    voice = created(sandbox)
    assert "is not ready: status PROCESSING" in detail(
        batch(sandbox, voice_ids=[1, voice["id"]], text="Hi."), 400
    )
    assert _credits(sandbox) == 10_000


# -- analytics --------------------------------------------------------------------------------


def test_analytics_reflect_the_previews_generated(sandbox: SandboxServer) -> None:
    preview(sandbox, 1)
    preview(sandbox, 1, generate_if_missing="false")  # returned, not generated
    batch(sandbox, voice_ids=[1, 2], text=TEN_WORDS, speed=2.0)
    one = _usage(sandbox, voice_id=status(sandbox, 1).json()["voice_id"], period="7d").json()
    assert set(one) == {
        "voice_id",
        "period",
        "breakdown",
        "total_generations",
        "total_characters",
        "total_duration",
        "avg_rating",
        "daily_breakdown",
    }
    assert (one["period"], one["breakdown"], one["avg_rating"]) == ("7d", "daily", None)
    assert one["total_generations"] == 2
    assert one["total_characters"] == len(PREVIEW_SENTENCE) + len(TEN_WORDS)
    expected = speech_seconds(PREVIEW_SENTENCE, WORDS_PER_MINUTE) + speech_seconds(
        TEN_WORDS, WORDS_PER_MINUTE * 2
    )
    assert one["total_duration"] == pytest.approx(expected, abs=0.1)
    days = one["daily_breakdown"]
    today = datetime.datetime.now(datetime.UTC).date()
    assert [day["date"] for day in days] == [
        (today - datetime.timedelta(days=6 - i)).isoformat() for i in range(7)
    ]
    assert days[-1]["generations"] == 2 and sum(day["generations"] for day in days) == 2
    every = _usage(sandbox).json()
    assert (every["voice_id"], every["period"], every["total_generations"]) == (None, "30d", 3)
    assert len(every["daily_breakdown"]) == 30


@pytest.mark.parametrize(("breakdown", "first_day"), [("weekly", "monday"), ("monthly", "first")])
def test_analytics_buckets(sandbox: SandboxServer, breakdown: str, first_day: str) -> None:
    batch(sandbox, voice_ids=[1], text="Hello.")
    report = _usage(sandbox, voice_id=1, period="90d", breakdown=breakdown).json()
    buckets = report["daily_breakdown"]
    dates = [datetime.date.fromisoformat(bucket["date"]) for bucket in buckets]
    if first_day == "monday":
        assert all(day.weekday() == 0 for day in dates) and len(dates) in (13, 14)
    else:
        assert all(day.day == 1 for day in dates) and len(dates) in (3, 4)
    assert buckets[-1]["generations"] == 1 and report["total_generations"] == 1


@pytest.mark.parametrize(
    ("params", "loc"),
    [({"period": "2d"}, ["query", "period"]), ({"breakdown": "hourly"}, ["query", "breakdown"])],
)
def test_analytics_query_problems_are_422(
    sandbox: SandboxServer, params: dict[str, str], loc: list[str]
) -> None:
    assert detail(_usage(sandbox, **params), 422)[0]["loc"] == loc


def test_analytics_of_an_unknown_voice_is_404(sandbox: SandboxServer) -> None:
    assert detail(_usage(sandbox, voice_id="voice_unknown"), 404) == "Voice not found"
