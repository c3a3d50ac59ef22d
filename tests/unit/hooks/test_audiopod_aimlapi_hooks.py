"""AudioPodHook and AimlApiHook, one method at a time: requests-mock (sync), MockTransport (async)."""

from __future__ import annotations

import functools
import json
from typing import Any

import httpx
import pytest
import requests_mock as rm

from airflow_provider_audio.client.http import AsyncApiClient
from airflow_provider_audio.client.service import RetryPolicy
from airflow_provider_audio.exceptions import AudioServiceCreditsError, AudioServiceServerError
from airflow_provider_audio.hooks.aimlapi import AimlApiHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.triggers.aimlapi import AimlApiGenerationTrigger
from airflow_provider_audio.triggers.audiopod import AudioPodVoiceTrainingTrigger
from airflow_provider_audio.voice_samples import VoiceSample

POD = "https://pod.test/api/v1/voice"
AIML = "https://aiml.test"
FAST = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0)


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AUDIOPOD_DEFAULT",
        json.dumps({"conn_type": "audiopod", "host": POD, "password": "ap_k"}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_AIMLAPI_DEFAULT", json.dumps({"conn_type": "aimlapi", "host": AIML, "password": "ml"})
    )


def sample(name: str = "a.wav") -> VoiceSample:
    return VoiceSample(name, b"RIFF....WAVEfmt ", "audio/wav", 12.0)


def test_single_and_multi_sample_creation_use_their_routes(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{POD}/voice-profiles", json={"id": 7, "status": "PROCESSING"})
    requests_mock.post(f"{POD}/voice-profiles/multi-sample", json={"id": 8, "status": "PROCESSING"})
    hook = AudioPodHook(retry_policy=FAST)
    assert hook.create_voice("Anna", [sample()], denoise=True).id == "7"
    single = requests_mock.last_request
    assert single.headers["X-API-Key"] == "ap_k"
    assert b'name="file"; filename="a.wav"' in single.body and b'name="denoise"\r\n\r\ntrue' in single.body
    assert hook.create_voice("Anna", [sample("a.wav"), sample("b.wav")], is_public=False).id == "8"
    multi = requests_mock.last_request.body
    assert multi.count(b'name="voice_files"') == 2 and b'name="is_public"\r\n\r\nfalse' in multi


def test_voice_creation_is_never_retried_after_a_5xx(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{POD}/voice-profiles", status_code=502, json={"detail": "bad gateway"})
    with pytest.raises(AudioServiceServerError):
        AudioPodHook(retry_policy=FAST).create_voice("Anna", [sample()])
    assert requests_mock.call_count == 1


def test_iter_voices_pages_until_has_more_is_false(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        f"{POD}/voice-profiles",
        [
            {"json": {"voices": [{"id": i} for i in range(50)], "total": 57, "hasMore": True}},
            {"json": {"voices": [{"id": i} for i in range(50, 57)], "total": 57, "hasMore": False}},
        ],
    )
    voices = list(AudioPodHook().iter_voices({"voice_type": "STANDARD"}))
    assert len(voices) == 57
    assert [r.qs["skip"] for r in requests_mock.request_history] == [["0"], ["50"]]
    assert requests_mock.request_history[0].qs["voice_type"] == ["standard"]  # requests-mock lowercases


def test_payment_required_names_the_amounts(requests_mock: rm.Mocker) -> None:
    detail = {"message": "Insufficient credits", "required_cents": 12, "available_cents": 3}
    requests_mock.get(f"{POD}/voice-profiles/7/preview", status_code=402, json={"detail": detail})
    with pytest.raises(AudioServiceCreditsError, match="required cents: 12, available cents: 3"):
        AudioPodHook().voice_preview("7")


def test_preview_update_delete_collections_and_usage(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        f"{POD}/voice-profiles/7/preview", json={"audio_url": "https://cdn/p.mp3", "duration": 3.5}
    )
    requests_mock.patch(f"{POD}/voices/7", json={"id": 7, "name": "New"})
    requests_mock.delete(f"{POD}/voices/7", status_code=204)
    requests_mock.post(f"{POD}/collections/c1/voices", json={"collection_id": "c1", "voice_ids": ["7"]})
    requests_mock.get(f"{POD}/analytics/usage", json={"total_generations": 2})
    hook = AudioPodHook()
    preview = hook.voice_preview("7", "wav", generate_if_missing=False)
    assert (preview.audio_url, preview.duration) == ("https://cdn/p.mp3", 3.5)
    assert requests_mock.request_history[0].qs == {"audio_format": ["wav"], "generate_if_missing": ["false"]}
    assert hook.update_voice("7", {"name": "New"})["name"] == "New"
    hook.delete_voice("7")
    assert hook.add_voices_to_collection("c1", ["7"])["voice_ids"] == ["7"]
    assert hook.usage({"voice_id": "7", "period": "7d"})["total_generations"] == 2


def test_aiml_generate_and_poll(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{AIML}/v2/generate/audio", json={"id": "g1:stable-audio", "status": "queued"})
    requests_mock.get(
        f"{AIML}/v2/generate/audio",
        json={
            "id": "g1:stable-audio",
            "status": "completed",
            "audio_file": {"url": "https://cdn/g.wav"},
            "meta": {"usage": {"credits_used": 1200}},
        },
    )
    hook = AimlApiHook()
    assert hook.generate({"prompt": "rain", "seconds_total": 5}).id == "g1:stable-audio"
    assert requests_mock.request_history[0].json() == {
        "prompt": "rain",
        "seconds_total": 5,
        "model": "stable-audio",
    }
    assert requests_mock.request_history[0].headers["Authorization"] == "Bearer ml"
    done = hook.get_generation("g1:stable-audio")
    assert (done.audio_url, done.credits_used) == ("https://cdn/g.wav", 1200.0)
    assert requests_mock.last_request.qs == {"generation_id": ["g1:stable-audio"]}


def test_aiml_out_of_credits_is_a_credits_error(requests_mock: rm.Mocker) -> None:
    body = {
        "message": "Insufficient credits: 30000 needed",
        "path": "/v2/generate/audio",
        "requestId": "r",
        "statusCode": 403,
    }
    requests_mock.post(f"{AIML}/v2/generate/audio", status_code=403, json=body)
    with pytest.raises(AudioServiceCreditsError, match="not enough credits"):
        AimlApiHook().generate({"prompt": "rain"})


def install(monkeypatch: pytest.MonkeyPatch, *bodies: dict[str, Any]) -> None:
    answers = iter(bodies)
    last: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = next(answers, None) or last[0]
        last[:] = [body]
        return httpx.Response(200, json=body)

    monkeypatch.setattr(
        "airflow_provider_audio.hooks.base.AsyncApiClient",
        functools.partial(AsyncApiClient, transport=httpx.MockTransport(handler)),
    )


@pytest.mark.parametrize(
    ("bodies", "status", "text"),
    [
        ([{"id": 7, "status": "PROCESSING"}, {"id": 7, "status": "COMPLETED"}], "success", "is ready"),
        (
            [
                {"id": 7, "status": "PROCESSING"},
                {"id": 7, "status": "FAILED", "error_message": "sample too short"},
            ],
            "error",
            "sample too short",
        ),
        ([{"id": 7, "status": "CANCELLED"}], "error", "CANCELLED"),
    ],
)
async def test_training_trigger(
    monkeypatch: pytest.MonkeyPatch, bodies: list[dict[str, Any]], status: str, text: str
) -> None:
    install(monkeypatch, *bodies)
    trigger = AudioPodVoiceTrainingTrigger(
        conn_id="audiopod_default", voice_id="7", poll_interval=0.01, deadline=1e12
    )
    event = (await trigger.wait_for_event()).payload
    assert event["status"] == status and text in event["message"] and event["voice_id"] == "7"


@pytest.mark.parametrize(
    ("bodies", "status", "text"),
    [
        (
            [
                {"id": "g", "status": "queued"},
                {"id": "g", "status": "generating"},
                {"id": "g", "status": "completed", "audio_file": {"url": "u"}},
            ],
            "success",
            "completed",
        ),
        (
            [
                {
                    "id": "g",
                    "status": "error",
                    "error": {"name": "ContentPolicyViolation", "message": "refused"},
                }
            ],
            "error",
            "ContentPolicyViolation: refused",
        ),
    ],
)
async def test_generation_trigger(
    monkeypatch: pytest.MonkeyPatch, bodies: list[dict[str, Any]], status: str, text: str
) -> None:
    install(monkeypatch, *bodies)
    trigger = AimlApiGenerationTrigger(
        conn_id="aimlapi_default", generation_id="g", poll_interval=0.01, deadline=1e12
    )
    event = (await trigger.wait_for_event()).payload
    assert event["status"] == status and text in event["message"]
