"""What the provider's operators share: how they reach their service's hook, and the one path
every operator that submits a remote job and waits on it follows."""

from __future__ import annotations

import asyncio
import importlib
import time
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow.sdk import BaseOperator, BaseOperatorLink, conf

from airflow_provider_audio.defaults import DEFAULT_MAX_CONSECUTIVE_FAILURES
from airflow_provider_audio.exceptions import AudioInputError, AudioJobFailedError, AudioServiceNotFoundError

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.sdk.types import TaskInstanceKey

    from airflow_provider_audio.hooks.base import AudioServiceHook
    from airflow_provider_audio.triggers.base import AudioPollingTrigger, PollResult

# A job's state in the task state store: its ids (JSON), plus what the path below keeps there.
Job = dict[str, Any]

HookT = TypeVar("HookT", bound="AudioServiceHook")


class XComUrlLink(BaseOperatorLink):
    """An extra link to the URL an operator pushed to XCom under ``xcom_key`` (empty until then)."""

    xcom_key: ClassVar[str]

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        url = XCom.get_value(ti_key=ti_key, key=self.xcom_key)
        return str(url) if url else ""


class ServiceHookMixin(Generic[HookT]):
    """
    ``self.hook``: the service's hook of ``self.conn_id``, made once per task. Each service's
    operator module has a mixin that names its hook class by path, imported when a task first needs
    it: DAG files that use the operators parse without the HTTP client.
    """

    conn_id: str
    # The hook class as ``module.Class``, imported when a task first needs it.
    hook_path: ClassVar[str]

    @cached_property
    def hook(self) -> HookT:
        """The hook of ``conn_id``, made once per task."""
        module, _, name = self.hook_path.rpartition(".")
        hook_class: type[HookT] = getattr(importlib.import_module(module), name)
        return hook_class(self.conn_id)


class AudioJobOperator(BaseOperator):
    """
    Base of every operator that submits a job to a service and waits for it.

    :meth:`execute` is the one path: validate everything that can be checked before paying ->
    look up the job an earlier try of this task stored in the task state store and judge it with
    one poll of the trigger that waits on it (gone or failed: submit anew; finished: finish now;
    still working: wait on it) -> otherwise submit once and store the job at once -> wait in the
    triggerer (deferrable) or in the task with the trigger's own loop -> turn the event into the
    task's result. Subclasses fill in the steps that are theirs:

    - :meth:`validate`, :meth:`submit`, :meth:`make_trigger` and :meth:`job_result`;
    - optionally :meth:`job_xcom` (what to push to XCom as soon as the job is known),
      :meth:`stale_reason` (a stored job that cannot be carried on, judged without a call) and
      :meth:`carry_on` (work between submitting and waiting, such as sending parts).

    :param conn_id: the service's connection.
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
        conn_id: str,
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
        self.conn_id = conn_id
        self.poll_interval = poll_interval
        self.job_timeout = job_timeout
        self.deadline = deadline
        self.max_consecutive_failures = max_consecutive_failures
        self.deferrable = deferrable

    # -- the steps of a subclass ---------------------------------------------------------------

    def validate(self, context: Context) -> None:
        """Check the rendered input and everything that can fail before paying; raise
        :class:`AudioInputError` naming every bad field."""
        raise NotImplementedError

    def submit(self, context: Context, partial: Job | None) -> Job:
        """
        Start the job (the billed call); return its ids, JSON-serializable.

        :param partial: what an earlier try stored while submitting in several calls (see
            :meth:`remember_partial`); usually ``None``.
        """
        raise NotImplementedError

    def make_trigger(self, job: Job) -> AudioPollingTrigger:
        """The trigger that waits on ``job`` (use :meth:`wait_arguments` for its common arguments)."""
        raise NotImplementedError

    def job_result(self, context: Context, event: dict[str, Any]) -> Any:
        """The task's result, from the trigger's success event."""
        raise NotImplementedError

    def job_xcom(self, job: Job) -> dict[str, Any]:
        """XCom key -> value pushed as soon as the job is known (its ids); nothing by default."""
        return {}

    def stale_reason(self, job: Job) -> str | None:
        """Why a stored job cannot be carried on, judged without a call (the input changed)."""
        return None

    def carry_on(self, context: Context, job: Job, judged: PollResult | None) -> None:
        """
        Work between submitting and waiting; nothing by default.

        :param judged: the poll that judged a stored job, or ``None`` for a job just submitted.
        """

    # -- the one path --------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        self.validate(context)
        job, judged = self._recall_job(context)
        if job is None or not job.get("submitted", True):
            job = self.submit(context, job)
            job["submitted"] = True
            job.setdefault("deadline", self.deadline_from_now())
            self.remember(context, job)
            judged = None
        for key, value in self.job_xcom(job).items():
            context["ti"].xcom_push(key=key, value=value)
        self.carry_on(context, job, judged)
        trigger = self.make_trigger(job)
        if judged is not None and judged.done:
            return self.execute_complete(
                context, trigger.event_payload("success", judged.message, judged.result)
            )
        return self.wait_for(context, trigger)

    def _recall_job(self, context: Context) -> tuple[Job | None, PollResult | None]:
        """The job an earlier try of this task stored, if it is worth carrying on, and how it stands."""
        stored = self.recall(context)
        if not stored:
            return None, None
        reason = self.stale_reason(stored)
        trigger = self.make_trigger(stored)
        if reason is not None:
            self.log.warning("%s from an earlier try: %s; submitting anew", trigger.describe(), reason)
            return None, None
        try:
            judged = asyncio.run(trigger.poll_once())
        except AudioServiceNotFoundError:
            self.log.warning("%s from an earlier try no longer exists; submitting anew", trigger.describe())
            return None, None
        if judged.done and not judged.succeeded:
            self.log.warning(
                "%s from an earlier try failed (%s); submitting anew", trigger.describe(), judged.message
            )
            return None, None
        self.log.info("Re-attaching to %s from an earlier try (%s)", trigger.describe(), judged.message)
        return stored, judged

    def recall(self, context: Context) -> Job | None:
        """The job an earlier try of this task remembered, if Airflow offers a task state store."""
        store = context.get("task_state_store")
        stored = store.get(self.state_store_key) if store is not None else None
        return dict(stored) if isinstance(stored, dict) else None

    def remember(self, context: Context, job: Job) -> None:
        """Keep ``job`` for a retry of this task (no-op where there is no task state store)."""
        store = context.get("task_state_store")
        if store is not None:
            store.set(self.state_store_key, job)

    def remember_partial(self, context: Context, job: Job) -> None:
        """Keep a job submitted in several calls after each call, so a retry carries it on."""
        self.remember(context, {**job, "submitted": False})

    def deadline_from_now(self) -> float:
        """The absolute deadline of a job submitted now, as a UNIX timestamp."""
        deadline = time.time() + self.job_timeout.total_seconds()
        if self.deadline is not None:
            deadline = min(deadline, self.deadline.timestamp())
        return deadline

    def wait_arguments(self, job: Job) -> dict[str, Any]:
        """The arguments every trigger takes besides the job's ids (a job still being submitted in
        several calls has no deadline yet: it counts from now)."""
        return {
            "conn_id": self.conn_id,
            "poll_interval": self.poll_interval,
            "deadline": float(job.get("deadline") or self.deadline_from_now()),
            "max_consecutive_failures": self.max_consecutive_failures,
        }

    def wait_for(self, context: Context, trigger: AudioPollingTrigger) -> Any:
        """Defer to ``trigger`` (deferrable mode), or poll with it here and finish at once."""
        if self.deferrable:
            self.defer(trigger=trigger, method_name="execute_complete")
        self.log.info("Waiting in the task (deferrable=False) on %s", trigger.describe())
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
        return self.job_result(context, event)
