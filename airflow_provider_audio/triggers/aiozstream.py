"""Waiting on AIOZ Stream transcoding in the triggerer."""

from __future__ import annotations

from typing import Any

from airflow_provider_audio.client import RetryPolicy
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, MediaStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import (
    DEFAULT_MAX_CONSECUTIVE_FAILURES,
    AudioPollingTrigger,
    PollResult,
)


class AiozStreamTranscodeTrigger(AudioPollingTrigger):
    """
    Polls ``GET /media/{media_id}`` until transcoding ends: ``new -> transcoding -> done | fail``.

    The success event's ``result`` is the media's summary (status, size, duration, HLS/DASH and
    player URLs); ``fail`` and ``deleted`` end the wait with an error.

    :param conn_id: the AIOZ Stream connection.
    :param media_id: the media to wait on.
    :param poll_interval: seconds between polls.
    :param deadline: absolute deadline (UNIX timestamp).
    :param max_consecutive_failures: transient failures in a row tolerated.
    """

    def __init__(
        self,
        *,
        conn_id: str,
        media_id: str,
        poll_interval: float,
        deadline: float,
        max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES,
    ) -> None:
        super().__init__(
            conn_id=conn_id,
            poll_interval=poll_interval,
            deadline=deadline,
            max_consecutive_failures=max_consecutive_failures,
        )
        self.media_id = media_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"media_id": self.media_id}

    def make_hook(self) -> AudioServiceHook:
        return AiozStreamHook(self.conn_id, retry_policy=RetryPolicy.no_retries())

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AiozStreamHook)
        media = await hook.aget_media(self.media_id)
        status = media.status
        if not status.is_terminal():
            return PollResult(done=False, message=f"media {self.media_id} is {status.value}")
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
