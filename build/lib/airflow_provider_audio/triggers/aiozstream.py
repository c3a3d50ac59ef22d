"""Waiting on AIOZ Stream transcoding in the triggerer."""

from __future__ import annotations

from airflow_provider_audio.client import RetryPolicy
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, MediaStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import (
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

    job_fields = ("media_id",)
    media_id: str

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
