"""Waiting on AIOZ Stream transcoding in the triggerer."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Unpack

from airflow.triggers.base import TriggerEvent

from airflow_provider_audio.defaults import AIOZ_UPLOAD_MARK_KEY
from airflow_provider_audio.exceptions import AudioServiceNotFoundError
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, Media, MediaStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.aiozstream_shared import SharedTranscodePoller, Subscriber
from airflow_provider_audio.triggers.base import (
    KILL_RETRY_POLICY,
    AudioPollingTrigger,
    PollResult,
    WaitArguments,
)


class AiozStreamTranscodeTrigger(AudioPollingTrigger):
    """
    Polls ``GET /media/{media_id}`` until transcoding ends: ``new -> transcoding -> done | fail``.

    Every poll's ``result`` is the media's summary (status, size, duration, HLS/DASH and player
    URLs); ``fail`` and ``deleted`` end the wait with an error.

    The waits of one event loop (a triggerer) on the same connection and interval share their
    polling (:mod:`~airflow_provider_audio.triggers.aiozstream_shared`): one listing of the
    unfinished media per interval covers them all, a media that left it is taken from a listing of
    the finished media, and read alone only when that listing does not show it. Each wait still
    fires its own event, by its own deadline.

    When the task is killed while this waits (:meth:`on_kill`), a media the task created that has
    not finished transcoding is deleted: AIOZ Stream cannot cancel a transcoding, and a half-made
    media would stay in the library. Only when ``created_by`` is given and the media's own metadata,
    as AIOZ Stream answers it, carries that mark (``airflow_upload``); any other media (a reused
    one, one a sensor watches) is left as it is.

    :param media_id: the media to wait on.
    :param created_by: the mark of the task instance that created the media (see
        :func:`~airflow_provider_audio.operators.base.task_mark`), or ``None`` when it did not.
    :param wait: ``conn_id`` (the AIOZ Stream connection), ``poll_interval``, ``deadline`` and
        ``max_consecutive_failures``, as :class:`~airflow_provider_audio.triggers.base.AudioPollingTrigger`
        takes them.
    """

    hook_class = AiozStreamHook

    cancel_note = "AIOZ Stream cannot cancel a transcoding; the media stays"

    def __init__(
        self, *, media_id: str, created_by: str | None = None, **wait: Unpack[WaitArguments]
    ) -> None:
        super().__init__(**wait)
        self.media_id = media_id
        self.created_by = created_by

    def job_kwargs(self) -> dict[str, Any]:
        return {"media_id": self.media_id}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath, kwargs = super().serialize()
        return classpath, {**kwargs, "created_by": self.created_by}

    async def kill_job(self) -> str:
        """Delete the media when this task created it and it is not finished; else leave it."""
        if self.created_by is None:
            return f"{self.cancel_note}: media {self.media_id} was not created by this task"
        hook = self.make_hook(KILL_RETRY_POLICY)
        assert isinstance(hook, AiozStreamHook)
        try:
            try:
                media = await hook.aget_media(self.media_id)
            except AudioServiceNotFoundError:
                return f"media {self.media_id} is already gone"
            mark = media.metadata().get(AIOZ_UPLOAD_MARK_KEY, "")
            if not mark.startswith(f"{self.created_by}."):
                return (
                    f"{self.cancel_note}: media {self.media_id} does not carry this task's "
                    f"{AIOZ_UPLOAD_MARK_KEY} mark, so it is not deleted"
                )
            if media.status.is_terminal():
                return f"media {self.media_id} is already {media.status.value}; left as it is"
            await hook.adelete_media(self.media_id)
            return (
                f"deleted media {self.media_id}, which this task created and which was still "
                f"{media.status.value} (AIOZ Stream cannot cancel a transcoding)"
            )
        finally:
            await hook.aclose()

    async def wait_for_event(self) -> TriggerEvent:
        """
        Wait through the loop's shared poller until the media has ended or the deadline passes;
        a "Still working" line each interval while it is unfinished.
        """
        subscriber = Subscriber(self.media_id, self.poll, self.judge)
        poller = SharedTranscodePoller.subscribe(
            self.conn_id, self.poll_interval, self.max_consecutive_failures, subscriber
        )
        started_at = self.started_at if self.started_at is not None else time.time()
        try:
            while True:
                remaining = self.deadline - time.time()
                if remaining <= 0:
                    return self._event("timeout", f"deadline passed before {self.describe()} finished")
                timeout = min(self.poll_interval, remaining)
                ended, _ = await asyncio.wait({subscriber.outcome}, timeout=timeout)
                if ended:
                    return self._event(*subscriber.outcome.result())
                if subscriber.status:
                    self.log.info("%s", self.still_working_line(subscriber.status, started_at))
        finally:
            poller.unsubscribe(subscriber)

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AiozStreamHook)
        return self.judge(await hook.aget_media(self.media_id))

    def judge(self, media: Media) -> PollResult:
        """
        What ``media`` (as ``GET /media/{id}`` or a listing shows it) says of this wait.

        :param media: the media waited on.
        """
        status = media.status
        if not status.is_terminal():
            return PollResult(done=False, message=status.value, result=media.summary())
        if status is MediaStatus.DONE:
            return PollResult(
                done=True,
                succeeded=True,
                message=f"media {self.media_id} is transcoded",
                result=media.summary(),
            )
        return PollResult(
            done=True,
            message=f"AIOZ Stream media {self.media_id} ended as {status.value!r}: transcoding failed",
            result=media.summary(),
        )


# The statuses a set's listing asks for: every live one (a deleted media is listed by no other filter).
_LISTED_STATUSES = [status.value for status in MediaStatus if status is not MediaStatus.DELETED]


class AiozStreamMediaSetTrigger(AudioPollingTrigger):
    """
    Waits on many media at once until each has ended (``done``, ``fail`` or ``deleted``), with
    one listing per interval instead of one ``GET`` per media.

    The media carry a metadata pair (or a few) of their own, such as the chunk of an archive run
    they were uploaded in: every interval, ``POST /media`` filtered by those pairs answers the
    status of all of them, page by page (100 per page, AIOZ's largest). Each listed media is
    checked on the client (its id is one of ``media_ids`` and it carries every pair), whatever the
    filter matched; a media the listing does not show (deleted, or a service that ignored part of
    the filter) is read alone, ``GET /media/{id}``. Without ``metadata`` no listing can cover the
    set, and every media still unfinished is read alone each interval.

    The event's ``result`` is ``{"media": {media_id: summary}}`` once every media has ended, each
    summary as :meth:`~airflow_provider_audio.hooks.aiozstream.Media.summary` gives it (a media
    that no longer exists has status ``deleted``); a media that failed does not fail the wait:
    the task decides (:class:`~airflow_provider_audio.sensors.aiozstream.AiozStreamMediaSetSensor`).

    :param media_ids: the media to wait on.
    :param metadata: key/value pairs every one of them carries: the listing's filter.
    :param wait: ``conn_id``, ``poll_interval``, ``deadline`` and ``max_consecutive_failures``, as
        :class:`~airflow_provider_audio.triggers.base.AudioPollingTrigger` takes them.
    """

    hook_class = AiozStreamHook

    cancel_note = "AIOZ Stream cannot cancel a transcoding; the media stay"

    def __init__(
        self,
        *,
        media_ids: list[str],
        metadata: dict[str, str] | None = None,
        **wait: Unpack[WaitArguments],
    ) -> None:
        super().__init__(**wait)
        self.media_ids = [str(media_id) for media_id in media_ids]
        self.metadata = dict(metadata) if metadata else None

    def job_kwargs(self) -> dict[str, Any]:
        return {"media_ids": self.media_ids, "metadata": self.metadata}

    def describe(self) -> str:
        carrying = ", ".join(f"{key}={value}" for key, value in (self.metadata or {}).items())
        return f"{len(self.media_ids)} media" + (f" carrying {carrying}" if carrying else "")

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AiozStreamHook)
        found = await self._listed(hook) if self.metadata else {}
        gone: set[str] = set()
        for media_id in self.media_ids:
            if media_id in found:
                continue
            try:
                found[media_id] = await hook.aget_media(media_id)
            except AudioServiceNotFoundError:
                gone.add(media_id)
        unfinished = [media_id for media_id in found if not found[media_id].status.is_terminal()]
        if unfinished:
            return PollResult(
                done=False, message=f"{len(unfinished)} of {len(self.media_ids)} media not transcoded yet"
            )
        summaries: dict[str, dict[str, Any]] = {}
        for media_id in self.media_ids:
            if media_id in gone:
                summaries[media_id] = {"media_id": media_id, "status": MediaStatus.DELETED.value}
            else:
                summaries[media_id] = found[media_id].summary()
        done = sum(1 for summary in summaries.values() if summary["status"] == MediaStatus.DONE.value)
        message = f"{done} of {len(self.media_ids)} media transcoded"
        if done < len(self.media_ids):
            message += f"; {len(self.media_ids) - done} ended otherwise (failed or deleted)"
        return PollResult(done=True, succeeded=True, message=message, result={"media": summaries})

    async def _listed(self, hook: AiozStreamHook) -> dict[str, Media]:
        """The set's media as one listing (all its pages) shows them, checked on the client."""
        assert self.metadata is not None
        wanted = set(self.media_ids)
        filters: dict[str, Any] = {
            "type": "audio",
            "metadata": [{"key": key, "value": value} for key, value in self.metadata.items()],
            "status": _LISTED_STATUSES,
            "sort_by": "created_at",
            "order_by": "asc",
        }
        found: dict[str, Media] = {}
        async for media in hook.aiter_media(filters):
            pairs = media.metadata()
            if media.id in wanted and all(pairs.get(key) == value for key, value in self.metadata.items()):
                found[media.id] = media
                # A listing that ignored its filter goes on for pages: stop once the set is covered.
                if len(found) == len(wanted):
                    break
        return found
