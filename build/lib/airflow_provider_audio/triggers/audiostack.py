"""Waiting on AudioStack builds in the triggerer: one trigger for every resource polled until ready."""

from __future__ import annotations

from typing import Any, ClassVar

from airflow_provider_audio.client import RetryPolicy
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.audiostack_status import POLLED_RESOURCES, BuildState, BuildStatus
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import (
    AudioPollingTrigger,
    PollResult,
)


def _item(status: BuildStatus) -> dict[str, Any]:
    return {
        "state": status.state.value,
        "message": status.message,
        "result": status.result,
        "errors": status.errors,
    }


class AudioStackResourceTrigger(AudioPollingTrigger):
    """
    Polls AudioStack resources that answer "still working" until every one has ended.

    Works for any resource of :data:`~airflow_provider_audio.hooks.audiostack_status.POLLED_RESOURCES`
    (audioforms, batches, stories, speech, mixes, encodings, files), and for several ids at once
    (the ads of a brief, the batches of a large batch build). Resources that have ended are not
    asked again. The event's ``result`` is ``{"items": {id: {state, message, result, errors}}}``;
    its status is ``success`` when every item succeeded, ``error`` as soon as all have ended and
    one failed.

    :param conn_id: the AudioStack connection.
    :param resource: the resource kind (``audioform``, ``batch``, ``story``, ``speech``, ``mix``,
        ``encoding``, ``file``).
    :param resource_ids: the ids to wait on.
    :param poll_interval: seconds between polls.
    :param deadline: absolute deadline (UNIX timestamp).
    :param max_consecutive_failures: transient failures in a row tolerated.
    """

    job_fields: ClassVar[tuple[str, ...]] = ("resource", "resource_ids")
    resource: str
    resource_ids: list[str]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.resource not in POLLED_RESOURCES:
            raise ValueError(f"resource: {self.resource!r}; allowed values: {', '.join(POLLED_RESOURCES)}")
        if not self.resource_ids:
            raise ValueError("resource_ids: at least one id is needed")
        self.resource_ids = [str(resource_id) for resource_id in self.resource_ids]
        self._ended: dict[str, BuildStatus] = {}

    def make_hook(self) -> AudioServiceHook:
        return AudioStackHook(self.conn_id, retry_policy=RetryPolicy.no_retries())

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        assert isinstance(hook, AudioStackHook)
        for resource_id in self.resource_ids:
            if resource_id not in self._ended:
                status = await hook.aget_build(self.resource, resource_id)
                if status.state.is_terminal():
                    self._ended[resource_id] = status
        waiting = [resource_id for resource_id in self.resource_ids if resource_id not in self._ended]
        if waiting:
            done = len(self.resource_ids) - len(waiting)
            return PollResult(done=False, message=f"{self.resource} {done}/{len(self.resource_ids)} ended")
        failed = {rid: s for rid, s in self._ended.items() if s.state is BuildState.FAILED}
        result = {"items": {rid: _item(self._ended[rid]) for rid in self.resource_ids}}
        if failed:
            reasons = "; ".join(f"{rid}: {status.describe_errors()}" for rid, status in failed.items())
            return PollResult(
                done=True, message=f"{len(failed)} {self.resource}(s) failed: {reasons}", result=result
            )
        count = len(self.resource_ids)
        return PollResult(
            done=True, succeeded=True, message=f"{count} {self.resource}(s) ready", result=result
        )


class AudioStackAudioformTrigger(AudioStackResourceTrigger):
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

    job_fields = ("audioform_id",)
    audioform_id: str

    def __init__(self, **kwargs: Any) -> None:
        AudioPollingTrigger.__init__(self, **kwargs)
        self.resource = "audioform"
        self.resource_ids = [str(self.audioform_id)]
        self._ended = {}

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        outcome = await super().poll(hook)
        if not outcome.done:
            return PollResult(done=False, message=f"audioform {self.audioform_id} is building")
        item = outcome.result["items"][self.audioform_id]
        if outcome.succeeded:
            return PollResult(True, True, f"audioform {self.audioform_id} built", item["result"])
        reason = self._ended[self.audioform_id].describe_errors()
        return PollResult(
            True,
            False,
            f"audioform {self.audioform_id} failed to build: {reason}",
            {"errors": item["errors"]},
        )
