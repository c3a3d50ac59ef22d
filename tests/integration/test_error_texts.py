"""What an error from a service says: service, method, route, status, the API's message, request id."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import requests

from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.exceptions import AudioServiceNotFoundError, AudioServiceRequestError
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.conftest import SANDBOX_KEY
from tests.integration.conftest import (
    FAST_RETRIES,
    MODES,
    VALID_AUDIOFORM,
    HookFactory,
    Mode,
    SandboxAdmin,
    call,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def invalid_audioform() -> dict[str, Any]:
    """A valid audioform whose one asset has a type no service knows."""
    audioform = copy.deepcopy(VALID_AUDIOFORM)
    audioform["assets"]["speech"]["type"] = "banana"
    return audioform


@pytest.mark.parametrize("mode", MODES)
async def test_422_names_service_method_route_status_message_and_request_id(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = make_hook(AudioStackHook, audiostack_conn, retry_policy=FAST_RETRIES)

    # Sent straight through the client, past the provider's own validation, so the service judges it.
    with pytest.raises(AudioServiceRequestError) as caught:
        await call(mode, hook, routes.CREATE_AUDIOFORM, json_body={"audioform": invalid_audioform()})

    error = caught.value
    text = str(error)
    assert (error.service, error.method, error.route, error.status) == (
        "audiostack",
        "POST",
        "/audioforms",
        422,
    )
    assert text.startswith("audiostack POST /audioforms failed with HTTP 422: "), text
    assert "Validation error" in text
    # The service's own problem list: which field, and why.
    assert "banana" in error.api_message
    assert "speech" in error.api_message
    assert error.request_id and UUID.match(error.request_id), error.request_id
    assert f"(request id {error.request_id})" in text
    assert SANDBOX_KEY not in text
    # Not retried, and nothing created.
    assert admin.count("POST /audiostack/audioforms") == 1
    assert admin.audioforms("created") == 0


def test_request_id_is_the_one_the_service_sent(
    make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = make_hook(AudioStackHook, audiostack_conn, retry_policy=FAST_RETRIES)
    client = hook.get_conn()
    seen: list[str] = []

    def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        seen.append(response.headers["x-request-id"])

    client.session.hooks["response"].append(record)

    with pytest.raises(AudioServiceRequestError) as caught:
        client.call(routes.CREATE_AUDIOFORM, json_body={"audioform": invalid_audioform()})

    assert len(seen) == 1
    assert caught.value.request_id == seen[0]


@pytest.mark.parametrize("mode", MODES)
async def test_404_names_the_route_with_its_id(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str
) -> None:
    hook = make_hook(AudioStackHook, audiostack_conn, retry_policy=FAST_RETRIES)

    with pytest.raises(AudioServiceNotFoundError) as caught:
        await call(
            mode,
            hook,
            routes.GET_AUDIOFORM,
            path_params={"audioform_id": "no-such-form"},
            headers={"version": "2"},
        )

    text = str(caught.value)
    assert "audiostack GET /audioforms/no-such-form failed with HTTP 404" in text, text
    assert "Audioform no-such-form not found" in text
    assert caught.value.request_id
