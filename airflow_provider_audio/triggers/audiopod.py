"""Waiting on AudioPod voice training in the triggerer."""

from __future__ import annotations

from typing import Any, Unpack

from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import AudioPollingTrigger, PollResult, WaitArguments


class AudioPodVoiceTrainingTrigger(AudioPollingTrigger):
    """
    Polls ``GET /voices/{voice_id}/status`` until training ends.

    ``PROCESSING`` keeps waiting; ``COMPLETED`` is success; ``FAILED``, ``CANCELLED`` and ``ERROR``
    end with an error carrying AudioPod's reason.

    :param voice_id: the voice being trained.
    :param wait: ``conn_id`` (the AudioPod connection), ``poll_interval`` (the official SDK polls
        every 3 s), ``deadline`` and ``max_consecutive_failures``, as
        :class:`~airflow_provider_audio.triggers.base.AudioPollingTrigger` takes them.
    """

    hook_class = AudioPodHook

    def __init__(self, *, voice_id: str, **wait: Unpack[WaitArguments]) -> None:
        super().__init__(**wait)
        self.voice_id = voice_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"voice_id": self.voice_id}

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AudioPodHook)
        voice = await hook.avoice_status(self.voice_id)
        status = voice.status
        if not status.is_terminal():
            return PollResult(done=False, message=f"voice {self.voice_id} is {status.value}")
        if status.is_failure():
            reason = voice.data.get("error_message") or "no reason given"
            return PollResult(
                done=True,
                message=f"AudioPod voice {self.voice_id} training ended as {status.value}: {reason}",
                result=voice.summary(),
            )
        return PollResult(
            done=True, succeeded=True, message=f"voice {self.voice_id} is ready", result=voice.summary()
        )
