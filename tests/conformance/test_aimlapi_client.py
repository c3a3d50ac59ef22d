"""
The official ``aimlapi`` client (aimlapi-sdk-python 2.24.0rc1, unmodified) against the sandbox's
AIML API port.

The client has no method for stable-audio, so a generation goes through its generic
``client.post`` / ``client.get``, as a user of it would write them. Its default ``base_url`` ends
in ``/v1`` and it joins relative paths under that path, so ``/v2/generate/audio`` is reached either
with ``base_url`` at the host root and a relative path, or, keeping the ``/v1`` base, with an
absolute URL built from the host (what the client's own ``/v2`` helpers do).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.conformance.conftest import CONFORMANCE_KEY, set_knobs

aimlapi = pytest.importorskip("aimlapi")

from aimlapi import AIMLAPI  # noqa: E402

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

GENERATE = "v2/generate/audio"
PENDING = ("queued", "generating")


@pytest.fixture
def root(fresh_sandbox: SandboxServer) -> str:
    """The host AIML API is served at (``https://api.aimlapi.com`` in production)."""
    return fresh_sandbox.service_root_url("aimlapi")


@pytest.fixture
def client(root: str) -> Iterator[Any]:
    with AIMLAPI(api_key=CONFORMANCE_KEY, base_url=root, max_retries=0) as made:
        yield made


def wait_for(client: Any, generation_id: str, url: str = GENERATE, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = client.get(
            url, cast_to=object, options={"params": {"generation_id": generation_id}}
        )
        if state["status"] not in PENDING or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def test_generate_and_poll_until_completed(client: Any) -> None:
    job = client.post(
        GENERATE,
        cast_to=object,
        body={
            "model": "stable-audio",
            "prompt": "Lo-fi pop hip-hop ambient music",
            "seconds_total": 2,
            "steps": 10,
        },
    )

    assert job["status"] == "queued"
    assert job["id"].endswith(":stable-audio")
    done = wait_for(client, job["id"])
    assert done["status"] == "completed", done
    assert done["id"] == job["id"]
    audio = done["audio_file"]
    assert set(audio) >= {"url", "content_type", "file_name", "file_size"}
    assert done["meta"]["usage"]["credits_used"] == 2 * 10 * 10
    downloaded = requests.get(audio["url"], timeout=10)
    assert downloaded.status_code == 200
    assert len(downloaded.content) == audio["file_size"]
    assert downloaded.content[:4] == b"RIFF"


def test_the_v1_base_url_with_absolute_urls_to_the_host(root: str) -> None:
    with AIMLAPI(api_key=CONFORMANCE_KEY, base_url=f"{root}/v1", max_retries=0) as client:
        host = str(client.base_url.copy_with(path="/")).rstrip("/")
        url = f"{host}/{GENERATE}"
        job = client.post(
            url, cast_to=object, body={"model": "stable-audio", "prompt": "rain", "seconds_total": 1}
        )
        done = wait_for(client, job["id"], url=url)

    assert done["status"] == "completed", done


def test_a_refused_prompt_ends_in_status_error(client: Any) -> None:
    job = client.post(GENERATE, cast_to=object, body={"model": "stable-audio", "prompt": "a forbidden tune"})

    done = wait_for(client, job["id"])

    assert done["status"] == "error"
    assert set(done["error"]) == {"name", "message"}
    assert done["audio_file"] is None


def test_a_bad_body_is_the_clients_bad_request_error_with_aimls_error_body(client: Any) -> None:
    with pytest.raises(aimlapi.BadRequestError) as refused:
        client.post(
            GENERATE, cast_to=object, body={"model": "stable-audio", "prompt": "x", "seconds_total": 48}
        )

    body = refused.value.body
    assert set(body) == {"message", "path", "requestId", "statusCode", "timestamp"}
    assert body["path"] == "/v2/generate/audio"
    assert body["statusCode"] == 400
    assert "seconds_total" in body["message"]
    assert refused.value.request_id == body["requestId"]


def test_out_of_credits_is_a_403(client: Any, fresh_sandbox: SandboxServer) -> None:
    set_knobs(fresh_sandbox, aimlapi_credits=10)

    with pytest.raises(aimlapi.PermissionDeniedError) as refused:
        client.post(
            GENERATE, cast_to=object, body={"model": "stable-audio", "prompt": "x", "seconds_total": 5}
        )

    assert refused.value.status_code == 403
    assert "credits" in refused.value.body["message"].lower()


def test_a_wrong_key_is_the_clients_authentication_error(root: str) -> None:
    with (
        AIMLAPI(api_key="not-the-key", base_url=root, max_retries=0) as client,
        pytest.raises(aimlapi.AuthenticationError),
    ):
        client.get(GENERATE, cast_to=object, options={"params": {"generation_id": "x"}})
