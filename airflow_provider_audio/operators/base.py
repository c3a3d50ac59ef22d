"""What the provider's operators share: how they reach their service's hook, and the one path
every operator that submits a remote job and waits on it follows."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, get_args

from airflow.sdk import BaseOperator, BaseOperatorLink, conf
from airflow.sdk.definitions.retry_policy import RetryDecision, RetryPolicy

from airflow_provider_audio.defaults import DEFAULT_MAX_CONSECUTIVE_FAILURES
from airflow_provider_audio.exceptions import (
    AudioCostGuardError,
    AudioInputError,
    AudioJobFailedError,
    AudioLostSubmitError,
    AudioServiceAuthError,
    AudioServiceCreditsError,
    AudioServiceError,
    AudioServiceNotFoundError,
    AudioServiceRateLimitError,
    AudioServiceRequestError,
    AudioServiceServerError,
    AudioServiceTransportError,
)

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.sdk.types import TaskInstanceKey

    from airflow_provider_audio.hooks.base import AudioServiceHook
    from airflow_provider_audio.triggers.base import AudioPollingTrigger, PollResult

# A job's state in the task state store: its ids (JSON), plus what the path below keeps there.
Job = dict[str, Any]

HookT = TypeVar("HookT", bound="AudioServiceHook")

# What a job operator does when an earlier try's billed submit may have created a job it cannot
# find: send it again (and say so), or fail without sending.
OnLostSubmit = Literal["resubmit", "fail"]
ON_LOST_SUBMIT_CHOICES: tuple[str, ...] = get_args(OnLostSubmit)

# Errors no retry can cure: the input, the key, the balance, a refused price, a lost submit that
# must not be sent again.
_NEVER_RETRIED = (
    AudioInputError,
    AudioCostGuardError,
    AudioLostSubmitError,
    AudioServiceAuthError,
    AudioServiceCreditsError,
    AudioServiceRequestError,
)


class AudioRetryPolicy(RetryPolicy):
    """
    The provider's Airflow retry policy (Airflow 3.3's ``retry_policy``), the default of its
    operators: errors no retry can cure (bad input, a refused key, not enough credits, a request
    the service rejects, a refused price, a lost submit under ``on_lost_submit="fail"``) fail the
    task at once; a rate limit that named its wait retries after that wait; anything else follows
    the task's own ``retries`` and ``retry_delay``.
    """

    def evaluate(
        self, exception: BaseException, try_number: int, max_tries: int, context: Any = None
    ) -> RetryDecision:
        if isinstance(exception, _NEVER_RETRIED):
            return RetryDecision.fail(reason=f"{type(exception).__name__}: trying again cannot help")
        if isinstance(exception, AudioServiceRateLimitError) and exception.retry_after:
            return RetryDecision.retry(
                delay=timedelta(seconds=exception.retry_after),
                reason=f"{exception.service} asked to wait {exception.retry_after:.0f} s",
            )
        return RetryDecision.default()


AUDIO_RETRY_POLICY = AudioRetryPolicy()


class XComUrlLink(BaseOperatorLink):
    """
    An extra link to the object a task made or changed: the URL its operator recorded under
    ``xcom_key`` (:meth:`ServiceHookMixin.record_link`), which is also the XCom of that key.

    Airflow 3 asks ``get_link`` once at the end of every attempt (a deferring one included), in the
    task's process, and keeps the answer in XCom under ``xcom_key`` for the UI. A provider operator
    answers from what it recorded during this attempt, empty when it recorded nothing (it failed
    first, or it is deferring): no XCom is read that may not exist, which would log an error of its
    own beside the task's. Another operator's URL is read from XCom.
    """

    xcom_key: ClassVar[str]

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        recorded = getattr(operator, "recorded_links", None)
        if isinstance(recorded, dict):
            return str(recorded.get(_attempt(ti_key), {}).get(self.xcom_key, ""))
        from airflow.sdk.execution_time.xcom import XCom

        url = XCom.get_value(ti_key=ti_key, key=self.xcom_key)
        return str(url) if url else ""


def vendor_console_url(operator: BaseOperator, url: str) -> str:
    """
    ``url``, a page of a vendor's own console, when the operator's connection reaches that
    vendor's API (:meth:`~airflow_provider_audio.hooks.base.AudioServiceHook.points_at_service`);
    ``""`` for the sandbox or any other host, whose objects the vendor's console does not hold, and
    when the connection cannot be read.
    """
    from airflow.sdk.exceptions import AirflowNotFoundException

    hook = getattr(operator, "hook", None)
    if hook is None:
        return ""
    try:
        return url if hook.points_at_service() else ""
    except (AirflowNotFoundException, AudioInputError):
        return ""


def _attempt(ti: Any) -> tuple[Any, ...]:
    """One attempt of one task instance: DAG, task, run, map index and try."""
    return (ti.dag_id, ti.task_id, ti.run_id, ti.map_index, getattr(ti, "try_number", None))


class ServiceHookMixin(Generic[HookT]):
    """
    ``self.hook``: the service's hook of ``self.conn_id``, made once per task. Each service's
    operator module has a mixin that names its hook class by path, imported when a task first needs
    it: DAG files that use the operators parse without the HTTP client.
    """

    conn_id: str
    # The hook class as ``module.Class``, imported when a task first needs it.
    hook_path: ClassVar[str]
    # BaseOperator's logger, which every class this mixes into has.
    log: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("retry_policy", AUDIO_RETRY_POLICY)
        super().__init__(*args, **kwargs)
        # attempt -> link XCom key -> URL, as record_link kept them (read by XComUrlLink).
        self.recorded_links: dict[tuple[Any, ...], dict[str, str]] = {}

    def record_link(self, context: Context, key: str, url: str | None) -> None:
        """
        The URL of the object this task made or changed: pushed to XCom under ``key`` and kept
        for the extra link of that key (:class:`XComUrlLink`), for this attempt only.

        :param key: the link's ``xcom_key``.
        :param url: the URL; ``None`` or empty: no link.
        """
        ti = context["ti"]
        value = str(url) if url else ""
        ti.xcom_push(key=key, value=value)
        self.recorded_links.setdefault(_attempt(ti), {})[key] = value

    def log_changed(self, what: str, changes: Mapping[str, Any], before: Mapping[str, Any] | None) -> None:
        """
        The line an update logs: ``Changed media 42: title: 'Draft' -> 'Harbour lights'; ...``
        (:func:`~airflow_provider_audio.log_format.change_lines`).

        :param what: the object, with its id.
        :param changes: the fields sent and their new values.
        :param before: the object's fields as read before the change (``None``: not read).
        """
        from airflow_provider_audio.log_format import change_lines

        self.log.info("Changed %s: %s", what, "; ".join(change_lines(changes, before)))

    def log_made(
        self,
        context: Context,
        made: str,
        *,
        took_seconds: float | None = None,
        size_bytes: int | None = None,
        audio_seconds: float | None = None,
        location: str | None = None,
        url: str | None = None,
    ) -> None:
        """
        The one line a task logs about what it made (:func:`~airflow_provider_audio.log_format.summary_line`):
        ``Made audioform 42: 1.2 MiB, 32.5 s of audio, in 2m10s; written to ...; https://...``.

        :param made: what, with its id.
        :param took_seconds: how long it took; by default since this attempt started.
        :param size_bytes: its size.
        :param audio_seconds: the audio's duration.
        :param location: where a copy was written.
        :param url: where it can be fetched or played.
        """
        from airflow_provider_audio.log_format import summary_line

        if took_seconds is None:
            started = getattr(context["ti"], "start_date", None)
            took_seconds = (datetime.now(UTC) - started).total_seconds() if started else None
        line = summary_line(
            made,
            size_bytes=size_bytes,
            audio_seconds=audio_seconds,
            took_seconds=took_seconds,
            location=location,
            url=url,
        )
        self.log.info("%s", line)

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
      :meth:`stale_reason` (a stored job that cannot be carried on, judged without a call),
      :meth:`find_lost_job` (where the service can be asked for a job whose submit answer was lost)
      and :meth:`carry_on` (work between submitting and waiting, such as sending parts).

    **A lost answer is not paid twice.** Before the billed call an *intent* (a marker made here,
    the moment, the route) is kept in the task state store, and the job's ids replace it once the
    answer arrives. A retry that finds an intent without ids knows the answer was lost after the
    service may have acted: it asks :meth:`find_lost_job` first (a lookup by the marker or by name,
    checked on the client); where the service cannot be asked, ``on_lost_submit`` decides: ``"fail"``
    (the default) fails the task without sending anything, ``"resubmit"`` sends it again and says
    so in the log and in XCom (``lost_submit``). Errors that prove nothing was started (a 4xx, a
    refused connection) clear the intent.

    :param conn_id: the service's connection.
    :param poll_interval: seconds between two polls.
    :param job_timeout: how long the job may take once submitted.
    :param deadline: an absolute deadline (timezone-aware); the earlier of it and the timeout wins.
    :param max_consecutive_failures: transient failures in a row tolerated while waiting.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param on_lost_submit: ``"fail"`` or ``"resubmit"``: what a retry does when the answer to the
        billed submit of an earlier try was lost and the service cannot be asked what it did.
    """

    # The billed request, as the lost-submit messages name it (``POST /audioforms``).
    submit_route: ClassVar[str]
    # Whether find_lost_job can ask the service for a job whose submit answer was lost.
    finds_lost_jobs: ClassVar[bool] = False

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
        on_lost_submit: OnLostSubmit = "fail",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        problems = []
        if on_lost_submit not in ON_LOST_SUBMIT_CHOICES:
            problems.append(f"on_lost_submit: {on_lost_submit!r}; allowed values: {ON_LOST_SUBMIT_CHOICES}")
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
        self.on_lost_submit = on_lost_submit
        # The marker of the submit under way (see find_lost_job); a subclass may send it along.
        self.intent_marker = ""

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

    def find_lost_job(self, context: Context, intent: dict[str, Any]) -> Job | None:
        """
        The job an earlier try's submit created although its answer was lost, found on the service
        by ``intent["marker"]`` (which :meth:`submit` sent along, see ``intent_marker``) or by
        name, every field relied on checked on the client; ``None`` when there is none. Only called
        when ``finds_lost_jobs`` is set.

        :param intent: ``{"marker", "at" (UNIX time of the submit), "route"}``.
        """
        raise NotImplementedError

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
        stored = self.recall(context) or {}
        job, judged = self._recall_job(context)
        if job is None or not job.get("submitted", True):
            found = self._settle_lost_submit(context, stored.get("intent"))
            job = found if found is not None else self._submit_once(context, job)
            job["submitted"] = True
            job.setdefault("deadline", self.deadline_from_now())
            job.setdefault("started_at", time.time())
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

    def _settle_lost_submit(self, context: Context, intent: dict[str, Any] | None) -> Job | None:
        """
        Before paying: when an earlier try's submit answer was lost (an intent without ids), the
        job it may have created, if the service can be asked; else the ``on_lost_submit`` policy.
        """
        if not intent:
            return None
        sent_at = datetime.fromtimestamp(float(intent["at"]), UTC).isoformat(timespec="seconds")
        lost = f"an earlier try sent {intent['route']} at {sent_at} and its answer was lost"
        if self.finds_lost_jobs:
            found = self.find_lost_job(context, intent)
            if found is not None:
                self.log.warning("%s; found the job it created: %s", lost, found)
                return found
            self.log.warning("%s; the service holds no job of it, so it is sent again", lost)
            return None
        if self.on_lost_submit == "fail":
            raise AudioLostSubmitError(
                f"{lost}; the service may have started (and billed) a job this task cannot find, and "
                f"it offers no way to ask. on_lost_submit='fail': nothing is sent again. Check the "
                f"service's console, then clear this task with on_lost_submit='resubmit' to send it anew."
            )
        self.log.warning(
            "%s; the service may have started a job this task cannot find. on_lost_submit='resubmit': "
            "sending it again, which may pay twice",
            lost,
        )
        context["ti"].xcom_push(key="lost_submit", value={"route": intent["route"], "sent_at": sent_at})
        return None

    def _submit_once(self, context: Context, partial: Job | None) -> Job:
        """The billed submit, with its intent kept in the task state store while it is under way."""
        self.intent_marker = uuid.uuid4().hex
        intent = {"marker": self.intent_marker, "at": time.time(), "route": self.submit_route}
        self.remember(context, {**(partial or {}), "intent": intent})
        try:
            return self.submit(context, partial)
        except AudioServiceError as error:
            if not may_have_acted(error):
                self.remember(context, dict(partial or {}))
            raise

    def _recall_job(self, context: Context) -> tuple[Job | None, PollResult | None]:
        """The job an earlier try of this task stored, if it is worth carrying on, and how it stands."""
        stored = self.recall(context)
        if not stored or not _has_ids(stored):
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

    def job_elapsed(self, context: Context) -> float | None:
        """Seconds since the stored job was submitted (``None`` when no submit time was kept)."""
        started_at = (self.recall(context) or {}).get("started_at")
        return time.time() - float(started_at) if started_at else None

    def deadline_from_now(self) -> float:
        """The absolute deadline of a job submitted now, as a UNIX timestamp."""
        deadline = time.time() + self.job_timeout.total_seconds()
        if self.deadline is not None:
            deadline = min(deadline, self.deadline.timestamp())
        return deadline

    def wait_arguments(self, job: Job) -> dict[str, Any]:
        """The arguments every trigger takes besides the job's ids (a job still being submitted in
        several calls has no deadline yet: it counts from now; a job stored before its submit time
        was kept: its elapsed time counts from now)."""
        return {
            "conn_id": self.conn_id,
            "poll_interval": self.poll_interval,
            "deadline": float(job.get("deadline") or self.deadline_from_now()),
            "max_consecutive_failures": self.max_consecutive_failures,
            "started_at": float(job.get("started_at") or time.time()),
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


def task_mark(context: Context) -> str:
    """
    A short mark of this task instance (DAG, task, run, map index), the same for every try of it:
    what an operator puts on the objects it creates, to know them later as its own.
    """
    ti = context["ti"]
    identity = "\x1f".join(str(part) for part in (ti.dag_id, ti.task_id, ti.run_id, ti.map_index))
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _has_ids(stored: Job) -> bool:
    """Whether a stored job holds more than an intent (ids an answer gave)."""
    return any(key not in ("intent", "submitted", "deadline", "started_at") for key in stored)


def may_have_acted(error: AudioServiceError) -> bool:
    """Whether the service may have started the work before ``error`` (its answer then lost)."""
    if isinstance(error, AudioServiceTransportError):
        return error.request_sent
    return isinstance(error, AudioServiceServerError)
