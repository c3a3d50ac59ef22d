"""The shared poller of AIOZ transcode waits against a scripted AIOZ Stream (httpx.MockTransport):
one listing per interval for all waits, the media that left it taken from a listing of the finished
ones (read alone only when it does not show them), an event per trigger."""

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
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.triggers import aiozstream_shared
from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger

INTERVAL = 0.05
AIOZ_TEST_URL = "https://aiozstream.test/api"


class ScriptedAioz:
    """
    Media ``m1``..``mN``: transcoding for ``seconds`` (four intervals) from now, then done (or
    ``fail`` for the ids in ``failing``; ``deleted`` for those in ``deleted``; those in ``slow``
    transcode twice as long, those in ``midway`` end just after the first page of the first listing
    of the unfinished media is answered; gone from every
    listing, and 404 when read, for those in ``gone``). Someone else's media are listed too:
    ``other`` transcoding for ever, and ``recent`` done, each updated after every ``m``.

    Listings filter by status (unless ``loose``: any status) and sort by ``updated_at`` when asked.
    """

    def __init__(
        self,
        count: int,
        other: int = 0,
        failing: frozenset[str] = frozenset(),
        seconds: float = 4 * INTERVAL,
        recent: int = 0,
        deleted: frozenset[str] = frozenset(),
        gone: frozenset[str] = frozenset(),
        slow: frozenset[str] = frozenset(),
        midway: frozenset[str] = frozenset(),
    ) -> None:
        self.done_at = time.monotonic() + seconds
        self.seconds = seconds
        self.slow = slow
        self.midway = midway
        self.midway_at = float("inf")
        self.ids = [f"m{i}" for i in range(1, count + 1)]
        self.other = [f"x{i}" for i in range(other)]
        self.recent = [f"r{i}" for i in range(recent)]
        self.failing = failing
        self.deleted = deleted
        self.gone = gone
        self.loose = False
        self.hidden: set[str] = set()  # left out of the unfinished listings (a lagging index)
        self.listings = 0  # of the unfinished media (their first pages)
        self.finished_listings = 0  # of the finished media (their first pages)
        self.requests: Counter[str] = Counter()
        self.list_answers: list[tuple[int, dict[str, Any]]] = []  # scripted answers before the real ones
        self.finished_answers: list[tuple[int, dict[str, Any]]] = []  # the same, for finished listings
        self.get_answers: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def finished_at(self, media_id: str) -> float:
        if media_id in self.midway:
            return self.midway_at
        return self.done_at + (self.seconds if media_id in self.slow else 0.0)

    def finished(self, media_id: str) -> bool:
        if media_id.startswith("r"):
            return True
        return media_id.startswith("m") and time.monotonic() >= self.finished_at(media_id)

    def status(self, media_id: str) -> str:
        if not self.finished(media_id):
            return "transcoding"
        if media_id in self.deleted:
            return "deleted"
        return "fail" if media_id in self.failing else "done"

    def updated(self, media_id: str) -> float:
        """When the media last changed: ours when they finished, the recent ones after them."""
        if media_id.startswith("r"):
            return self.done_at + 1 + int(media_id[1:])
        return self.finished_at(media_id) if self.finished(media_id) else 0.0

    def media(self, media_id: str) -> dict[str, Any]:
        return {"id": media_id, "title": media_id, "status": self.status(media_id), "metadata": []}

    def listed(self, query: dict[str, Any]) -> list[str]:
        finished = "done" in query["status"]
        everything = [
            media_id
            for media_id in self.other + self.ids + self.recent
            if not (media_id in self.gone and self.finished(media_id))
            and (finished or media_id not in self.hidden)
        ]
        matching = [m for m in everything if self.loose or self.status(m) in query["status"]]
        # Made in the order listed here: sorted by created_at, desc reverses it.
        if query.get("sort_by") == "updated_at":
            matching.sort(key=self.updated, reverse=query.get("order_by") == "desc")
        elif query.get("order_by") == "desc":
            matching.reverse()
        return matching

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/media"):
            self.requests["list"] += 1
            query = json.loads(request.content)
            finished = "done" in query["status"]
            self.requests["list finished" if finished else "list unfinished"] += 1
            scripted = self.finished_answers if finished else self.list_answers
            if scripted:
                status, body = scripted.pop(0)
                return httpx.Response(status, json=body)
            if query["offset"] == 0:
                if finished:
                    self.finished_listings += 1
                else:
                    self.listings += 1
            matching = self.listed(query)
            page = [
                self.media(media_id)
                for media_id in matching[query["offset"] : query["offset"] + query["limit"]]
            ]
            if not finished and self.midway and self.midway_at == float("inf"):
                self.midway_at = time.monotonic()
            return httpx.Response(
                200, json={"status": "success", "data": {"media": page, "total": len(matching)}}
            )
        media_id = request.url.path.rsplit("/", 1)[-1]
        self.requests["get"] += 1
        self.requests[f"get {media_id}"] += 1
        scripted = self.get_answers.get(media_id)
        if scripted:
            status, body = scripted.pop(0)
            return httpx.Response(status, json=body)
        if media_id in self.gone and self.finished(media_id):
            return httpx.Response(404, json={"status": "error", "message": "media not found"})
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
    # No media read alone: all five left the listing together and one page of the finished media
    # showed them.
    assert service.requests["get"] == 0
    assert service.finished_listings == service.requests["list finished"] == 1
    # At most one listing per interval, each of two pages while 155 media are unfinished (100 a page).
    assert 1 <= service.listings <= intervals + 1
    assert service.requests["list unfinished"] <= 2 * service.listings
    assert not aiozstream_shared._POLLERS


async def test_media_finishing_while_the_listing_is_paged_do_not_hide_the_others(
    aioz: Callable[..., ScriptedAioz],
) -> None:
    # 150 waits; the 50 made first end while the unfinished listing's first page is read.
    service = aioz(150, midway=frozenset(f"m{i}" for i in range(1, 51)))
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["success"] * 150
    # Newest first, the 50 ending were on the second page, not read yet: none of the 100 still
    # transcoding went missing from the listing, so none was taken for a leaver and read alone.
    assert service.requests["get"] == 0


async def test_a_cancelled_wait_leaves_the_others_waiting(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(4)
    tasks = [asyncio.create_task(first_event(trigger(m))) for m in service.ids]
    await asyncio.sleep(INTERVAL / 2)
    tasks[3].cancel()
    done = await asyncio.wait_for(asyncio.gather(*tasks[:3]), timeout=10)
    assert [event["status"] for event in done] == ["success"] * 3
    assert tasks[3].cancelled()
    # The three found in the listing of the finished media; m4 is looked for by nobody once its wait
    # stopped.
    assert service.requests["get"] == 0
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
    service = aioz(3, gone=frozenset({"m2"}))
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["success", "error", "success"]
    assert "404" in events[1]["message"] or "not found" in events[1]["message"]
    # m2, in no listing, was read alone; the others were found in the listing of the finished media.
    assert service.requests["get"] == service.requests["get m2"] == 1


async def test_a_media_deleted_while_waited_on_ends_its_wait_from_the_listing(
    aioz: Callable[..., ScriptedAioz],
) -> None:
    service = aioz(3, deleted=frozenset({"m2"}))
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["success", "error", "success"]
    assert "ended as 'deleted'" in events[1]["message"]
    assert service.requests["get"] == 0


@pytest.mark.parametrize(
    ("recent", "pages", "reads"),
    [
        (0, 1, 0),  # the leavers are the most recently updated: the first page shows them
        (150, 2, 0),  # 150 media of someone else updated since: the second page shows them
        (250, 2, 3),  # 250 updated since: not in the pages read, so each is read alone
    ],
)
async def test_leavers_beyond_the_first_pages_are_read_alone(
    aioz: Callable[..., ScriptedAioz], recent: int, pages: int, reads: int
) -> None:
    service = aioz(3, recent=recent)
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["success"] * 3
    assert [event["result"]["status"] for event in events] == ["done"] * 3
    assert service.finished_listings == 1
    assert service.requests["list finished"] == pages
    assert service.requests["get"] == reads


async def test_a_failing_finished_listing_falls_back_to_reading_alone(
    aioz: Callable[..., ScriptedAioz],
) -> None:
    service = aioz(3)
    service.finished_answers = [(503, {"status": "error", "message": "busy"})]
    events = await wait_all(service.ids)
    assert [event["status"] for event in events] == ["success"] * 3
    # The failing listing ended no wait: the three were read alone, once each.
    assert service.requests["list finished"] == 1
    assert service.requests["get"] == 3


async def test_the_finished_listing_is_checked_on_the_client(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3, other=2, slow=frozenset({"m2"}))
    service.loose = True  # every listing ignores its status filter
    await asyncio.sleep(service.done_at - time.monotonic() + INTERVAL / 2)
    assert [service.status(m) for m in service.ids] == ["done", "transcoding", "done"]
    hook = AiozStreamHook("aiozstream_default")
    try:
        found = await aiozstream_shared.listed_finished(hook, ["m1", "m2", "m3", "x0"])
    finally:
        await hook.aclose()
    # m2 (transcoding) and x0 (someone else's, transcoding) were listed, and not taken as finished.
    assert sorted(found) == ["m1", "m3"]
    assert service.requests["list finished"] == 1


async def test_a_media_still_transcoding_in_the_finished_listing_is_waited_on(
    aioz: Callable[..., ScriptedAioz],
) -> None:
    service = aioz(3, slow=frozenset({"m2"}))
    service.loose = True
    service.hidden = {"m2"}  # a lagging index: the unfinished listings leave m2 out from the start
    fired_at: dict[str, float] = {}

    async def fire(media_id: str) -> dict[str, Any]:
        event = await first_event(trigger(media_id))
        fired_at[media_id] = time.monotonic()
        return event

    events = await asyncio.wait_for(asyncio.gather(*(fire(m) for m in service.ids)), timeout=10)
    assert [event["result"]["status"] for event in events] == ["done"] * 3
    assert fired_at["m2"] >= service.finished_at("m2")
    # Listed transcoding as a leaver each interval, m2 was read alone until it was done.
    assert service.requests["get m2"] >= 2
    assert service.requests["get m1"] == service.requests["get m3"] == 0


async def test_the_deadline_is_each_waits_own(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3, seconds=6 * INTERVAL)
    service.ids.append("x0")  # someone else's media, transcoding for ever
    short = first_event(trigger("x0", deadline_in=INTERVAL * 3))
    events = await asyncio.wait_for(
        asyncio.gather(short, *(first_event(trigger(m)) for m in service.ids[:3])), timeout=10
    )
    assert [event["status"] for event in events] == ["timeout", "success", "success", "success"]


async def test_an_unreadable_answer_fails_only_its_own_wait(aioz: Callable[..., ScriptedAioz]) -> None:
    service = aioz(3, gone=frozenset({"m2"}))
    service.get_answers["m2"] = [(200, {"status": "success", "data": {}})]
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(first_event(trigger(m)) for m in service.ids), return_exceptions=True), timeout=10
    )
    assert isinstance(outcomes[1], ValueError)
    others = [outcome for outcome in (outcomes[0], outcomes[2]) if isinstance(outcome, dict)]
    assert [outcome["status"] for outcome in others] == ["success", "success"]
    assert not aiozstream_shared._POLLERS
