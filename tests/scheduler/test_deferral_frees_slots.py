"""
Waiting on builds holds no worker slot: proven on a real scheduler and triggerer.

Ten mapped ``AudioStackBuildAudioformOperator(deferrable=True)`` builds, 20 s each on the sandbox,
run with LocalExecutor at ``[core] parallelism = 2``. A design that holds a worker slot while it
waits needs 5 rounds of 2 builds (>= 100 s); deferring, every build waits in the triggerer at the
same time and the run ends in about one build time plus the start-up of the ten tasks.

The run is triggered through the api-server's REST API, and watched in the metadata database
(read-only) every half second until it ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import pytest
import requests

from tests.scheduler.conftest import BUILD_SECONDS, AirflowStack
from tests.scheduler.dags.deferral_frees_slots import BUILDS, DAG_ID

RUN_ID = "deferral-frees-slots"
PARALLELISM = 2
#: Bound on watching the run, from the trigger; it should take well under a quarter of it.
RUN_TIMEOUT = 240.0
POLL_SECONDS = 0.5


@dataclass
class RunWatch:
    """What watching the run's task instances saw."""

    state: str | None = None
    wall_seconds: float = 0.0
    max_deferred: int = 0
    max_running: int = 0
    final: dict[str, int] = field(default_factory=dict)
    #: ``(seconds since trigger, {state: count})`` each time the counts changed.
    timeline: list[tuple[float, dict[str, int]]] = field(default_factory=list)

    def describe(self) -> str:
        return "\n".join(f"  {at:6.1f}s {counts}" for at, counts in self.timeline)


def watch_run(stack: AirflowStack, triggered_at: float) -> RunWatch:
    """Poll the run's task-instance states every ``POLL_SECONDS`` until it ends or ``RUN_TIMEOUT``."""
    watch = RunWatch()
    deadline = triggered_at + RUN_TIMEOUT
    for _ in range(int(RUN_TIMEOUT / POLL_SECONDS) + 1):
        stack.check_alive()
        now = time.monotonic()
        rows = stack.query(
            "SELECT COALESCE(state, 'none'), COUNT(*) FROM task_instance"
            " WHERE dag_id = ? AND run_id = ? GROUP BY state",
            (DAG_ID, RUN_ID),
        )
        run = stack.query("SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", (DAG_ID, RUN_ID))
        # None: the database was busy for 2 s; skip this sample.
        if rows is not None:
            counts = dict(sorted(rows))
            watch.max_deferred = max(watch.max_deferred, counts.get("deferred", 0))
            watch.max_running = max(watch.max_running, counts.get("running", 0))
            if not watch.timeline or watch.timeline[-1][1] != counts:
                watch.timeline.append((now - triggered_at, counts))
            watch.final = counts
        if run:
            watch.state = run[0][0]
            if watch.state in ("success", "failed"):
                watch.wall_seconds = now - triggered_at
                return watch
        if now > deadline:
            break
        time.sleep(POLL_SECONDS)
    watch.wall_seconds = time.monotonic() - triggered_at
    return watch


def run_seconds_in_db(stack: AirflowStack) -> float | None:
    """The run's ``queued_at`` to ``end_date`` as Airflow recorded them."""
    rows = stack.query(
        "SELECT queued_at, end_date FROM dag_run WHERE dag_id = ? AND run_id = ?", (DAG_ID, RUN_ID)
    )
    if not rows or None in rows[0]:
        return None
    queued_at, end_date = (datetime.fromisoformat(value) for value in rows[0])
    return (end_date - queued_at).total_seconds()


@pytest.mark.scheduler
# Above the sum of the test's own bounds (start-up, run, teardown), so those fail first, with logs.
@pytest.mark.timeout(660)
def test_deferred_builds_hold_no_worker_slot(airflow_stack: AirflowStack) -> None:
    stack = airflow_stack
    try:
        ready_seconds = stack.wait_until_ready(DAG_ID)
        token = stack.api_token()
        triggered_at = time.monotonic()
        stack.trigger(DAG_ID, RUN_ID, token)
        watch = watch_run(stack, triggered_at)
        in_db = run_seconds_in_db(stack)
        stats = requests.get(f"{stack.sandbox_url}/_sandbox/stats", timeout=5).json()
        submitted = stats["requests"].get("POST /audiostack/audioforms")
        print(
            f"\nstack ready in {ready_seconds:.1f} s\n"
            f"run {watch.state}: {watch.wall_seconds:.1f} s wall from trigger to end"
            f" ({in_db if in_db is None else round(in_db, 1)} s queued-to-end in the DB);"
            f" builds take {BUILD_SECONDS:.0f} s, parallelism {PARALLELISM}\n"
            f"max deferred at once: {watch.max_deferred}/{BUILDS}; max running at once: {watch.max_running}\n"
            f"sandbox: {submitted} audioforms submitted, {stats['audioforms']}\n"
            f"task-instance states over time:\n{watch.describe()}"
        )
        assert watch.state == "success", f"run ended {watch.state}; task instances: {watch.final}"
        assert watch.final == {"success": BUILDS}
        # The parallelism of 2 was in force, so the figures below mean what they say.
        assert watch.max_running <= PARALLELISM
        # Holding slots would take BUILDS / PARALLELISM = 5 build times.
        assert watch.wall_seconds < 3 * BUILD_SECONDS, (
            f"{watch.wall_seconds:.1f} s: the builds waited in worker slots, not in the triggerer"
        )
        assert watch.max_deferred >= 8
        # Each build was submitted once: resuming after the trigger fired does not submit again.
        assert submitted == BUILDS
    except BaseException:
        print(stack.diagnostics())
        raise
