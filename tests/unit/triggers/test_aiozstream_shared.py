"""The shared poller of AIOZ transcode waits against a scripted AIOZ Stream (httpx.MockTransport):
one listing per interval for all waits, one read per media that left it, an event per trigger."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider_audio.client.http import AsyncApiClient
from airflow_provider_audio.triggers import aiozstream_shared
from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger

INTERVAL = 0.05
AIOZ_TEST_URL = "https://aiozstream.test/api"


class ScriptedAioz:
    """
    Media ``m1``..``mN``: transcoding for ``seconds`` (four intervals) from now, then done (or
    ``fail`` for the ids in ``failing``); ``other`` unfinished media of someone else are listed too.
    """

    def __init__(
        self, count: int, other: int = 0, failing: frozenset[str] = frozenset(), seconds: float = 4 * INTERVAL
    ) -> None:
        self.done_at = time.monotonic() + seconds
        self.ids = [f"m{i}" for i in range(1, count + 1)]
        self.other = [f"x{i}" for i in range(other)]
        self.failing = failing
        self.listings = 0
        self.requests: Counter[str] = Counter()
        self.list_answers: list[tuple[int, dict[str, Any]]] = []  # scripted answers before the real ones
        self.get_answers: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def status(self, media_id: str) -> str:
        if media_id.startswith("x"):
            return "transcoding"
        if time.monotonic() < self.done_at:
            return "transcoding"
        return "fail" if media_id in self.failing else "done"

    def media(self, media_id: str) -> dict[str, Any]:
        return {"id": media_id, "title": media_id, "status": self.status(media_id), "metadata": []}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/media"):
            self.requests["list"] += 1
            if self.list_answers:
                status, body = self.list_answers.pop(0)
                return httpx.Response(status, json=body)
            if json.loads(request.content)["offset"] == 0:
                self.listings += 1
            query = json.loads(request.content)
            unfinished = [
                self.media(media_id)
                for media_id in self.other + self.ids
                if self.status(media_id) in query["status"]
            ]
            page = unfinished[query["offset"] : query["offset"] + query["limit"]]
            return httpx.Response(
                200, json={"status": "success", "data": {"media": page, "total": len(unfinished)}}
            )
        media_id = request.url.path.rsplit("/", 1)[-1]
        self.requests["get"] += 1
        scripted = self.get_answers.get(media_id)
        if scripted:
            status, body = scripted.pop(0)
            return httpx.Response(status, json=body)
        return httpx.Response(200, json={"status": "success", "data": self.media(media_id)})


@pytest.fixture
def aioz(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ScriptedAioz]:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AIOZSTREAM_DEFAULT",
        json.dumps(
            {
                "conn_type": "aiozstream",
                "host": AIOZ_TEST_URL,
                "password": "unit-secret-key-4d2e91",
                "extra": {"public_key": "unit-public"},
            }
        ),
    )

    def install(count: int, **options: Any) -> ScriptedAioz:
        service = ScriptedAioz(count, **options)
        patched = functools.partial(AsyncApiClient, transport=httpx.MockTransport(service))
        monkeypatch.setattr("airflow_provider_audio.hooks.base.AsyncApiClient", patched)
        return service

    return install


def trigger(media_id: str, deadline_in: float = 10.0) -> AiozStreamTranscodeTrigger:
    return AiozStreamTranscodeTrigger(
        conn_id="aiozstream_default",
        media_id=media_id,
        poll_interval=INTERVAL,
        deadline=time.time() + deadline_in,
        max_consecutive_failures=2,
    )


async def first_event(waiting: AiozStreamTranscodeTrigger) -> dict[str, Any]:
    async for event in waiting.run():
        payload: dict[str, Any] = event.payload
        return payload
    raise AssertionError("no event")


async def wait_all(ids: list[str]) -> list[dict[str, Any]]:
    return await asyncio.wait_for(asyncio.gather(*(first_event(trigger(m)) for m in ids)), timeout=10)


async def test_many_waits_share_one_listing_per_interval(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(5, other=150, failing=frozenset({"m3"}), seconds=10 * INTERVAL)
    started = time.monotonic()
    events = await wait_all(service.ids)
    intervals = (time.monotonic() - started) / INTERVAL
    assert [event["media_id"] for event in events] == service.ids
    assert [event["status"] for event in events] == ["success", "success", "error", "success", "success"]
    assert events[0]["result"]["status"] == "done"
    assert "transcoding failed" in events[2]["message"]
    # One read per media (when it left the listing), not one per media per interval.
    assert service.requests["get"] == 5
    # At most one listing per interval, each of two pages while 155 media are unfinished (100 a page).
    assert 1 <= service.listings <= intervals + 1
    assert service.requests["list"] <= 2 * service.listings
    assert not aiozstream_shared._POLLERS


async def test_a_cancelled_wait_leaves_the_others_waiting(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(4)
    tasks = [asyncio.create_task(first_event(trigger(m))) for m in service.ids]
    await asyncio.sleep(INTERVAL / 2)
    tasks[3].cancel()
    done = await asyncio.wait_for(asyncio.gather(*tasks[:3]), timeout=10)
    assert [event["status"] for event in done] == ["success"] * 3
    assert tasks[3].cancelled()
    # m4 is read by nobody once its wait stopped.
    assert service.requests["get"] == 3
    assert not aiozstream_shared._POLLERS


async def test_one_wait_reads_its_media_alone(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(1)
    event = await asyncio.wait_for(first_event(trigger("m1")), timeout=10)
    assert event["status"] == "success"
    assert service.requests["list"] == 0
    assert service.requests["get"] >= 3


async def test_a_transient_listing_failure_is_tolerated(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3)
    service.list_answers = [(503, {"status": "error", "message": "busy"})] * 2
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["success"] * 3


async def test_listing_failures_beyond_the_budget_end_every_wait(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3)
    service.list_answers = [(503, {"status": "error", "message": "busy"})] * 3
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["error"] * 3
    assert all(event["message"].startswith("gave up after 3 transient failures") for event in events)
    assert [event["media_id"] for event in events] == service.ids


async def test_a_refused_listing_ends_every_wait_at_once(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(2)
    service.list_answers = [(401, {"status": "error", "message": "unauthorized"})]
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["error", "error"]
    assert service.requests["list"] == 1
    assert service.requests["get"] == 0


async def test_a_media_gone_ends_only_its_own_wait(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3)
    service.get_answers["m2"] = [(404, {"status": "error", "message": "media not found"})]
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["success", "error", "success"]
    assert "404" in events[1]["message"] or "not found" in events[1]["message"]


async def test_the_deadline_is_each_waits_own(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3, seconds=6 * INTERVAL)
    service.ids.append("x0")  # someone else's media, transcoding for ever
    short = first_event(trigger("x0", deadline_in=INTERVAL * 3))
    events = await asyncio.wait_for(
        asyncio.gather(short, *(first_event(trigger(m)) for m in service.ids[:3])), timeout=10
    )
    assert [event["status"] for event in events] == ["timeout", "success", "success", "success"]


async def test_an_unreadable_answer_fails_only_its_own_wait(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3)
    service.get_answers["m2"] = [(200, {"status": "success", "data": {}})]
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(first_event(trigger(m)) for m in service.ids), return_exceptions=True), timeout=10
    )
    assert isinstance(outcomes[1], ValueError)
    others = [outcome for outcome in (outcomes[0], outcomes[2]) if isinstance(outcome, dict)]
    assert [outcome["status"] for outcome in others] == ["success", "success"]
    assert not aiozstream_shared._POLLERS
