"""
Async clients in one event loop share one connection pool, and nothing per connection leaks
through it: every request carries its own key, timeouts and no cookies. Over real HTTP.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from airflow_provider_audio.client.http import (
    _no_cookies,
    acquire_shared_pool,
    release_shared_pool,
    shared_pool_users,
)
from airflow_provider_audio.client.routes.audiostack import BuildState
from airflow_provider_audio.client.service import RetryPolicy, Timeouts
from airflow_provider_audio.exceptions import AudioServiceAuthError, AudioServiceTransportError
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.integration.conftest import VALID_AUDIOFORM, WRONG_KEY, HookFactory, SandboxAdmin, set_connection

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


async def test_hooks_in_one_loop_share_one_pool_until_the_last_closes(
    audiostack_conn: str, make_hook: HookFactory
) -> None:
    submitted = await asyncio.to_thread(AudioStackHook(audiostack_conn).submit_audioform, VALID_AUDIOFORM)
    hooks = [make_hook(AudioStackHook, audiostack_conn) for _ in range(20)]
    statuses = await asyncio.gather(*(hook.aget_audioform(submitted.audioform_id) for hook in hooks))
    assert {status.resource_id for status in statuses} == {submitted.audioform_id}
    assert all(status.state in (BuildState.BUILDING, BuildState.SUCCEEDED) for status in statuses)

    pools = [(await hook.aget_client())._shared_pool for hook in hooks]
    assert pools[0] is not None
    assert all(pool is pools[0] for pool in pools)
    assert shared_pool_users() == 20
    shared = pools[0].http

    for hook in hooks[:-1]:
        await hook.aclose()
    assert shared_pool_users() == 1
    assert not shared.is_closed
    await hooks[-1].aclose()
    assert shared_pool_users() == 0
    assert shared.is_closed


async def test_a_wrong_key_beside_a_right_one_in_the_shared_pool(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, audiostack_conn: str, make_hook: HookFactory
) -> None:
    wrong_conn = set_connection(
        monkeypatch,
        "audiostack_wrong_key",
        "audiostack",
        host=sandbox.service_url("audiostack"),
        password=WRONG_KEY,
    )
    submitted = await asyncio.to_thread(AudioStackHook(audiostack_conn).submit_audioform, VALID_AUDIOFORM)
    right = make_hook(AudioStackHook, audiostack_conn)
    wrong = make_hook(AudioStackHook, wrong_conn)
    for _ in range(3):
        outcomes = await asyncio.gather(
            right.aget_audioform(submitted.audioform_id),
            wrong.aget_audioform(submitted.audioform_id),
            return_exceptions=True,
        )
        assert not isinstance(outcomes[0], BaseException), outcomes[0]
        assert isinstance(outcomes[1], AudioServiceAuthError), outcomes[1]
        assert WRONG_KEY not in str(outcomes[1])


def test_the_shared_pool_keeps_no_cookie() -> None:
    jar = _no_cookies()
    response = httpx.Response(
        200,
        headers={"set-cookie": "session=from-one-connection; Path=/"},
        request=httpx.Request("GET", "http://127.0.0.1/audiostack/audioforms/af-1"),
    )
    jar.extract_cookies(response)
    assert dict(jar) == {}


async def test_requests_beyond_the_in_flight_limit_wait_their_turn(
    monkeypatch: pytest.MonkeyPatch, audiostack_conn: str, make_hook: HookFactory
) -> None:
    """With two slots, 12 concurrent polls all succeed, never more than two in flight at once."""
    monkeypatch.setattr("airflow_provider_audio.client.http.MAX_REQUESTS_IN_FLIGHT", 2)
    submitted = await asyncio.to_thread(AudioStackHook(audiostack_conn).submit_audioform, VALID_AUDIOFORM)
    hooks = [make_hook(AudioStackHook, audiostack_conn) for _ in range(12)]
    pool = acquire_shared_pool()
    in_flight = 0
    most = 0
    send = pool.http.send

    async def counted_send(*args: Any, **kwargs: Any) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.02)
            return await send(*args, **kwargs)
        finally:
            in_flight -= 1

    monkeypatch.setattr(pool.http, "send", counted_send)
    try:
        statuses = await asyncio.gather(*(hook.aget_audioform(submitted.audioform_id) for hook in hooks))
    finally:
        await release_shared_pool(pool)
    assert {status.resource_id for status in statuses} == {submitted.audioform_id}
    assert most == 2


async def test_no_free_slot_in_time_is_a_transport_error_with_nothing_sent(
    monkeypatch: pytest.MonkeyPatch, audiostack_conn: str, make_hook: HookFactory, admin: SandboxAdmin
) -> None:
    monkeypatch.setattr("airflow_provider_audio.client.http.MAX_REQUESTS_IN_FLIGHT", 1)
    pool = acquire_shared_pool()
    await pool.turns.acquire()  # the only slot, held by someone else
    try:
        hook = make_hook(
            AudioStackHook,
            audiostack_conn,
            timeouts=Timeouts(connect=1.0, read=0.3),
            retry_policy=RetryPolicy.no_retries(),
        )
        with pytest.raises(AudioServiceTransportError) as raised:
            await hook.aget_audioform("af-never-sent")
    finally:
        pool.turns.release()
        await release_shared_pool(pool)
    assert raised.value.is_transient
    assert "af-never-sent" in str(raised.value)
    assert admin.count("GET /audiostack/audioforms/{audioform_id}") == 0
