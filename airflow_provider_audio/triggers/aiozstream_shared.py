"""
One poll per interval for every AIOZ Stream transcode wait of an event loop (a triggerer).

A triggerer runs all its triggers in one event loop. Waits on the same connection at the same
interval subscribe to one :class:`SharedTranscodePoller` there instead of each reading its own media:
every interval the poller lists the unfinished media (``POST /media`` filtered by status ``new`` and
``transcoding``, newest first, 100 per page). When some waited-on media are no longer listed
unfinished, it lists the finished ones (status ``done``, ``fail`` and ``deleted``, most recently
updated first) and takes from there the media that left; only a leaver not found in the first
pages of that listing (a media deleted, or updated many times meanwhile) is read alone
(``GET /media/{id}``). Each media found ends its waits as the trigger's own
:meth:`~airflow_provider_audio.triggers.aiozstream.AiozStreamTranscodeTrigger.judge` reads it. So N
waits cost about ``ceil(unfinished / 100)`` listings per interval, plus a listing of the finished
media in the intervals where some finish, instead of N reads per interval. While only one media is
waited on, the poller reads it alone each interval: one request either way.

Every subscriber still ends with its own event, built by its own trigger; its deadline is its own.
A subscriber that stops (its task killed, the trigger moved to another triggerer, a timeout) leaves
the poller and the others as they are; the poller ends when nobody waits on it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog.contextvars

from airflow_provider_audio.client.service import RetryPolicy
from airflow_provider_audio.exceptions import AudioServiceError
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, Media, MediaStatus
from airflow_provider_audio.models.aiozstream import MAX_PAGE_SIZE
from airflow_provider_audio.triggers.base import EventStatus, FailureBudget

if TYPE_CHECKING:
    from airflow_provider_audio.hooks.base import AudioServiceHook
    from airflow_provider_audio.triggers.base import PollResult

log = logging.getLogger(__name__)

#: The statuses of a media still being worked on: what the shared listing asks for.
UNFINISHED_STATUSES = [MediaStatus.NEW.value, MediaStatus.TRANSCODING.value]
#: The statuses a media ends in: what the listing of the finished media asks for.
FINISHED_STATUSES = [status.value for status in MediaStatus if status.is_terminal()]
#: Pages of the finished listing read beyond those its leavers could fill: the media that left
#: finished since the last poll, so they are among the most recently updated; one that is not
#: there (deleted, or updated again and again since) is cheaper read alone than found by paging
#: further back through the whole library's history.
FINISHED_SPARE_PAGES = 1
#: Media read alone at the same time, at most, once they left the listing.
READS_AT_ONCE = 8
#: How a wait ends: the event's status, message and result.
Outcome = tuple[EventStatus, str, dict[str, Any]]


def _new_future() -> asyncio.Future[Outcome]:
    return asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class Subscriber:
    """
    One wait on one media.

    :param media_id: the media waited on.
    :param poll: the trigger's own reading of the media (``GET /media/{id}`` into a poll result).
    :param judge: the trigger's own reading of the media as a listing shows it (into a poll result).
    :param outcome: set once the wait has ended.
    :param status: the media's status as last seen (for the wait's "Still working" lines).
    """

    media_id: str
    poll: Callable[[AudioServiceHook], Awaitable[PollResult]]
    judge: Callable[[Media], PollResult]
    outcome: asyncio.Future[Outcome] = field(default_factory=_new_future)
    status: str = ""


PollerKey = tuple[asyncio.AbstractEventLoop, str, float, int]
_POLLERS: dict[PollerKey, SharedTranscodePoller] = {}


class SharedTranscodePoller:
    """
    Polls for every :class:`Subscriber` of one connection and interval in one event loop.

    :param key: its place in the loop's registry: (loop, conn_id, poll_interval, failure budget).
    """

    def __init__(self, key: PollerKey) -> None:
        self.key = key
        _, self.conn_id, self.poll_interval, self.max_consecutive_failures = key
        self.subscribers: dict[str, list[Subscriber]] = {}
        self.listing_budget = FailureBudget(self.max_consecutive_failures)
        self.read_budgets: dict[str, FailureBudget] = {}
        # Its own context, without the log binding of the trigger that happened to start it: its
        # lines must not land in that one task's log.
        context = contextvars.copy_context()
        context.run(structlog.contextvars.clear_contextvars)
        self.task = asyncio.get_running_loop().create_task(
            self._run(), name=f"aiozstream-shared-poll-{self.conn_id}", context=context
        )

    @classmethod
    def subscribe(
        cls,
        conn_id: str,
        poll_interval: float,
        max_consecutive_failures: int,
        subscriber: Subscriber,
    ) -> SharedTranscodePoller:
        """
        Add ``subscriber`` to the poller of this loop, connection and interval (started if none).

        :param conn_id: the AIOZ Stream connection.
        :param poll_interval: seconds between two polls.
        :param max_consecutive_failures: transient failures in a row tolerated, per listing and per media.
        :param subscriber: the wait.
        """
        key = (asyncio.get_running_loop(), conn_id, float(poll_interval), int(max_consecutive_failures))
        poller = _POLLERS.get(key)
        if poller is None or poller.task.done():
            poller = _POLLERS[key] = cls(key)
        poller.subscribers.setdefault(subscriber.media_id, []).append(subscriber)
        return poller

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Remove ``subscriber`` (idempotent); the poller stops when nobody is left."""
        waiting = self.subscribers.get(subscriber.media_id, [])
        if subscriber in waiting:
            waiting.remove(subscriber)
        if not waiting:
            self.subscribers.pop(subscriber.media_id, None)
            self.read_budgets.pop(subscriber.media_id, None)
        if not self.subscribers:
            self._stop()

    def _stop(self) -> None:
        if _POLLERS.get(self.key) is self:
            del _POLLERS[self.key]
        if not self.task.done() and self.task is not asyncio.current_task():
            self.task.cancel()

    def _end(self, media_id: str, outcome: Outcome) -> None:
        for subscriber in self.subscribers.pop(media_id, []):
            if not subscriber.outcome.done():
                subscriber.outcome.set_result(outcome)
        self.read_budgets.pop(media_id, None)

    async def _run(self) -> None:
        hook = AiozStreamHook(self.conn_id, retry_policy=RetryPolicy.no_retries())
        try:
            # Waits created together (a mapped task, a triggerer restart) then share a poll that
            # starts within one interval, not at once with every other poller.
            await asyncio.sleep(random.uniform(0.0, self.poll_interval))
            while self.subscribers:
                # One poll per interval, however long the poll itself took.
                started = time.monotonic()
                wait = await self.poll_all(hook)
                await asyncio.sleep(max(0.0, wait - (time.monotonic() - started)))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # Whatever broke the poller ends every wait on it, as it would have ended each alone.
            for subscriber in [each for waiting in self.subscribers.values() for each in waiting]:
                if not subscriber.outcome.done():
                    subscriber.outcome.set_exception(error)
            self.subscribers.clear()
        finally:
            self._stop()
            await hook.aclose()

    async def poll_all(self, hook: AiozStreamHook) -> float:
        """
        One interval's poll for every subscriber; returns the seconds until the next one.

        :param hook: the poller's hook (no retries of its own: failures count in the budgets).
        """
        unfinished: dict[str, str] = {}
        listed = len(self.subscribers) > 1
        if listed:
            try:
                unfinished = await self._listed_unfinished(hook)
            except AudioServiceError as error:
                if not error.is_transient or not self.listing_budget.record_failure():
                    message = str(error)
                    if error.is_transient:
                        failures = self.listing_budget.consecutive
                        message = f"gave up after {failures} transient failures in a row: {error}"
                    for media_id in list(self.subscribers):
                        self._end(media_id, ("error", message, {}))
                    return self.poll_interval
                log.warning(
                    "Transient failure %d/%d listing AIOZ Stream media for %d waits: %s",
                    self.listing_budget.consecutive,
                    self.max_consecutive_failures,
                    sum(len(waiting) for waiting in self.subscribers.values()),
                    error,
                )
                return max(self.poll_interval, error.retry_after or 0.0)
            self.listing_budget.record_success()
        for media_id, status in unfinished.items():
            self._seen(media_id, status)
        left = [media_id for media_id in self.subscribers if media_id not in unfinished]
        if listed and left:
            for media in (await listed_finished(hook, left)).values():
                self._judge_listed(media)
            left = [media_id for media_id in left if media_id in self.subscribers]
        # The media still to read alone are read a few at a time: hundreds of them are then all
        # answered within the interval, not one round trip after another.
        slots = asyncio.Semaphore(READS_AT_ONCE)

        async def read(media_id: str) -> float:
            async with slots:
                return await self._read_alone(hook, media_id)

        waits = await asyncio.gather(*(read(media_id) for media_id in left))
        return max([self.poll_interval, *waits])

    def _seen(self, media_id: str, status: str) -> None:
        for subscriber in self.subscribers.get(media_id, []):
            subscriber.status = status

    def _fail(self, media_id: str, error: Exception) -> None:
        """An answer this wait cannot read fails this wait, as it would have alone; not the others."""
        for subscriber in self.subscribers.pop(media_id, []):
            if not subscriber.outcome.done():
                subscriber.outcome.set_exception(error)
        self.read_budgets.pop(media_id, None)

    def _settle(self, media_id: str, outcome: PollResult) -> None:
        """End the waits on ``media_id`` when ``outcome`` says it has ended; else note its status."""
        if outcome.done:
            status: EventStatus = "success" if outcome.succeeded else "error"
            self._end(media_id, (status, outcome.message, outcome.result))
        else:
            self._seen(media_id, outcome.message)

    def _judge_listed(self, media: Media) -> None:
        """Decide the waits on ``media`` from the listing's copy of it, as their trigger reads it."""
        waiting = self.subscribers.get(media.id)
        if not waiting:
            return
        try:
            outcome = waiting[0].judge(media)
        except Exception as error:
            self._fail(media.id, error)
            return
        self._settle(media.id, outcome)

    async def _read_alone(self, hook: AiozStreamHook, media_id: str) -> float:
        """Read one media that left the listing (or the only one); end its waits when it has ended."""
        waiting = self.subscribers.get(media_id)
        if not waiting:
            return 0.0
        budget = self.read_budgets.setdefault(media_id, FailureBudget(self.max_consecutive_failures))
        try:
            outcome = await waiting[0].poll(hook)
        except AudioServiceError as error:
            if not error.is_transient:
                self._end(media_id, ("error", str(error), {}))
            elif not budget.record_failure():
                self._end(
                    media_id,
                    ("error", f"gave up after {budget.consecutive} transient failures in a row: {error}", {}),
                )
            else:
                log.warning(
                    "Transient failure %d/%d reading AIOZ Stream media %s: %s",
                    budget.consecutive,
                    self.max_consecutive_failures,
                    media_id,
                    error,
                )
                return error.retry_after or 0.0
            return 0.0
        except Exception as error:
            self._fail(media_id, error)
            return 0.0
        budget.record_success()
        self._settle(media_id, outcome)
        return 0.0

    async def _listed_unfinished(self, hook: AiozStreamHook) -> dict[str, str]:
        """
        The waited-on media the listing shows unfinished, with their status, checked on the client
        (a listing that ignored its filter may show any media in any status).
        """
        # Newest first: media finish roughly in the order they were made, so the ones finishing
        # while the pages are read are on pages not read yet; oldest first, each would shift an
        # unfinished media from a page not read yet onto one already read, and it would look as if
        # it left. A media made meanwhile goes on the first page, and only repeats a line.
        filters: dict[str, Any] = {
            "type": "audio",
            "status": UNFINISHED_STATUSES,
            "sort_by": "created_at",
            "order_by": "desc",
        }
        found: dict[str, str] = {}
        async for media in hook.aiter_media(filters):
            if media.id in self.subscribers and media.status.value in UNFINISHED_STATUSES:
                found[media.id] = media.status.value
                # Every wait is still unfinished: the rest of the listing cannot change that.
                if len(found) == len(self.subscribers):
                    break
        return found


async def listed_finished(hook: AiozStreamHook, left: list[str]) -> dict[str, Media]:
    """
    The media of ``left`` that the listing of the finished media (most recently updated first)
    shows ended, checked on the client: the id is one of ``left`` and the status one a media ends
    in, whatever the filter matched. Paging stops once every one is found, or after the pages they
    could fill plus :data:`FINISHED_SPARE_PAGES`. A failing listing ends no wait: what it has not
    shown is read alone by the caller, each media with its own failure budget.

    :param hook: the poller's hook.
    :param left: waited-on media the listing of the unfinished media no longer shows.
    """
    wanted = set(left)
    filters: dict[str, Any] = {
        "type": "audio",
        "status": FINISHED_STATUSES,
        "sort_by": "updated_at",
        "order_by": "desc",
    }
    found: dict[str, Media] = {}
    offset = 0
    try:
        for _ in range(math.ceil(len(wanted) / MAX_PAGE_SIZE) + FINISHED_SPARE_PAGES):
            page = await hook.alist_media({**filters, "offset": offset, "limit": MAX_PAGE_SIZE})
            for media in page.media:
                if media.id in wanted and media.status.is_terminal():
                    found[media.id] = media
            offset += len(page.media)
            if len(found) == len(wanted) or not page.media or offset >= page.total:
                break
    except AudioServiceError as error:
        log.warning(
            "Listing the finished AIOZ Stream media failed (%s); %d of them are read alone",
            error,
            len(wanted) - len(found),
        )
    return found
