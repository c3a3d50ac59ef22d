"""Watching a publisher's article feed for new articles: an asset watcher's trigger."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

#: The key under which the trigger keeps, in its asset's state store, the articles it has seen.
SEEN_KEY = "seen_articles"
#: Bound on one read of a feed served over HTTP.
FEED_READ_TIMEOUT = 30.0


class FeedReadError(Exception):
    """A feed that could not be read, or read as articles; the message says where and why."""


def _article_keys(items: Any, where: str) -> list[str]:
    """The ``id`` of every article of a JSON list, in order, once each."""
    if not isinstance(items, list):
        raise FeedReadError(f"{where}: a JSON list of articles was expected, got {type(items).__name__}")
    keys = [str(item["id"]) for item in items if isinstance(item, dict) and item.get("id")]
    return list(dict.fromkeys(keys))


def _folder_keys(folder: Path) -> list[str]:
    """The ``id`` of every ``*.json`` article file of ``folder`` (blocking: run in a thread)."""
    if not folder.is_dir():
        raise FeedReadError(f"{folder}: no such folder")
    items = []
    for path in sorted(folder.glob("*.json")):
        try:
            items.append(json.loads(path.read_text()))
        except (OSError, ValueError) as error:
            # A file still being written reads as broken JSON: its article is seen next time.
            raise FeedReadError(f"{path}: not a readable JSON article ({error})") from error
    return _article_keys(items, str(folder))


async def read_feed_keys(feed: str) -> list[str]:
    """
    The keys (``id``) of the articles a feed holds now: a folder of article JSON files, or the
    ``http(s)://`` URL of a JSON list of articles, as the example DAGs read them. Nothing blocks
    the event loop: files are read in a thread, the URL with an async client.

    :raise FeedReadError: the feed could not be read, or holds no JSON list of articles.
    """
    if feed.startswith(("http://", "https://")):
        import httpx

        try:
            async with httpx.AsyncClient(timeout=FEED_READ_TIMEOUT, follow_redirects=True) as client:
                response = await client.get(feed)
                response.raise_for_status()
                return _article_keys(response.json(), feed)
        except (httpx.HTTPError, ValueError) as error:
            raise FeedReadError(f"{feed}: {error}") from error
    return await asyncio.to_thread(_folder_keys, Path(feed))


class ArticleFeedTrigger(BaseEventTrigger):
    """
    Fires one event per batch of new articles in a feed, for an ``AssetWatcher``: a DAG scheduled
    on the watched asset runs when articles appear.

    The feed is read every ``poll_interval`` seconds: a folder of article JSON files, or the
    ``http(s)://`` URL of a JSON list of articles; an article is known by its ``id``. The event's
    payload is ``{"feed": <feed>, "articles": [<new ids>, ...]}``; a DAG run reads it from its
    triggering asset events (``extra["payload"]``).

    **What it has seen** is kept in the watched asset's state store (Airflow 3.3), under
    ``seen_articles``: the ids the feed held at the last read. A triggerer restart, or the
    trigger moving to another triggerer, starts from there, so an article is announced once
    whatever happens to the triggerer. The list is the feed's current ids, not every id ever seen:
    it is as long as the feed, and an article removed and put back is announced again (the
    article pipeline finds an article already published and skips it). The state is written
    after the event is handed to Airflow: a triggerer that dies in between announces the batch
    again at its restart (at least once, never lost). Where no state store is offered (several
    assets watched by one trigger, or a run outside a triggerer) what it saw is kept in memory.

    The first read of a feed with no state yet sets the baseline without an event, unless
    ``announce_existing``: a watcher added to a feed with an archive does not publish the
    archive. A feed that cannot be read is logged and read again an interval later.

    :param feed: a folder of article JSON files, or the ``http(s)://`` URL of a JSON list of them.
    :param poll_interval: seconds between two reads.
    :param announce_existing: announce the articles already in the feed at the first read.
    """

    def __init__(self, *, feed: str, poll_interval: float = 60.0, announce_existing: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        if poll_interval <= 0:
            raise ValueError(f"poll_interval: {poll_interval!r}; must be a positive number of seconds")
        self.feed = str(feed)
        self.poll_interval = float(poll_interval)
        self.announce_existing = bool(announce_existing)
        self._memory: list[str] | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {
            "feed": self.feed,
            "poll_interval": self.poll_interval,
            "announce_existing": self.announce_existing,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        seen = await self._recall()
        while True:
            try:
                keys = await read_feed_keys(self.feed)
            except FeedReadError as error:
                self.log.warning(
                    "Could not read the article feed (read again in %g s): %s", self.poll_interval, error
                )
            else:
                if seen is None and not self.announce_existing:
                    new: list[str] = []
                    self.log.info(
                        "Article feed %s: %d article(s) already there, none announced", self.feed, len(keys)
                    )
                else:
                    known = set(seen or ())
                    new = [key for key in keys if key not in known]
                if new:
                    self.log.info(
                        "Article feed %s: %d new article(s): %s", self.feed, len(new), ", ".join(new)
                    )
                    yield TriggerEvent({"feed": self.feed, "articles": new})
                if keys != seen:
                    await self._remember(keys)
                    seen = keys
            await asyncio.sleep(self.poll_interval)

    async def _recall(self) -> list[str] | None:
        """The ids seen at the last read: from the asset's state store, else from memory."""
        store = getattr(self, "asset_state_store", None)
        if store is not None:
            try:
                value = await store.aget(SEEN_KEY)
            except ValueError:
                # The store answers for one asset only; a trigger shared by several has none.
                self.log.warning("This trigger watches several assets: what it sees is kept in memory only")
                self.asset_state_store = None
            else:
                return [str(key) for key in value] if isinstance(value, list) else None
        return self._memory

    async def _remember(self, keys: list[str]) -> None:
        self._memory = list(keys)
        store = getattr(self, "asset_state_store", None)
        if store is not None:
            await store.aset(SEEN_KEY, list(keys))
