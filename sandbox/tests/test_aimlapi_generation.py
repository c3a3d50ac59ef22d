"""AIML API stable-audio over real HTTP: the lifecycle, the audio, the error path, credits, concurrency."""

from __future__ import annotations

import io
import wave
from array import array

import jsonschema
import pytest
import requests
from audio_sandbox import SandboxServer

from .aimlapi import ERROR_KEYS, GENERATION_SCHEMA, error, get, knobs, queued, settled, stats, submit


def test_queued_then_generating_then_completed_with_real_audio(sandbox: SandboxServer) -> None:
    response = submit(sandbox, seconds_total=3, steps=50, seconds_start=1)
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == {"id", "status"} and created["status"] == "queued"
    uuid_part, _, model = created["id"].partition(":")
    assert model == "stable-audio" and len(uuid_part) == 36
    body, seen = settled(sandbox, created["id"])
    assert seen == ["queued", "generating", "completed"]
    assert body["error"] is None
    assert body["meta"] == {"usage": {"credits_used": 3 * 50 * 10}}
    audio_file = body["audio_file"]
    assert audio_file["url"].startswith(sandbox.base_url + "/aimlapi/files/")
    assert audio_file["content_type"] == "audio/wav" and audio_file["file_name"].endswith(".wav")
    audio = requests.get(audio_file["url"], timeout=5)  # public: no key
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert len(audio.content) == audio_file["file_size"] == int(audio.headers["content-length"])
    with wave.open(io.BytesIO(audio.content)) as reader:
        assert reader.getnframes() / reader.getframerate() == pytest.approx(3.0)
        samples = array("h")
        samples.frombytes(reader.readframes(reader.getnframes()))
    assert max(samples) > 3000  # music, not silence
    assert get(sandbox, created["id"]).json() == body  # rendered once, kept
    assert stats(sandbox)["aimlapi"] == {"generations": 1, "completed": 1, "errors": 0}
    assert stats(sandbox)["credits"]["aimlapi"] == 1_000_000 - 1500


def test_bodies_match_the_vendor_schema(sandbox: SandboxServer) -> None:
    created = submit(sandbox, seconds_total=1).json()
    jsonschema.validate(created, GENERATION_SCHEMA)
    jsonschema.validate(get(sandbox, created["id"]).json(), GENERATION_SCHEMA)
    body, _ = settled(sandbox, created["id"])
    jsonschema.validate(body, GENERATION_SCHEMA)


def test_defaults_are_thirty_seconds_and_a_hundred_steps(sandbox: SandboxServer) -> None:
    knobs(sandbox, generation_seconds=0)
    body, _ = settled(sandbox, queued(sandbox))
    assert body["meta"]["usage"]["credits_used"] == 30 * 100 * 10
    audio = requests.get(body["audio_file"]["url"], timeout=5).content
    with wave.open(io.BytesIO(audio)) as reader:
        assert reader.getnframes() / reader.getframerate() == pytest.approx(30.0)


def test_a_forbidden_prompt_ends_in_error_and_costs_nothing(sandbox: SandboxServer) -> None:
    generation_id = queued(sandbox, prompt="A FORBIDDEN melody", seconds_total=2)
    body, seen = settled(sandbox, generation_id)
    assert seen == ["queued", "generating", "error"]
    assert body == {
        "id": generation_id,
        "status": "error",
        "audio_file": None,
        "error": {
            "name": "ContentPolicyViolation",
            "message": "the prompt was refused by the content filter",
        },
        "meta": None,
    }
    jsonschema.validate(body, GENERATION_SCHEMA)
    assert stats(sandbox)["aimlapi"] == {"generations": 1, "completed": 0, "errors": 1}
    assert stats(sandbox)["credits"]["aimlapi"] == 1_000_000


def test_forbidden_must_be_a_word(sandbox: SandboxServer) -> None:
    knobs(sandbox, generation_seconds=0)
    body, _ = settled(sandbox, queued(sandbox, prompt="unforbiddenly upbeat", seconds_total=1))
    assert body["status"] == "completed"


def test_generation_time_is_fixed_when_submitted(sandbox: SandboxServer) -> None:
    knobs(sandbox, generation_seconds=60)
    slow = queued(sandbox, seconds_total=1)
    knobs(sandbox, generation_seconds=0)
    quick = queued(sandbox, seconds_total=1)
    assert get(sandbox, quick).json()["status"] == "completed"
    assert get(sandbox, slow).json()["status"] == "queued"


def test_short_credits_are_403_and_nothing_is_queued(sandbox: SandboxServer) -> None:
    knobs(sandbox, aimlapi_credits=999)
    message = error(submit(sandbox, seconds_total=10, steps=10), 403)
    assert message == "Insufficient credits: this generation costs 1000 credits and 999 are left"
    assert stats(sandbox)["aimlapi"]["generations"] == 0
    knobs(sandbox, aimlapi_credits=1000)
    queued(sandbox, seconds_total=10, steps=10)
    assert stats(sandbox)["credits"]["aimlapi"] == 0


def test_concurrency_limit_is_429_with_retry_after(sandbox: SandboxServer) -> None:
    knobs(sandbox, aimlapi_concurrency=2, generation_seconds=30)
    queued(sandbox, seconds_total=1)
    queued(sandbox, seconds_total=1)
    response = submit(sandbox, seconds_total=1)
    assert "at most 2" in error(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    assert stats(sandbox)["aimlapi"]["generations"] == 2


def test_finished_generations_do_not_count_against_concurrency(sandbox: SandboxServer) -> None:
    knobs(sandbox, aimlapi_concurrency=1, generation_seconds=0)
    for _ in range(3):
        queued(sandbox, seconds_total=1)


def test_faults_apply_to_aimlapi(sandbox: SandboxServer) -> None:
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"match": "POST /aimlapi/v2/generate/audio", "kind": "429", "retry_after": 2},
        timeout=5,
    ).raise_for_status()
    response = submit(sandbox)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert set(response.json()) == ERROR_KEYS
    assert stats(sandbox)["aimlapi"]["generations"] == 0
