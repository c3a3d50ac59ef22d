"""What every operator that waits on a remote job shares: its wait arguments, deadline and mode."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator, conf

from airflow_provider_audio.defaults import DEFAULT_MAX_CONSECUTIVE_FAILURES
from airflow_provider_audio.exceptions import AudioInputError, AudioJobFailedError

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_audio.triggers.base import AudioPollingTrigger


class WaitingOperator(BaseOperator):
    """
    Base of operators that submit a job and wait for it through an :class:`AudioPollingTrigger`.

    In deferrable mode the task defers and the triggerer polls; otherwise the task runs the
    trigger's own polling loop, so both modes share one code path.

    :param poll_interval: seconds between two polls.
    :param job_timeout: how long the job may take once submitted.
    :param deadline: an absolute deadline (timezone-aware); the earlier of it and the timeout wins.
    :param max_consecutive_failures: transient failures in a row tolerated while waiting.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    """

    # The task state store key under which a subclass keeps its job across retries of one task.
    # Renaming it on a deployed operator makes in-flight retries pay again: the old key is stored.
    state_store_key: ClassVar[str]

    def __init__(
        self,
        *,
        poll_interval: float,
        job_timeout: timedelta,
        deadline: datetime | None = None,
        max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        problems = []
        if poll_interval <= 0:
            problems.append(f"poll_interval: {poll_interval!r}; must be a positive number of seconds")
        if job_timeout <= timedelta(0):
            problems.append(f"job_timeout: {job_timeout!r}; must be positive")
        if deadline is not None and deadline.tzinfo is None:
            problems.append(f"deadline: {deadline!r}; must be timezone-aware")
        if max_consecutive_failures < 0:
            problems.append(f"max_consecutive_failures: {max_consecutive_failures!r}; must be >= 0")
        if problems:
            raise AudioInputError(f"{type(self).__name__} arguments", problems)
        self.poll_interval = poll_interval
        self.job_timeout = job_timeout
        self.deadline = deadline
        self.max_consecutive_failures = max_consecutive_failures
        self.deferrable = deferrable

    def recall(self, context: Context) -> dict[str, Any] | None:
        """The job an earlier try of this task remembered, if Airflow offers a task state store."""
        store = context.get("task_state_store")
        stored = store.get(self.state_store_key) if store is not None else None
        return dict(stored) if isinstance(stored, dict) else None

    def remember(self, context: Context, state: dict[str, Any]) -> None:
        """Keep ``state`` for a retry of this task (no-op where there is no task state store)."""
        store = context.get("task_state_store")
        if store is not None:
            store.set(self.state_store_key, state)

    def deadline_from_now(self) -> float:
        """The absolute deadline of a job submitted now, as a UNIX timestamp."""
        deadline = time.time() + self.job_timeout.total_seconds()
        if self.deadline is not None:
            deadline = min(deadline, self.deadline.timestamp())
        return deadline

    def wait_for(self, context: Context, trigger: AudioPollingTrigger) -> Any:
        """Defer to ``trigger`` (deferrable mode), or poll with it here and finish at once."""
        if self.deferrable:
            self.defer(trigger=trigger, method_name="execute_complete")
        self.log.info("Waiting in the task (deferrable=False): %s", trigger.job_kwargs())
        event = asyncio.run(trigger.wait_for_event())
        return self.execute_complete(context, event.payload)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after the trigger fired: anything but success raises, naming the job."""
        status = event.get("status")
        if status == "timeout":
            raise AudioJobFailedError(
                f"{event.get('message')}; the job may still finish on the service's side"
            )
        if status != "success":
            raise AudioJobFailedError(str(event.get("message")))
        return self.on_job_succeeded(context, event)

    def on_job_succeeded(self, context: Context, event: dict[str, Any]) -> Any:
        """Turn a success event into the task's result."""
        raise NotImplementedError
