"""The async HTTP path against httpx.MockTransport: the same rules as the sync path."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from airflow_provider_audio.client.http import AsyncApiClient
from airflow_provider_audio.client.routes import aimlapi
from airflow_provider_audio.client.service import ClientSettings, Credentials, Endpoint, RetryPolicy
from airflow_provider_audio.exceptions import (
    AudioServiceNotFoundError,
    AudioServiceServerError,
    AudioServiceTransportError,
)

KEY = "aiml-key-77aa"
BASE = "https://api.example.test"
FAST = RetryPolicy(max_attempts=3, max_elapsed=10, initial_wait=0.01, max_wait=0.05, jitter=0)
GET_ITEM = Endpoint(
    "get_item", "GET", "/items/{item_id}", resend_after_loss=True, pending_statuses=frozenset({202})
)
CREATE_JOB = Endpoint("create_job", "POST", "/jobs", resend_after_loss=False)

Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*steps: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = steps[min(len(seen), len(steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    return handler, seen


def make_client(handler: Handler) -> AsyncApiClient:
    settings = ClientSettings(aimlapi.SERVICE, BASE, Credentials.bearer(KEY), retry_policy=FAST)
    return AsyncApiClient(settings, transport=httpx.MockTransport(handler))


async def test_sends_bearer_and_reads_pending() -> None:
    handler, seen = scripted(httpx.Response(202, json={"message": "building"}))
    async with make_client(handler) as client:
        response = await client.call(GET_ITEM, path_params={"item_id": "x"}, headers={"version": "2"})
    assert response.pending
    assert seen[0].headers["Authorization"] == f"Bearer {KEY}"
    assert seen[0].headers["version"] == "2"


async def test_get_retries_5xx() -> None:
    handler, seen = scripted(
        httpx.Response(503, json={"message": "busy"}), httpx.Response(200, json={"a": 1})
    )
    async with make_client(handler) as client:
        assert (await client.call(GET_ITEM, path_params={"item_id": "1"})).body == {"a": 1}
    assert len(seen) == 2


async def test_billed_post_not_retried_after_5xx() -> None:
    handler, seen = scripted(httpx.Response(500, json={"message": "oops"}))
    async with make_client(handler) as client:
        with pytest.raises(AudioServiceServerError):
            await client.call(CREATE_JOB, json_body={})
    assert len(seen) == 1


async def test_billed_post_retried_after_connect_error_only() -> None:
    handler, seen = scripted(httpx.ConnectError("refused"), httpx.Response(201, json={"id": "j"}))
    async with make_client(handler) as client:
        assert (await client.call(CREATE_JOB, json_body={})).body == {"id": "j"}
    assert len(seen) == 2

    handler, seen = scripted(httpx.RemoteProtocolError("dropped"), httpx.Response(201, json={"id": "j"}))
    async with make_client(handler) as client:
        with pytest.raises(AudioServiceTransportError) as caught:
            await client.call(CREATE_JOB, json_body={})
    assert caught.value.request_sent
    assert len(seen) == 1


async def test_not_found_is_typed_with_request_id_from_body() -> None:
    body = {
        "message": "Generation not found",
        "path": "/v2/generate/audio",
        "requestId": "r-9",
        "statusCode": 404,
    }
    handler, _ = scripted(httpx.Response(404, json=body))
    async with make_client(handler) as client:
        with pytest.raises(AudioServiceNotFoundError) as caught:
            await client.call(GET_ITEM, path_params={"item_id": "1"})
    assert caught.value.request_id == "r-9"
    assert "Generation not found" in str(caught.value)
