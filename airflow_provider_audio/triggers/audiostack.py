"""Waiting on AudioStack builds in the triggerer: one trigger for every resource polled until ready."""

from __future__ import annotations

from typing import Any, Unpack

from airflow_provider_audio.client.routes.audiostack import POLLED_RESOURCES, BuildState, BuildStatus
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.triggers.base import AudioPollingTrigger, PollResult, WaitArguments


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

    Works for any resource of :data:`~airflow_provider_audio.client.routes.audiostack.POLLED_RESOURCES`
    (audioforms, batches, stories, speech, mixes, encodings, files), and for several ids at once
    (the ads of a brief, the batches of a large batch build). Resources that have ended are not
    asked again. The event's ``result`` is ``{"items": {id: {state, message, result, errors}}}``;
    its status is ``success`` when every item succeeded, ``error`` as soon as all have ended and
    one failed (the message names each failed id and why). A killed task's builds cannot be
    cancelled: :meth:`on_kill` says so.

    :param resource: the resource kind (``audioform``, ``batch``, ``story``, ``speech``, ``mix``,
        ``encoding``, ``file``).
    :param resource_ids: the ids to wait on.
    :param wait: ``conn_id`` (the AudioStack connection), ``poll_interval``, ``deadline`` and
        ``max_consecutive_failures``, as :class:`~airflow_provider_audio.triggers.base.AudioPollingTrigger`
        takes them.
    """

    hook_class = AudioStackHook
    # Neither AudioStack's API reference nor its official SDK (4.0.0) has a cancel route.
    cancel_note = (
        "AudioStack has no route that cancels a build; it finishes and is billed, its ids are in "
        "the task's XCom"
    )

    def __init__(self, *, resource: str, resource_ids: list[str], **wait: Unpack[WaitArguments]) -> None:
        super().__init__(**wait)
        if resource not in POLLED_RESOURCES:
            raise ValueError(f"resource: {resource!r}; allowed values: {', '.join(POLLED_RESOURCES)}")
        if not resource_ids:
            raise ValueError("resource_ids: at least one id is needed")
        self.resource = resource
        self.resource_ids = [str(resource_id) for resource_id in resource_ids]
        self._ended: dict[str, BuildStatus] = {}

    def job_kwargs(self) -> dict[str, Any]:
        return {"resource": self.resource, "resource_ids": self.resource_ids}

    def describe(self) -> str:
        return f"{self.resource} {', '.join(self.resource_ids)}"

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
            count = len(self.resource_ids)
            return PollResult(done=False, message="building" if count == 1 else f"{done} of {count} ended")
        failed = {rid: s for rid, s in self._ended.items() if s.state is BuildState.FAILED}
        result = {"items": {rid: _item(self._ended[rid]) for rid in self.resource_ids}}
        if failed:
            return PollResult(done=True, message=self._failure_message(failed), result=result)
        count = len(self.resource_ids)
        return PollResult(
            done=True, succeeded=True, message=f"{count} {self.resource}(s) ready", result=result
        )

    def _failure_message(self, failed: dict[str, BuildStatus]) -> str:
        """Each failed resource once, by id, naming the audioform asset each of AudioStack's
        errors is about: ``audioform 42 (asset 'speech') failed to build: Voice 'x' is not available``."""
        if len(self.resource_ids) == 1:
            ((resource_id, status),) = failed.items()
            return f"{self.resource} {resource_id} {status.describe_failure()}"
        reasons = "; ".join(f"{rid} {status.describe_failure()}" for rid, status in failed.items())
        return f"{len(failed)} of {len(self.resource_ids)} {self.resource}(s) failed: {reasons}"
