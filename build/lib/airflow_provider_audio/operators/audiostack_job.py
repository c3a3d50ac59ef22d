"""The shape every AudioStack job operator shares: validate, submit once, wait on a polled resource."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_audio.defaults import AUDIOSTACK_CONN_ID
from airflow_provider_audio.exceptions import AudioServiceNotFoundError
from airflow_provider_audio.operators.waiting import WaitingOperator

# Hooks, models and triggers are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_audio.hooks.audiostack import AudioStackHook

# Builds of ads, speech, mixes and encodings take seconds to minutes.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_JOB_TIMEOUT = timedelta(hours=1)


class AudioStackJobOperator(WaitingOperator):
    """
    Base of AudioStack operators that start a job and wait for it in
    :class:`~airflow_provider_audio.triggers.audiostack.AudioStackResourceTrigger`.

    Subclasses set ``resource`` and ``state_store_key`` and implement :meth:`validate`,
    :meth:`submit` and :meth:`job_result`. The ids :meth:`submit` returns are pushed to XCom
    (``<resource>_ids``) and kept in the task state store, so a retry re-attaches to the jobs
    already paid for; a job that failed is submitted anew.

    :param conn_id: the AudioStack connection.
    :param poll_interval: seconds between polls.
    :param job_timeout: how long the job may take.
    """

    resource: ClassVar[str]
    template_fields: Sequence[str] = ("conn_id",)

    def __init__(
        self,
        *,
        conn_id: str = AUDIOSTACK_CONN_ID,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        job_timeout: timedelta = DEFAULT_JOB_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)
        self.conn_id = conn_id

    def validate(self) -> None:
        """Check the rendered input; raise ``AudioInputError`` naming every bad field."""
        raise NotImplementedError

    def submit(self, hook: AudioStackHook, context: Context, already: list[str]) -> list[str]:
        """
        Start the job; return every id to wait on.

        :param already: ids an earlier try submitted that are still good (for jobs submitted in
            several calls, such as large batches); usually empty.
        """
        raise NotImplementedError

    def job_result(self, context: Context, items: dict[str, dict[str, Any]]) -> Any:
        """The task's result, from the trigger's ``items`` (id -> state, result, errors)."""
        raise NotImplementedError

    def execute(self, context: Context) -> Any:
        from airflow_provider_audio.hooks.audiostack import AudioStackHook
        from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger

        self.validate()
        hook = AudioStackHook(self.conn_id)
        stored = self.recall(context)
        ids = self._still_good(hook, stored)
        if stored is None or ids != stored.get("resource_ids") or not stored.get("complete"):
            ids = self.submit(hook, context, ids)
            stored = {"resource_ids": ids, "deadline": self.deadline_from_now(), "complete": True}
            self.remember(context, stored)
        context["ti"].xcom_push(key=f"{self.resource}_ids", value=ids)
        trigger = AudioStackResourceTrigger(
            conn_id=self.conn_id,
            resource=self.resource,
            resource_ids=ids,
            poll_interval=self.poll_interval,
            deadline=float(stored["deadline"]),
            max_consecutive_failures=self.max_consecutive_failures,
        )
        return self.wait_for(context, trigger)

    def remember_partial(self, context: Context, ids: list[str]) -> None:
        """Keep ids as they are submitted, for jobs submitted in several calls."""
        self.remember(context, {"resource_ids": ids, "deadline": self.deadline_from_now(), "complete": False})

    def _still_good(self, hook: AudioStackHook, stored: dict[str, Any] | None) -> list[str]:
        """The stored ids whose jobs exist and did not fail (empty when any did: start over)."""
        from airflow_provider_audio.hooks.audiostack import BuildState

        ids = [str(i) for i in (stored or {}).get("resource_ids") or []]
        for resource_id in ids:
            try:
                status = hook.get_build(self.resource, resource_id)
            except AudioServiceNotFoundError:
                self.log.warning(
                    "%s %s from an earlier try is gone; submitting anew", self.resource, resource_id
                )
                return []
            if status.state is BuildState.FAILED:
                self.log.warning(
                    "%s %s from an earlier try failed; submitting anew", self.resource, resource_id
                )
                return []
        if ids:
            self.log.info("Re-attaching to %s %s from an earlier try", self.resource, ", ".join(ids))
        return ids

    def on_job_succeeded(self, context: Context, event: dict[str, Any]) -> Any:
        return self.job_result(context, dict((event.get("result") or {}).get("items") or {}))
