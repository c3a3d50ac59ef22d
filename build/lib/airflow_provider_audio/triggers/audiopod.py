"""Waiting on AudioPod voice training in the triggerer."""

from __future__ import annotations

from airflow_provider_audio.client import RetryPolicy
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import (
    AudioPollingTrigger,
    PollResult,
)


class AudioPodVoiceTrainingTrigger(AudioPollingTrigger):
    """
    Polls ``GET /voices/{voice_id}/status`` until training ends.

    ``PROCESSING`` keeps waiting; ``COMPLETED`` is success; ``FAILED``, ``CANCELLED`` and ``ERROR``
    end with an error carrying AudioPod's reason.

    :param conn_id: the AudioPod connection.
    :param voice_id: the voice being trained.
    :param poll_interval: seconds between polls (the official SDK polls every 3 s).
    :param deadline: absolute deadline (UNIX timestamp).
    :param max_consecutive_failures: transient failures in a row tolerated.
    """

    job_fields = ("voice_id",)
    voice_id: str

    def make_hook(self) -> AudioServiceHook:
        return AudioPodHook(self.conn_id, retry_policy=RetryPolicy.no_retries())

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
