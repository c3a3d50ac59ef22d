"""Waiting on AudioStack builds in the triggerer."""

from __future__ import annotations

from typing import Any

from airflow_provider_audio.client import RetryPolicy
from airflow_provider_audio.hooks.audiostack import AudioStackHook, BuildState
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import (
    DEFAULT_MAX_CONSECUTIVE_FAILURES,
    AudioPollingTrigger,
    PollResult,
)


class AudioStackAudioformTrigger(AudioPollingTrigger):
    """
    Polls ``GET /audioforms/{audioform_id}`` until the build is delivered or fails.

    A 202 means building; a 200 with ``data.errors`` is a failed build; a 200 with a delivery is
    success, and the event's ``result`` carries ``data.result`` (delivery uri, presets...).

    :param conn_id: the AudioStack connection.
    :param audioform_id: the build to wait on.
    :param poll_interval: seconds between polls.
    :param deadline: absolute deadline (UNIX timestamp).
    :param max_consecutive_failures: transient failures in a row tolerated.
    """

    def __init__(
        self,
        *,
        conn_id: str,
        audioform_id: str,
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
        self.audioform_id = audioform_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"audioform_id": self.audioform_id}

    def make_hook(self) -> AudioServiceHook:
        return AudioStackHook(self.conn_id, retry_policy=RetryPolicy.no_retries())

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AudioStackHook)
        status = await hook.aget_audioform(self.audioform_id)
        if status.state is BuildState.BUILDING:
            return PollResult(done=False, message=f"audioform {self.audioform_id} is building")
        if status.state is BuildState.FAILED:
            return PollResult(
                done=True,
                message=f"audioform {self.audioform_id} failed to build: {status.describe_errors()}",
                result={"errors": status.errors},
            )
        return PollResult(
            done=True, succeeded=True, message=f"audioform {self.audioform_id} built", result=status.result
        )
