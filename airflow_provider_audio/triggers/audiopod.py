"""Waiting on AudioPod voice training in the triggerer."""

from __future__ import annotations

from typing import Any, Unpack

from airflow_provider_audio.exceptions import AudioServiceNotFoundError
from airflow_provider_audio.hooks.audiopod import AudioPodHook, VoiceStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import (
    KILL_RETRY_POLICY,
    AudioPollingTrigger,
    PollResult,
    WaitArguments,
)


class AudioPodVoiceTrainingTrigger(AudioPollingTrigger):
    """
    Polls ``GET /voices/{voice_id}/status`` until training ends.

    ``PROCESSING`` keeps waiting; ``COMPLETED`` is success; ``FAILED``, ``CANCELLED`` and ``ERROR``
    end with an error carrying AudioPod's reason.

    When the task is killed while this waits (:meth:`on_kill`), a voice it created that is still
    training is deleted: AudioPod has no route that cancels training (neither its API reference
    nor its official SDK), and ``DELETE /voices/{id}`` removes the voice. Only when
    ``created_name`` is given and AudioPod's answer shows a custom voice of that name, still
    ``PROCESSING``; a trained voice is kept.

    :param voice_id: the voice being trained.
    :param created_name: the name the task created the voice under, or ``None`` when the task did
        not create it.
    :param wait: ``conn_id`` (the AudioPod connection), ``poll_interval`` (the official SDK polls
        every 3 s), ``deadline`` and ``max_consecutive_failures``, as
        :class:`~airflow_provider_audio.triggers.base.AudioPollingTrigger` takes them.
    """

    hook_class = AudioPodHook

    cancel_note = "AudioPod has no route that cancels voice training; the voice stays"

    def __init__(
        self, *, voice_id: str, created_name: str | None = None, **wait: Unpack[WaitArguments]
    ) -> None:
        super().__init__(**wait)
        self.voice_id = voice_id
        self.created_name = created_name

    def job_kwargs(self) -> dict[str, Any]:
        return {"voice_id": self.voice_id}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath, kwargs = super().serialize()
        return classpath, {**kwargs, "created_name": self.created_name}

    async def kill_job(self) -> str:
        """Delete the voice when this task created it and it is still training; else leave it."""
        if self.created_name is None:
            return f"{self.cancel_note}: voice {self.voice_id} was not created by this task"
        hook = self.make_hook(KILL_RETRY_POLICY)
        assert isinstance(hook, AudioPodHook)
        try:
            try:
                voice = await hook.avoice_status(self.voice_id)
            except AudioServiceNotFoundError:
                return f"voice {self.voice_id} is already gone"
            name, voice_type = voice.data.get("name"), voice.data.get("voice_type", "CUSTOM")
            if name != self.created_name or voice_type != "CUSTOM":
                return (
                    f"{self.cancel_note}: AudioPod shows voice {self.voice_id} as {voice_type} "
                    f"{name!r}, not the custom voice {self.created_name!r} this task created"
                )
            if voice.status is not VoiceStatus.PROCESSING:
                return f"voice {self.voice_id} is already {voice.status.value}; left as it is"
            await hook.adelete_voice(self.voice_id)
            return (
                f"deleted voice {self.voice_id} ({self.created_name!r}), which this task created and "
                "which was still training (AudioPod cannot cancel training)"
            )
        finally:
            await hook.aclose()

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AudioPodHook)
        voice = await hook.avoice_status(self.voice_id)
        status = voice.status
        if not status.is_terminal():
            return PollResult(done=False, message=f"training ({status.value})")
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
