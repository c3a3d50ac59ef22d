"""Waiting on AIOZ Stream transcoding in the triggerer."""

from __future__ import annotations

from typing import Any, Unpack

from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, MediaStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import AudioPollingTrigger, PollResult, WaitArguments


class AiozStreamTranscodeTrigger(AudioPollingTrigger):
    """
    Polls ``GET /media/{media_id}`` until transcoding ends: ``new -> transcoding -> done | fail``.

    Every poll's ``result`` is the media's summary (status, size, duration, HLS/DASH and player
    URLs); ``fail`` and ``deleted`` end the wait with an error.

    :param media_id: the media to wait on.
    :param wait: ``conn_id`` (the AIOZ Stream connection), ``poll_interval``, ``deadline`` and
        ``max_consecutive_failures``, as :class:`~airflow_provider_audio.triggers.base.AudioPollingTrigger`
        takes them.
    """

    hook_class = AiozStreamHook

    def __init__(self, *, media_id: str, **wait: Unpack[WaitArguments]) -> None:
        super().__init__(**wait)
        self.media_id = media_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"media_id": self.media_id}

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AiozStreamHook)
        media = await hook.aget_media(self.media_id)
        status = media.status
        if not status.is_terminal():
            return PollResult(
                done=False, message=f"media {self.media_id} is {status.value}", result=media.summary()
            )
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
