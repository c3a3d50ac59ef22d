"""Waiting on AIML API generations in the triggerer."""

from __future__ import annotations

from typing import Any, Unpack

from airflow_provider_audio.hooks.aimlapi import AimlApiHook, GenerationStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import AudioPollingTrigger, PollResult, WaitArguments


class AimlApiGenerationTrigger(AudioPollingTrigger):
    """
    Polls ``GET /v2/generate/audio?generation_id=`` until the generation ends.

    ``queued`` and ``generating`` keep waiting; ``completed`` is success (``result`` holds the
    ``audio_file`` and ``credits_used``); ``error`` ends with the API's error name and message.
    A killed task's generation cannot be cancelled: :meth:`on_kill` says so.

    :param generation_id: the generation to wait on.
    :param wait: ``conn_id`` (the AIML API connection), ``poll_interval`` (AIML's own example
        polls every 10 s), ``deadline`` and ``max_consecutive_failures``, as
        :class:`~airflow_provider_audio.triggers.base.AudioPollingTrigger` takes them.
    """

    hook_class = AimlApiHook
    # AIML API's stable-audio spec has no cancel route (only POST and GET /v2/generate/audio).
    cancel_note = (
        "AIML API has no route that cancels a generation; it finishes and is billed, its id is in "
        "the task's XCom"
    )

    def __init__(self, *, generation_id: str, **wait: Unpack[WaitArguments]) -> None:
        super().__init__(**wait)
        self.generation_id = generation_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"generation_id": self.generation_id}

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AimlApiHook)
        generation = await hook.aget_generation(self.generation_id)
        status = generation.status
        if not status.is_terminal():
            return PollResult(done=False, message=status.value)
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
