"""
The retry rules end to end, through the sync client (as tasks use it) and the async client (as
triggers use it), against faults scripted on the sandbox.

A billed call (POST /audioforms) is retried only when the service cannot have acted on it: a 429,
or a connection that was refused. A dropped connection, a 5xx or a read timeout may come after the
work started, so only calls that are safe to repeat (GETs) are retried then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from airflow_provider_audio.client.routes import aiozstream as aioz_routes
from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.client.routes.audiostack import BuildState, BuildStatus
from airflow_provider_audio.client.service import RetryPolicy, Timeouts
from airflow_provider_audio.exceptions import (
    AudioServiceRateLimitError,
    AudioServiceServerError,
    AudioServiceTransportError,
)
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.conftest import SANDBOX_KEY
from tests.integration.conftest import (
    FAST_RETRIES,
    FAST_RETRIES_TOTAL_BACKOFF,
    MODES,
    VALID_AUDIOFORM,
    HookFactory,
    Mode,
    SandboxAdmin,
    call,
    set_connection,
)

POST_ROUTE = "POST /audiostack/audioforms"
GET_ROUTE = "GET /audiostack/audioforms/{audioform_id}"
POST_MATCH = "POST /audiostack/audioforms*"
GET_MATCH = "GET /audiostack/audioforms/*"
SUBMIT: dict[str, Any] = {"json_body": {"audioform": VALID_AUDIOFORM}}

pytestmark = pytest.mark.parametrize("mode", MODES)


def audiostack(make_hook: HookFactory, conn_id: str, **kwargs: Any) -> AudioStackHook:
    return make_hook(AudioStackHook, conn_id, retry_policy=kwargs.pop("retry_policy", FAST_RETRIES), **kwargs)


def get_args(audioform_id: str) -> dict[str, Any]:
    return {"path_params": {"audioform_id": audioform_id}, "headers": {"version": "2"}}


async def submit(mode: Mode, hook: AudioStackHook) -> str:
    response = await call(mode, hook, routes.CREATE_AUDIOFORM, **SUBMIT)
    audioform_id: str = response.json_object()["data"]["audioformId"]
    return audioform_id


async def poll(mode: Mode, hook: AudioStackHook, audioform_id: str) -> BuildStatus:
    """One poll through the hook's own method: ``get_audioform`` (task) or ``aget_audioform`` (trigger)."""
    if mode == "sync":
        return await asyncio.to_thread(hook.get_audioform, audioform_id)
    return await hook.aget_audioform(audioform_id)


# -- billed POST /audioforms ---------------------------------------------------------------------


async def test_billed_post_is_not_retried_after_a_dropped_connection(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(make_hook, audiostack_conn)
    admin.fault(POST_MATCH, "drop", count=3)

    with pytest.raises(AudioServiceTransportError) as caught:
        await call(mode, hook, routes.CREATE_AUDIOFORM, **SUBMIT)

    assert caught.value.request_sent is True
    assert caught.value.status is None
    assert admin.count(POST_ROUTE) == 1
    assert admin.audioforms("created") == 0


async def test_billed_post_is_not_retried_after_a_503(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(make_hook, audiostack_conn)
    admin.fault(POST_MATCH, "503", count=3)

    with pytest.raises(AudioServiceServerError) as caught:
        await call(mode, hook, routes.CREATE_AUDIOFORM, **SUBMIT)

    assert caught.value.status == 503
    assert admin.count(POST_ROUTE) == 1
    assert admin.audioforms("created") == 0


async def test_billed_post_is_retried_after_a_429_once_the_asked_wait_has_passed(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(make_hook, audiostack_conn)
    admin.fault(POST_MATCH, "429", count=1, retry_after=0.3)

    started = time.monotonic()
    response = await call(mode, hook, routes.CREATE_AUDIOFORM, **SUBMIT)
    elapsed = time.monotonic() - started

    assert response.status == 202
    assert response.json_object()["data"]["audioformId"]
    assert admin.count(POST_ROUTE) == 2
    assert admin.audioforms("created") == 1
    # The service's Retry-After (0.3 s) wins over the policy's 0.05 s first backoff.
    assert elapsed >= 0.3


async def test_a_retry_after_past_max_elapsed_ends_the_retries_at_once(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    policy = RetryPolicy(max_attempts=4, max_elapsed=0.5, initial_wait=0.05, max_wait=0.2, jitter=0)
    hook = audiostack(make_hook, audiostack_conn, retry_policy=policy)
    admin.fault(POST_MATCH, "429", count=1, retry_after=2)

    started = time.monotonic()
    with pytest.raises(AudioServiceRateLimitError) as caught:
        await call(mode, hook, routes.CREATE_AUDIOFORM, **SUBMIT)
    elapsed = time.monotonic() - started

    assert caught.value.retry_after == 2
    assert admin.count(POST_ROUTE) == 1
    # It did not sleep the 2 s only to find the budget spent.
    assert elapsed < 1.0


async def test_billed_post_times_out_is_not_retried_and_the_service_may_have_acted(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(make_hook, audiostack_conn, timeouts=Timeouts(connect=2, read=0.5))
    admin.fault(POST_MATCH, "slow", count=3, delay=1.0)

    with pytest.raises(AudioServiceTransportError) as caught:
        await call(mode, hook, routes.CREATE_AUDIOFORM, **SUBMIT)

    assert caught.value.request_sent is True
    assert admin.count(POST_ROUTE) == 1
    # The request did arrive: once its delay is over the sandbox builds the job the client gave up on.
    assert admin.wait_for(lambda: admin.audioforms("created") == 1, timeout=5)
    assert admin.count(POST_ROUTE) == 1


async def test_billed_post_is_retried_up_to_max_attempts_when_the_connection_is_refused(
    mode: Mode,
    make_hook: HookFactory,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    conn_id = set_connection(
        monkeypatch,
        "audiostack_closed",
        "audiostack",
        host=f"http://127.0.0.1:{closed_port}/audiostack",
        password=SANDBOX_KEY,
    )
    hook = audiostack(make_hook, conn_id)
    caplog.set_level(logging.WARNING, logger="airflow_provider_audio.client.http")

    started = time.monotonic()
    with pytest.raises(AudioServiceTransportError) as caught:
        await call(mode, hook, routes.CREATE_AUDIOFORM, **SUBMIT)
    elapsed = time.monotonic() - started

    assert caught.value.request_sent is False
    assert SANDBOX_KEY not in str(caught.value)
    retries = [record for record in caplog.records if record.getMessage().startswith("Attempt ")]
    assert len(retries) == FAST_RETRIES.max_attempts - 1, [record.getMessage() for record in retries]
    # Each retry waited its backoff: 0.05 + 0.1 + 0.2 s.
    assert elapsed >= FAST_RETRIES_TOTAL_BACKOFF


# -- GET /audioforms/{id}: safe to repeat --------------------------------------------------------


async def test_get_is_retried_after_two_503s(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(make_hook, audiostack_conn)
    audioform_id = await submit(mode, hook)
    admin.fault(GET_MATCH, "503", count=2)

    status = await poll(mode, hook, audioform_id)

    assert status.resource_id == audioform_id
    assert status.state in (BuildState.BUILDING, BuildState.SUCCEEDED)
    assert admin.count(GET_ROUTE) == 3
    assert admin.pending_faults() == []


async def test_get_is_retried_after_a_dropped_connection(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(make_hook, audiostack_conn)
    audioform_id = await submit(mode, hook)
    admin.fault(GET_MATCH, "drop", count=1)

    response = await call(mode, hook, routes.GET_AUDIOFORM, **get_args(audioform_id))

    assert response.status in (200, 202)
    assert admin.count(GET_ROUTE) == 2


async def test_get_is_retried_after_a_read_timeout(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(make_hook, audiostack_conn, timeouts=Timeouts(connect=2, read=0.5))
    audioform_id = await submit(mode, hook)
    admin.fault(GET_MATCH, "slow", count=1, delay=4.0)

    started = time.monotonic()
    response = await call(mode, hook, routes.GET_AUDIOFORM, **get_args(audioform_id))
    elapsed = time.monotonic() - started

    assert response.status in (200, 202)
    assert admin.count(GET_ROUTE) == 2
    # The first attempt was given up after the read timeout, well before the 4 s delay ended
    # (the margin keeps this true on a loaded 2-core machine).
    assert 0.5 <= elapsed < 3.0


async def test_get_gives_up_after_max_attempts(
    mode: Mode, make_hook: HookFactory, audiostack_conn: str, admin: SandboxAdmin
) -> None:
    hook = audiostack(
        make_hook, audiostack_conn, retry_policy=RetryPolicy(max_attempts=3, initial_wait=0.01, jitter=0)
    )
    audioform_id = await submit(mode, hook)
    admin.fault(GET_MATCH, "502", count=5)

    with pytest.raises(AudioServiceServerError) as caught:
        await call(mode, hook, routes.GET_AUDIOFORM, **get_args(audioform_id))

    assert caught.value.status == 502
    assert admin.count(GET_ROUTE) == 3


# -- AIOZ Stream: its own rate-limit header ------------------------------------------------------


async def test_aioz_429_waits_for_x_ratelimit_retry_after(
    mode: Mode, make_hook: HookFactory, aioz_conn: str, admin: SandboxAdmin
) -> None:
    hook = make_hook(AiozStreamHook, aioz_conn, retry_policy=FAST_RETRIES)
    # AIOZ sends whole seconds: the sandbox rounds 0.3 up to "X-RateLimit-Retry-After: 1".
    admin.fault("GET /aiozstream/api/user/me", "429", count=1, retry_after=0.3)

    started = time.monotonic()
    response = await call(mode, hook, aioz_routes.GET_ME)
    elapsed = time.monotonic() - started

    assert response.status == 200
    assert response.json_object()["status"] == "success"
    assert admin.count("GET /aiozstream/api/user/me") == 2
    assert elapsed >= 1.0
