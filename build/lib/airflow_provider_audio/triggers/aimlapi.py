"""Waiting on AIML API generations in the triggerer."""

from __future__ import annotations

from airflow_provider_audio.client import RetryPolicy
from airflow_provider_audio.hooks.aimlapi import AimlApiHook, GenerationStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import (
    AudioPollingTrigger,
    PollResult,
)


class AimlApiGenerationTrigger(AudioPollingTrigger):
    """
    Polls ``GET /v2/generate/audio?generation_id=`` until the generation ends.

    ``queued`` and ``generating`` keep waiting; ``completed`` is success (``result`` holds the
    ``audio_file`` and ``credits_used``); ``error`` ends with the API's error name and message.

    :param conn_id: the AIML API connection.
    :param generation_id: the generation to wait on.
    :param poll_interval: seconds between polls (AIML's own example polls every 10 s).
    :param deadline: absolute deadline (UNIX timestamp).
    :param max_consecutive_failures: transient failures in a row tolerated.
    """

    job_fields = ("generation_id",)
    generation_id: str

    def make_hook(self) -> AudioServiceHook:
        return AimlApiHook(self.conn_id, retry_policy=RetryPolicy.no_retries())

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AimlApiHook)
        generation = await hook.aget_generation(self.generation_id)
        status = generation.status
        if not status.is_terminal():
            return PollResult(done=False, message=f"generation {self.generation_id} is {status.value}")
        result = {
            "audio_url": generation.audio_url,
            "audio_file": generation.data.get("audio_file"),
            "credits_used": generation.credits_used,
        }
        if status is GenerationStatus.ERROR:
            return PollResult(
                done=True,
                message=f"AIML API generation {self.generation_id} failed: {generation.describe_error()}",
                result=result,
            )
        return PollResult(
            done=True, succeeded=True, message=f"generation {self.generation_id} completed", result=result
        )
