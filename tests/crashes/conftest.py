"""
Crash tests: real Airflow components (``tests/scheduler/conftest.py``'s stack) running the DAGs of
``tests/crashes/dags`` against a sandbox subprocess, while the test kills a task process or stops
the triggerer.

One stack serves the whole module (starting it is most of the cost); the sandbox is reset before
each test. Every wait is bounded and checks that no component died meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from tests.crashes.dags.crash_dags import DAG_IDS
from tests.scheduler.conftest import AirflowStack, running_stack, session_members

DAGS_FOLDER = Path(__file__).resolve().parent / "dags"
#: Bound on one DAG run, from its trigger to its end (each takes well under a minute).
RUN_TIMEOUT = 120.0
#: Bound on a short wait (a task started, a part sent, a trigger polled...).
STEP_TIMEOUT = 60.0
POLL_SECONDS = 0.2
#: Sandbox knobs the tests change, restored after each.
RESTORED_KNOBS = ("build_seconds", "transcode_seconds")

T = TypeVar("T")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "crashes: kills task processes or stops the triggerer of real Airflow components mid-job",
    )


# -- waiting ---------------------------------------------------------------------------------------


def wait_for(
    stack: AirflowStack, what: str, probe: Callable[[], T | None], timeout: float = STEP_TIMEOUT
) -> T:
    """
    Call ``probe`` every ``POLL_SECONDS`` until it returns something truthy, and return that; fail
    naming ``what`` after ``timeout`` seconds, or at once if a component has died.
    """
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / POLL_SECONDS) + 1):
        stack.check_alive()
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")


# -- the metadata database (read-only) ---------------------------------------------------------------


@dataclass(frozen=True)
class TaskInstanceRow:
    """The current try of a task instance, as the ``task_instance`` table holds it."""

    id: str
    state: str | None
    try_number: int
    trigger_id: int | None

    @property
    def uuid(self) -> str:
        """The id as the task SDK prints it (SQLite stores it as 32 hex digits)."""
        return str(uuid.UUID(self.id))


def task_instance(stack: AirflowStack, dag_id: str, run_id: str, task_id: str) -> TaskInstanceRow | None:
    rows = stack.query(
        "SELECT id, state, try_number, trigger_id FROM task_instance"
        " WHERE dag_id = ? AND run_id = ? AND task_id = ? AND map_index = -1",
        (dag_id, run_id, task_id),
    )
    if not rows:
        return None
    ti_id, state, try_number, trigger_id = rows[0]
    return TaskInstanceRow(str(ti_id), state, int(try_number), trigger_id)


def earlier_tries(stack: AirflowStack, dag_id: str, run_id: str, task_id: str) -> list[tuple[int, str]]:
    """``(try_number, state)`` of the tries Airflow archived in ``task_instance_history``."""
    rows = stack.query(
        "SELECT try_number, state FROM task_instance_history"
        " WHERE dag_id = ? AND run_id = ? AND task_id = ? ORDER BY try_number",
        (dag_id, run_id, task_id),
    )
    return [(int(number), str(state)) for number, state in rows or []]


def state_store_value(stack: AirflowStack, dag_id: str, run_id: str, task_id: str, key: str) -> Any:
    """The value the task keeps under ``key`` in Airflow's task state store (``None`` if none yet)."""
    rows = stack.query(
        "SELECT value FROM task_state_store WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = ?",
        (dag_id, run_id, task_id, key),
    )
    return json.loads(rows[0][0]) if rows else None


@dataclass
class TaskWatch:
    """What watching one task instance until its run ended saw."""

    run_state: str | None = None
    #: ``(seconds since the watch began, state, try_number)`` each time the pair changed.
    timeline: list[tuple[float, str | None, int]] = field(default_factory=list)

    def first(self, state: str, try_number: int) -> float | None:
        """Seconds from the start of the watch until the task was first seen in that state and try."""
        for at, seen, number in self.timeline:
            if (seen, number) == (state, try_number):
                return at
        return None

    def describe(self) -> str:
        return "\n".join(f"  {at:6.1f}s try {number}: {state}" for at, state, number in self.timeline)


def watch_task(
    stack: AirflowStack, dag_id: str, run_id: str, task_id: str, timeout: float = RUN_TIMEOUT
) -> TaskWatch:
    """Record the task instance's ``(state, try_number)`` changes until its run ends."""
    watch = TaskWatch()
    started = time.monotonic()

    def ended() -> bool:
        ti = task_instance(stack, dag_id, run_id, task_id)
        if ti is not None and (not watch.timeline or watch.timeline[-1][1:] != (ti.state, ti.try_number)):
            watch.timeline.append((time.monotonic() - started, ti.state, ti.try_number))
        rows = stack.query("SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", (dag_id, run_id))
        watch.run_state = rows[0][0] if rows else None
        return watch.run_state in ("success", "failed")

    wait_for(stack, f"the run {dag_id}/{run_id} to end", ended, timeout)
    return watch


def decrypt_trigger_kwargs(stack: AirflowStack, stored: list[str]) -> list[dict[str, Any]]:
    """
    The kwargs of ``trigger`` rows as stored (``trigger.kwargs``, encrypted when a Fernet key is set),
    read back by Airflow's own model in a short subprocess with the stack's environment (and so its
    Fernet key).
    """
    code = (
        "import json, sys\n"
        "from airflow.models.trigger import Trigger\n"
        "out = []\n"
        "for raw in json.load(sys.stdin):\n"
        "    trigger = Trigger(classpath='', kwargs={})\n"
        "    trigger.encrypted_kwargs = raw\n"
        "    out.append(trigger.kwargs)\n"
        "print(json.dumps(out))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(stored),
        env=stack.env,
        cwd=stack.home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, f"decrypting trigger kwargs failed:\n{completed.stderr[-3000:]}"
    decoded: list[dict[str, Any]] = json.loads(completed.stdout.strip().splitlines()[-1])
    return decoded


def task_log(stack: AirflowStack, dag_id: str, run_id: str, task_id: str, name: str) -> str:
    """A task log file's text (``attempt=2.log``, ``attempt=1.log.trigger.3.log``...); '' if missing."""
    path = stack.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}" / name
    return path.read_text(errors="replace") if path.exists() else ""


# -- processes --------------------------------------------------------------------------------------


def cmdline(pid: int) -> str | None:
    """A process's command line (as ``setproctitle`` left it), or ``None`` when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")


def parent_pid(pid: int) -> int | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(raw[raw.rfind(")") + 2 :].split()[1])


def process_group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def is_gone(pid: int) -> bool:
    """Exited (reaped, or a zombie waiting for its parent)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return raw[raw.rfind(")") + 2 :].split()[0] == "Z"


@dataclass(frozen=True)
class TaskProcesses:
    """
    The two processes of a running task under LocalExecutor (Airflow 3): a LocalExecutor worker,
    which runs the task SDK's *supervisor* (it talks to the execution API, heartbeats and relays
    logs), and the *task runner* it forked, which imports the DAG and runs ``execute()``.
    """

    runner_pid: int
    runner_cmdline: str
    runner_pgid: int
    supervisor_pid: int
    supervisor_cmdline: str


def find_task_processes(stack: AirflowStack, ti: TaskInstanceRow) -> TaskProcesses | None:
    """
    The supervisor and task runner of ``ti``, found among the scheduler's session in ``/proc``.

    The task runner retitles itself ``airflow worker -- <ti id>`` once it got its start-up message
    (until then it still carries its parent's title); its parent, the LocalExecutor worker
    supervising it, is titled ``airflow worker -- LocalExecutor: <ti id>``.
    """
    runner_title = f"airflow worker -- {ti.uuid}"
    supervisor_title = f"airflow worker -- LocalExecutor: {ti.uuid}"
    for pid in session_members(stack.component("scheduler").pgid):
        if cmdline(pid) != runner_title:
            continue
        parent = parent_pid(pid)
        pgid = process_group(pid)
        if parent is None or pgid is None or cmdline(parent) != supervisor_title:
            continue
        return TaskProcesses(pid, runner_title, pgid, parent, supervisor_title)
    return None


# -- the sandbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxAdmin:
    """The sandbox subprocess's admin routes (no auth, never faulted, never counted)."""

    base_url: str

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.base_url}/_sandbox{path}", json=body, timeout=10)
        assert response.ok, f"{method} /_sandbox{path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def patch(self, **knobs: Any) -> None:
        self._call("PATCH", "/settings", knobs)

    def fault(self, **spec: Any) -> None:
        self._call("POST", "/faults", spec)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self._call("GET", "/settings")
        return settings

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._call("GET", "/stats")
        return stats

    def count(self, method: str, prefix: str, suffix: str = "") -> int:
        """Requests counted on routes ``"{method} {prefix}...{suffix}"`` (templates, e.g. ``{media_id}``)."""
        counts: dict[str, int] = self.stats()["requests"]
        return sum(
            count
            for route, count in counts.items()
            if route.startswith(f"{method} {prefix}") and route.endswith(suffix)
        )

    def media(self, media_id: str) -> dict[str, Any]:
        media: dict[str, Any] = self._call("GET", f"/aioz/media/{media_id}")
        return media


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crash_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStack]:
    """One Airflow stack for the module, with every crash DAG parsed and unpaused."""
    started = time.monotonic()
    with running_stack(tmp_path_factory.mktemp("airflow-crashes"), dags_folder=DAGS_FOLDER) as stack:
        try:
            for dag_id in DAG_IDS:
                stack.wait_until_ready(dag_id)
        except BaseException:
            print(stack.diagnostics())
            raise
        print(f"\ncrash stack ready in {time.monotonic() - started:.1f} s (db migrate included)")
        yield stack


@contextlib.contextmanager
def fresh_sandbox(
    stack: AirflowStack, restored_knobs: Sequence[str] = RESTORED_KNOBS
) -> Iterator[SandboxAdmin]:
    """
    The stack's sandbox, reset (no jobs, counters or faults); on leaving its faults are cleared and
    the ``restored_knobs`` (those a test may change) put back.
    """
    admin = SandboxAdmin(stack.sandbox_url)
    knobs = admin.settings()
    admin.reset()
    yield admin
    admin.clear_faults()
    admin.patch(**{knob: knobs[knob] for knob in restored_knobs})


@pytest.fixture
def sandbox(crash_stack: AirflowStack) -> Iterator[SandboxAdmin]:
    """The stack's sandbox, reset for the test (:func:`fresh_sandbox`)."""
    with fresh_sandbox(crash_stack) as admin:
        yield admin
