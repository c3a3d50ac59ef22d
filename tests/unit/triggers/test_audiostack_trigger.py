"""AudioStackResourceTrigger on an audioform: serialization, and every way a wait can end, over httpx.MockTransport."""

from __future__ import annotations

import functools
import importlib
import json
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import pytest

from airflow_provider_audio.client.http import AsyncApiClient
from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger
from tests.unit.conftest import UNIT_KEY

BUILT = {
    "message": "Audioform built",
    "data": {
        "audioformId": "af-1",
        "result": {"delivery": {"uri": "https://cdn.test/af-1.wav", "extension": "wav"}},
        "errors": [],
    },
}
FAILED = {
    "message": "done",
    "data": {"audioformId": "af-1", "result": None, "errors": [{"message": "voice nope"}]},
}
BUILDING = {"message": "Audioform is being built", "audioformId": "af-1"}


def responses(
    *steps: tuple[int, dict[str, object]],
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body = steps[min(len(seen), len(steps)) - 1]
        return httpx.Response(status, json=body)

    return handler, seen


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch, audiostack_conn: str) -> Callable[..., list[httpx.Request]]:
    """Route the trigger's async client through a scripted MockTransport; returns the request log."""

    def install(*steps: tuple[int, dict[str, object]]) -> list[httpx.Request]:
        handler, seen = responses(*steps)
        patched = functools.partial(AsyncApiClient, transport=httpx.MockTransport(handler))
        monkeypatch.setattr("airflow_provider_audio.hooks.base.AsyncApiClient", patched)
        return seen

    return install


def make_trigger(deadline_in: float = 30.0, budget: int = 2) -> AudioStackResourceTrigger:
    return AudioStackResourceTrigger(
        conn_id="audiostack_default",
        resource="audioform",
        resource_ids=["af-1"],
        poll_interval=0.01,
        deadline=time.time() + deadline_in,
        max_consecutive_failures=budget,
    )


async def first_event(trigger: AudioStackResourceTrigger) -> dict[str, object]:
    events = [event async for event in trigger.run()]
    assert len(events) == 1
    payload: dict[str, object] = events[0].payload
    return payload


def test_serialization_round_trip_holds_no_secret() -> None:
    trigger = make_trigger()
    classpath, kwargs = trigger.serialize()
    module_name, class_name = classpath.rsplit(".", 1)
    rebuilt = getattr(importlib.import_module(module_name), class_name)(**json.loads(json.dumps(kwargs)))
    assert rebuilt.serialize() == (classpath, kwargs)
    assert UNIT_KEY not in json.dumps(kwargs)
    assert set(kwargs) == {
        "conn_id",
        "resource",
        "resource_ids",
        "poll_interval",
        "deadline",
        "max_consecutive_failures",
        "started_at",
    }


async def test_success_after_building(transport: Callable[..., list[httpx.Request]]) -> None:
    seen = transport((202, BUILDING), (202, BUILDING), (200, BUILT))
    event = await first_event(make_trigger())
    assert event["status"] == "success"
    assert event["resource_ids"] == ["af-1"]
    assert event["result"]["items"]["af-1"]["result"] == BUILT["data"]["result"]  # type: ignore[index]
    assert len(seen) == 3
    assert all(request.headers["version"] == "2" for request in seen)
    assert seen[0].headers["x-api-key"] == UNIT_KEY


async def test_failed_build_is_an_error_event(transport: Callable[..., list[httpx.Request]]) -> None:
    transport((202, BUILDING), (200, FAILED))
    event = await first_event(make_trigger())
    assert event["status"] == "error"
    assert "voice nope" in str(event["message"])


async def test_deadline_gives_a_timeout_event(transport: Callable[..., list[httpx.Request]]) -> None:
    transport((202, BUILDING))
    event = await first_event(make_trigger(deadline_in=0.2))
    assert event["status"] == "timeout"


async def test_transient_errors_within_budget_recover(transport: Callable[..., list[httpx.Request]]) -> None:
    transport((503, {"message": "busy"}), (429, {"message": "slow"}), (200, BUILT))
    assert (await first_event(make_trigger(budget=2)))["status"] == "success"


async def test_transient_errors_beyond_budget_fail(transport: Callable[..., list[httpx.Request]]) -> None:
    seen = transport((503, {"message": "busy"}))
    event = await first_event(make_trigger(budget=2))
    assert event["status"] == "error"
    assert "gave up after 3 transient failures" in str(event["message"])
    assert len(seen) == 3


async def test_budget_resets_on_success(transport: Callable[..., list[httpx.Request]]) -> None:
    busy = (503, {"message": "busy"})
    transport(busy, (202, BUILDING), busy, (202, BUILDING), busy, (200, BUILT))
    assert (await first_event(make_trigger(budget=1)))["status"] == "success"


async def test_wrong_key_ends_the_wait_at_once(transport: Callable[..., list[httpx.Request]]) -> None:
    seen = transport((401, {"message": "Unauthorized"}))
    event = await first_event(make_trigger(budget=5))
    assert event["status"] == "error"
    assert "401" in str(event["message"])
    assert UNIT_KEY not in str(event)
    assert len(seen) == 1


async def test_first_poll_waits_a_random_part_of_the_interval(
    monkeypatch: pytest.MonkeyPatch, transport: Callable[..., list[httpx.Request]]
) -> None:
    """Triggers created together (a mapped task, a triggerer restart) must not poll in step."""
    seen = transport((202, BUILDING), (202, BUILDING), (200, BUILT))
    sleeps: list[tuple[float, int]] = []

    async def record_sleep(self: AudioStackResourceTrigger, seconds: float) -> None:
        sleeps.append((seconds, len(seen)))

    monkeypatch.setattr(AudioStackResourceTrigger, "_sleep", record_sleep)
    trigger = AudioStackResourceTrigger(
        conn_id="audiostack_default",
        resource="audioform",
        resource_ids=["af-1"],
        poll_interval=10.0,
        deadline=time.time() + 600,
    )
    assert (await first_event(trigger))["status"] == "success"
    first_delay, polls_before = sleeps[0]
    assert polls_before == 0
    assert 0.0 <= first_delay <= 10.0
    assert [seconds for seconds, _ in sleeps[1:]] == [10.0, 10.0]

    first_delays = []
    for _ in range(50):
        sleeps.clear()
        seen.clear()
        await first_event(
            AudioStackResourceTrigger(
                conn_id="audiostack_default",
                resource="audioform",
                resource_ids=["af-1"],
                poll_interval=10.0,
                deadline=time.time() + 600,
            )
        )
        first_delays.append(sleeps[0][0])
    assert max(first_delays) - min(first_delays) > 5.0, first_delays


def test_loading_a_trigger_class_does_the_first_requests_one_time_work() -> None:
    """The TLS context and anyio's asyncio backend load with the class, not in the first poll."""
    probe = (
        "import sys\n"
        "import airflow_provider_audio.triggers.audiostack\n"
        "from airflow_provider_audio.client.http import shared_ssl_context\n"
        "print('anyio._backends._asyncio' in sys.modules, shared_ssl_context.cache_info().currsize)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()
    assert output == ["True", "1"]
