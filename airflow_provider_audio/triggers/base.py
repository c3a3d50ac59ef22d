"""The polling loop every long-job trigger of the provider shares."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NotRequired, TypedDict

from airflow.triggers.base import BaseTrigger, TriggerEvent
from pydantic import PrivateAttr

from airflow_provider_audio.client.http import preload_async_path
from airflow_provider_audio.client.service import RetryPolicy
from airflow_provider_audio.defaults import DEFAULT_MAX_CONSECUTIVE_FAILURES
from airflow_provider_audio.exceptions import AudioServiceError
from airflow_provider_audio.log_format import format_deadline, format_duration

if TYPE_CHECKING:
    from airflow_provider_audio.hooks.base import AudioServiceHook

EventStatus = Literal["success", "error", "timeout"]

# The calls of a killed task's clean-up: a few attempts, well inside ``kill_timeout``.
KILL_RETRY_POLICY = RetryPolicy(max_attempts=3, max_elapsed=10.0, max_wait=2.0)
# Clean-ups of killed tasks under way (a reference each, so none is collected before it ends).
_KILLS: set[asyncio.Future[None]] = set()

preload_async_path()


@dataclass(frozen=True)
class PollResult:
    """
    What one poll found.

    :param done: the job reached a terminal state.
    :param succeeded: it succeeded (only meaningful when ``done``).
    :param message: a human readable summary.
    :param result: JSON-serializable details for the operator (delivery, errors...).
    """

    done: bool
    succeeded: bool = False
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)


class FailureBudget:
    """
    Counts transient failures in a row; a success resets the count.

    :param limit: failures in a row that are still tolerated.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.consecutive = 0

    def record_failure(self) -> bool:
        """Count one failure; ``True`` while the budget is not exhausted."""
        self.consecutive += 1
        return self.consecutive <= self.limit

    def record_success(self) -> None:
        """A successful poll: the count starts again from zero."""
        self.consecutive = 0


class AudioTriggerEvent(TriggerEvent):
    """
    The provider's trigger events: a :class:`TriggerEvent` whose text is what it ended and how,
    not its whole payload. The triggerer logs every event it fires in the task's log ("Trigger fired
    event"); with the payload there, a failed build's errors showed there (twice: in the message
    and in the result) and again in the task's own failure. The payload reaches the task unchanged,
    and the task says the outcome once: its summary line, or its error.
    """

    _about: str = PrivateAttr(default="")

    @classmethod
    def about(cls, job: str, payload: dict[str, Any]) -> AudioTriggerEvent:
        """
        An event of ``payload`` about ``job``.

        :param job: the job in words (the trigger's :meth:`AudioPollingTrigger.describe`).
        :param payload: ``{status, message, <job ids>, result}``.
        """
        event = cls(payload=payload)
        event._about = job
        return event

    def __repr__(self) -> str:
        payload = self.payload if isinstance(self.payload, dict) else {}
        status = payload.get("status")
        ended = f"{status} on {self._about}"
        if status == "error":
            return f"TriggerEvent<{ended}: the task fails, saying why>"
        return f"TriggerEvent<{ended}: {payload.get('message')}>"


class WaitArguments(TypedDict):
    """
    What every wait takes besides its job's ids; all JSON-serializable, none a secret.

    :param conn_id: the Airflow connection of the service.
    :param poll_interval: seconds between two polls.
    :param deadline: absolute deadline, as a UNIX timestamp (survives triggerer restarts unchanged);
        ``None``: the task's trigger timeout, which Airflow sets when the task defers and keeps
        across triggerer restarts (how a task that starts in the triggerer is bounded).
    :param max_consecutive_failures: transient failures in a row tolerated before giving up.
    :param started_at: when the job was submitted, as a UNIX timestamp (the "elapsed" of the wait's
        log lines counts from it, across triggerer restarts); ``None``: from the wait's start.
    """

    conn_id: str
    poll_interval: float
    deadline: float | None
    max_consecutive_failures: NotRequired[int]
    started_at: NotRequired[float | None]


class AudioPollingTrigger(BaseTrigger):
    """
    Polls a remote job until it finishes, fails, or its deadline passes; then fires one event.

    The event is ``{"status": "success" | "error" | "timeout", "message", <job ids>, "result"}``.
    Non-transient errors (wrong key, unknown job) end the wait at once; transient ones (5xx,
    429, lost connections) are tolerated up to ``max_consecutive_failures`` in a row. Every wait
    is an ``asyncio.sleep`` and every call goes through the async client, so the triggerer's
    event loop is never blocked. The first poll comes after a random part of one interval: the job
    was submitted a moment ago, and triggers created together (a mapped task, a backfill, a
    triggerer restart) then poll spread over the interval instead of all at once.

    Subclasses name their service's hook in ``hook_class``, take their job's ids as explicit keyword
    arguments, return them from :meth:`job_kwargs` (they are serialized with the rest), and
    implement :meth:`poll`.

    :param conn_id: the Airflow connection of the service.
    :param poll_interval: seconds between two polls.
    :param deadline: absolute deadline, as a UNIX timestamp (survives triggerer restarts unchanged);
        ``None``: the task's trigger timeout, which Airflow sets when the task defers and keeps
        across triggerer restarts (how a task that starts in the triggerer is bounded).
    :param max_consecutive_failures: transient failures in a row tolerated before giving up.
    :param started_at: when the job was submitted, as a UNIX timestamp: the "Still working" lines
        count the elapsed time from it, across triggerer restarts. ``None`` (and a trigger serialized
        before this argument existed): from the start of this wait.
    """

    hook_class: ClassVar[type[AudioServiceHook]]

    def __init__(
        self,
        *,
        conn_id: str,
        poll_interval: float,
        deadline: float | None,
        max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES,
        started_at: float | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.conn_id = conn_id
        self.poll_interval = float(poll_interval)
        # None: Airflow's trigger timeout, known only in the triggerer (see run()).
        self._deadline_from_airflow = deadline is None
        self.deadline = math.inf if deadline is None else float(deadline)
        self.max_consecutive_failures = int(max_consecutive_failures)
        self.started_at = None if started_at is None else float(started_at)

    def job_kwargs(self) -> dict[str, Any]:
        """The job-specific constructor arguments (ids), all JSON-serializable."""
        raise NotImplementedError

    def describe(self) -> str:
        """The job in words, for logs: ``media 42`` for ``{"media_id": "42"}``."""
        return ", ".join(f"{name.removesuffix('_id')} {value}" for name, value in self.job_kwargs().items())

    def make_hook(self, retry_policy: RetryPolicy | None = None) -> AudioServiceHook:
        """
        A hook of :attr:`hook_class` for the connection.

        :param retry_policy: retry bounds; ``None`` for the connection's own. The wait loop passes
            ``RetryPolicy.no_retries()``: it retries itself.
        """
        return self.hook_class(self.conn_id, retry_policy=retry_policy)

    async def poll(self, hook: AudioServiceHook) -> PollResult:
        """Ask the service once how the job stands."""
        raise NotImplementedError

    async def poll_once(self) -> PollResult:
        """
        One poll with a hook of its own, the connection's retries included: how a task judges the
        job an earlier try stored, with the same reading of the answer as the wait.
        """
        hook = self.make_hook()
        try:
            return await self.poll(hook)
        finally:
            await hook.aclose()

    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {
            "conn_id": self.conn_id,
            "poll_interval": self.poll_interval,
            "deadline": None if self._deadline_from_airflow else self.deadline,
            "max_consecutive_failures": self.max_consecutive_failures,
            "started_at": self.started_at,
            **self.job_kwargs(),
        }

    def event_payload(
        self, status: EventStatus, message: str, result: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """What this trigger's event carries: ``{status, message, <job ids>, result}``."""
        return {"status": status, "message": message, **self.job_kwargs(), "result": result or {}}

    def _event(self, status: EventStatus, message: str, result: dict[str, Any] | None = None) -> TriggerEvent:
        return AudioTriggerEvent.about(self.describe(), self.event_payload(status, message, result))

    # What becomes of the job of a killed task when :meth:`kill_job` can do nothing about it; a
    # subclass names its service's case (which vendor material was searched for a cancel route).
    cancel_note: ClassVar[str] = "the service offers no way to cancel it; it goes on and may be billed"
    # Seconds a killed task's clean-up may spend on the service. It is shielded from Airflow's
    # cancels, so this is its bound (Airflow's own, [triggerer] on_kill_timeout, would otherwise
    # cut it short without a word of what was left undone).
    kill_timeout: ClassVar[float] = 15.0

    async def run(self) -> AsyncGenerator[TriggerEvent, None]:
        self._fired = False
        if self._deadline_from_airflow:
            # The triggerer sets timeout_after from the task's trigger timeout before run().
            timeout_after = getattr(self, "timeout_after", None)
            if timeout_after is None:
                self._fired = True
                yield self._event("error", f"no deadline for {self.describe()}: give one, or a timeout")
                return
            self.deadline = timeout_after.timestamp()
        event = await self.wait_for_event()
        self._fired = True
        yield event

    async def on_kill(self) -> None:
        """
        Airflow 3.3 calls this when a user kills the deferred task (marks it failed or succeeded,
        or clears it) while this trigger waits, never on a triggerer restart, a timeout or an
        event. :meth:`kill_job` cleans up what the service allows, within ``kill_timeout`` seconds,
        on the event loop; what it did, or why it could not, is logged, and nothing is raised.

        The work is shielded: Airflow 3.3.2 cancels the trigger again on each pass of the
        triggerer's loop (about a second) until it has ended, and that second cancel would
        otherwise cut a clean-up short mid-call. The shielded work finishes on its own.
        """
        self._killed = True
        work = asyncio.ensure_future(self._kill())
        _KILLS.add(work)
        work.add_done_callback(_KILLS.discard)
        await asyncio.shield(work)

    async def _kill(self) -> None:
        started = time.monotonic()
        try:
            outcome = await asyncio.wait_for(self.kill_job(), timeout=self.kill_timeout)
        except TimeoutError:
            self.log.error(
                "The task was killed while waiting on %s; cleaning up gave up after %.1f s: the job "
                "is left as it is",
                self.describe(),
                time.monotonic() - started,
            )
        except Exception as error:
            # on_kill must not raise (Airflow would only log it); say what was left instead.
            self.log.error(
                "The task was killed while waiting on %s; cleaning up failed, the job is left as it is: %s",
                self.describe(),
                error,
            )
        else:
            self.log.warning(
                "The task was killed while waiting on %s: %s (on_kill took %.2f s)",
                self.describe(),
                outcome,
                time.monotonic() - started,
            )

    async def kill_job(self) -> str:
        """
        Cancel or clean up the job of a killed task where the service allows it, and say in
        words what was done; by default nothing can be (``cancel_note``). Only a job the task
        itself created may be touched, which the service's own answer must show.
        """
        return self.cancel_note

    async def cleanup(self) -> None:
        """
        Called whenever the triggerer drops this trigger: after its event, on a kill (after
        :meth:`on_kill`), and when the triggerer stops or hands the trigger to another. The last
        touches nothing remote: the job goes on, and the triggerer that takes the trigger over
        resumes the wait.
        """
        if not getattr(self, "_fired", True) and not getattr(self, "_killed", False):
            self.log.warning(
                "Stopped waiting on %s before it ended (the triggerer stopped or handed the trigger "
                "on): the job goes on, and a triggerer that takes this trigger over resumes the wait",
                self.describe(),
            )

    async def wait_for_event(self) -> TriggerEvent:
        """
        Poll until the job ends or the deadline passes; the one event ``run`` fires.

        Operators in non-deferrable mode await this in the task, so both modes share one loop.
        """
        # Before anything else, so triggers created together also build their hooks spread out.
        await self._sleep(random.uniform(0.0, self.poll_interval))
        hook = self.make_hook(RetryPolicy.no_retries())
        try:
            return await self._wait(hook)
        finally:
            await hook.aclose()

    async def _wait(self, hook: AudioServiceHook) -> TriggerEvent:
        budget = FailureBudget(self.max_consecutive_failures)
        started_at = self.started_at if self.started_at is not None else time.time()
        while True:
            remaining = self.deadline - time.time()
            if remaining <= 0:
                return self._event("timeout", f"deadline passed before {self.describe()} finished")
            wait = self.poll_interval
            try:
                outcome = await self.poll(hook)
            except AudioServiceError as error:
                if not error.is_transient:
                    return self._event("error", str(error))
                if not budget.record_failure():
                    return self._event(
                        "error", f"gave up after {budget.consecutive} transient failures in a row: {error}"
                    )
                self.log.warning(
                    "Transient failure %d/%d: %s", budget.consecutive, self.max_consecutive_failures, error
                )
                wait = max(wait, error.retry_after or 0.0)
            else:
                budget.record_success()
                if outcome.done:
                    status: EventStatus = "success" if outcome.succeeded else "error"
                    return self._event(status, outcome.message, outcome.result)
                self.log.info("%s", self.still_working_line(outcome.message, started_at))
            await self._sleep(wait)

    def still_working_line(self, status: str, started_at: float, now: float | None = None) -> str:
        """
        ``Still working on audioform 42: building; 2m10s elapsed, deadline 14:05:00 UTC (in
        57m50s)``: what is waited on, how it stands, since when and until when.

        :param status: the poll's message (empty: none).
        :param started_at: when the job was submitted (or the wait began), as a UNIX timestamp.
        :param now: the moment of the line (default: now).
        """
        now = time.time() if now is None else now
        stands = f": {status}" if status else ""
        return (
            f"Still working on {self.describe()}{stands}; {format_duration(now - started_at)} elapsed, "
            f"deadline {format_deadline(self.deadline, now)}"
        )

    async def _sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, but not past the deadline."""
        await asyncio.sleep(max(0.0, min(seconds, self.deadline - time.time())))
