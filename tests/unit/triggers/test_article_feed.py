"""
ArticleFeedTrigger against real feeds: a folder of article files written by the test, and a JSON
list served over HTTP on 127.0.0.1; what it has seen kept in a state store as Airflow 3.3 hands one
to an asset watcher (here an in-memory store with the same async get/set).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_audio.triggers.article_feed import SEEN_KEY, ArticleFeedTrigger

POLL = 0.05
#: Long enough for several reads: an event expected by then is late.
WAIT = 3.0


class StateStore:
    """An asset state store's async accessors, over a dict (what survives a triggerer restart)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = json.loads(json.dumps(value))


def write_article(folder: Path, article_id: str) -> None:
    (folder / f"{article_id}.json").write_text(
        json.dumps({"id": article_id, "title": article_id, "body": "."})
    )


class Events:
    """A trigger's ``run()`` consumed in the background, as the triggerer consumes it."""

    def __init__(self, trigger: ArticleFeedTrigger) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.ensure_future(self._consume(trigger))

    async def _consume(self, trigger: ArticleFeedTrigger) -> None:
        async for event in trigger.run():
            await self.queue.put(event.payload)

    async def next(self, timeout: float = WAIT) -> dict[str, Any]:
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def none(self, seconds: float = 10 * POLL) -> None:
        await asyncio.sleep(seconds)
        assert self.queue.empty(), self.queue.get_nowait()
        assert not self.task.done(), self.task


@pytest.fixture
async def running() -> AsyncIterator[list[Events]]:
    """The triggers a test starts, stopped (cancelled, as the triggerer does) at its end."""
    started: list[Events] = []
    yield started
    for events in started:
        events.task.cancel()
    await asyncio.gather(*(events.task for events in started), return_exceptions=True)


def watcher(
    running: list[Events], feed: str, store: StateStore | None, **kwargs: Any
) -> tuple[ArticleFeedTrigger, Events]:
    trigger = ArticleFeedTrigger(feed=feed, poll_interval=POLL, **kwargs)
    trigger.asset_state_store = store  # type: ignore[assignment]
    events = Events(trigger)
    running.append(events)
    return trigger, events


async def test_new_articles_fire_once_each_and_survive_a_restart(
    tmp_path: Path, running: list[Events]
) -> None:
    feed, store = tmp_path / "feed", StateStore()
    feed.mkdir()
    write_article(feed, "a-1")
    write_article(feed, "a-2")
    _, events = watcher(running, str(feed), store)
    # The first read sets the baseline: the archive is not announced.
    await events.none()
    assert store.values[SEEN_KEY] == ["a-1", "a-2"]

    write_article(feed, "a-3")
    write_article(feed, "a-4")
    assert await events.next() == {"feed": str(feed), "articles": ["a-3", "a-4"]}
    await events.none()

    # A new triggerer (the same asset's state store): nothing seen is announced again.
    _, restarted = watcher(running, str(feed), store)
    await restarted.none()
    write_article(feed, "a-5")
    assert (await restarted.next())["articles"] == ["a-5"]
    assert store.values[SEEN_KEY] == ["a-1", "a-2", "a-3", "a-4", "a-5"]


async def test_announce_existing_fires_for_the_feed_as_it_is(tmp_path: Path, running: list[Events]) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    write_article(feed, "b-1")
    _, events = watcher(running, str(feed), StateStore(), announce_existing=True)
    assert (await events.next())["articles"] == ["b-1"]


async def test_a_feed_that_cannot_be_read_is_read_again(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], running: list[Events]
) -> None:
    feed = tmp_path / "feed"
    trigger, events = watcher(running, str(feed), StateStore())
    await events.none()
    assert f"{feed}: no such folder" in "".join(capfd.readouterr())
    feed.mkdir()
    write_article(feed, "c-1")
    await events.none()  # the first read that works sets the baseline
    # A file being written (broken JSON) is read again later; its article then fires.
    (feed / "c-2.json").write_text('{"id": "c-2", "tit')
    await events.none()
    assert "not a readable JSON article" in "".join(capfd.readouterr())
    write_article(feed, "c-2")
    assert (await events.next())["articles"] == ["c-2"]
    assert trigger.serialize()[1] == {"feed": str(feed), "poll_interval": POLL, "announce_existing": False}


async def test_without_a_state_store_it_remembers_in_memory(tmp_path: Path, running: list[Events]) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    write_article(feed, "d-1")
    _, events = watcher(running, str(feed), None)
    await events.none()
    write_article(feed, "d-2")
    assert (await events.next())["articles"] == ["d-2"]


@pytest.fixture
def served_feed() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A JSON list of articles served on 127.0.0.1; the test changes the list in place."""
    articles: list[dict[str, Any]] = [{"id": "e-1", "title": "One", "body": "."}]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(articles).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.json", articles
    finally:
        server.shutdown()
        server.server_close()


async def test_a_feed_served_over_http(
    served_feed: tuple[str, list[dict[str, Any]]], running: list[Events]
) -> None:
    url, articles = served_feed
    _, events = watcher(running, url, StateStore())
    await events.none()
    articles.append({"id": "e-2", "title": "Two", "body": "."})
    assert await events.next() == {"feed": url, "articles": ["e-2"]}


def test_poll_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        ArticleFeedTrigger(feed="/x", poll_interval=0)
