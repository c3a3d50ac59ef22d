"""Waiting on AIOZ Stream transcoding in the triggerer."""

from __future__ import annotations

from typing import Any, Unpack

from airflow_provider_audio.defaults import AIOZ_UPLOAD_MARK_KEY
from airflow_provider_audio.exceptions import AudioServiceNotFoundError
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, MediaStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
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

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AiozStreamHook)
        media = await hook.aget_media(self.media_id)
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
