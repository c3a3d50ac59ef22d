"""
Worker-slot time: seconds a worker slot is held while AudioStack builds for 120 s, with the
deferrable operator and without, in one run against one sandbox.

Both DAGs of ``bench/dags/worker_slot.py`` (the same audioform, ``deferrable=True`` / ``False``,
the default 10 s poll interval) run at the same time, each with ``dag.test()`` in a process of
its own with its own SQLite metadata database (``bench.dagtest_child``). ``dag.test()`` runs the
task in process (``run_task_in_process``: the worker slot) and, when the task defers, the trigger
inline (the triggerer's part); the child times both around Airflow's own functions. The task
instance row (``start_date``/``end_date``, ``try_number``) and its ``task_instance_history`` are
read from each metadata database as a cross-check.

Target: at least 20x less worker-slot time with deferral.

``python -m bench.worker_slot [--out FILE]``
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.common import (
    OUT,
    Sandbox,
    Section,
    Target,
    airflow_env,
    airflow_template,
    child_env,
    migrated_airflow_home,
    run_child,
    section_main,
    targets_table,
)

BUILD_SECONDS = 120.0
TARGET_RATIO = 20.0
DAGS = {
    "deferrable": "bench.dags.worker_slot:deferrable_dag",
    "blocking": "bench.dags.worker_slot:blocking_dag",
}


@dataclass(frozen=True)
class SlotTime:
    """One mode's task instance, as timed."""

    mode: str
    state: str
    executions: list[float]
    trigger_waits: list[float]
    until_success: float
    db_running: float | None
    try_number: int
    history_rows: int
    warmup: float

    @property
    def slot_seconds(self) -> float:
        return sum(self.executions)


def run_mode(sandbox: Sandbox, mode: str) -> dict[str, Any]:
    home = migrated_airflow_home(OUT / f"worker-slot-{mode}")
    report_path = OUT / f"worker-slot-{mode}.json"
    env = child_env(airflow_env(home, sandbox))
    run_child(
        [sys.executable, "-m", "bench.dagtest_child", DAGS[mode], "--report", str(report_path)],
        env=env,
        timeout=BUILD_SECONDS + 300,
        log=OUT / f"worker-slot-{mode}.log",
        stdout=OUT / f"worker-slot-{mode}.out",
    )
    report: dict[str, Any] = json.loads(report_path.read_text())
    return report


def slot_time(mode: str, report: dict[str, Any]) -> SlotTime:
    spans = report["spans"].get("build[-1]", {"task": [], "trigger": []})
    executions = [end - start for start, end in spans["task"]]
    waits = [end - start for start, end in spans["trigger"]]
    moments = [moment for pair in spans["task"] + spans["trigger"] for moment in pair]
    row = next(ti for ti in report["task_instances"] if ti["task_id"] == "build")
    db_running = (
        row["end_date"] - row["start_date"] if row["start_date"] is not None and row["end_date"] else None
    )
    return SlotTime(
        mode=mode,
        state=row["state"],
        executions=executions,
        trigger_waits=waits,
        until_success=max(moments) - min(moments) if moments else float("nan"),
        db_running=db_running,
        try_number=int(row["try_number"]),
        history_rows=len(row["history"]),
        warmup=float(report["warmup"]),
    )


def run() -> Section:
    airflow_template()  # migrated once, before the two runs copy it at the same time
    with Sandbox("worker-slot-sandbox", build_seconds=BUILD_SECONDS) as sandbox:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {mode: pool.submit(run_mode, sandbox, mode) for mode in DAGS}
            reports = {mode: future.result() for mode, future in futures.items()}
        created = sandbox.stats()["audioforms"]["created"]
    deferrable = slot_time("deferrable", reports["deferrable"])
    blocking = slot_time("blocking", reports["blocking"])
    return report(deferrable, blocking, created)


def _seconds(values: list[float]) -> str:
    return " + ".join(f"{value:.1f}" for value in values) or "-"


def report(deferrable: SlotTime, blocking: SlotTime, created: int) -> Section:
    ratio = blocking.slot_seconds / deferrable.slot_seconds if deferrable.slot_seconds else float("nan")
    both_ok = deferrable.state == "success" and blocking.state == "success"
    targets = [
        Target(
            "worker-slot time, non-deferrable / deferrable",
            f">= {TARGET_RATIO:.0f}x",
            f"{ratio:.1f}x ({blocking.slot_seconds:.1f} s / {deferrable.slot_seconds:.1f} s)",
            both_ok and bool(deferrable.trigger_waits) and ratio >= TARGET_RATIO,
        )
    ]
    lines = [
        f"## Worker-slot time: a {BUILD_SECONDS:.0f} s build, deferrable vs non-deferrable",
        "",
        f"One `AudioStackBuildAudioformOperator` per DAG, the same audioform building {BUILD_SECONDS:.0f} s "
        "on one sandbox, the default 10 s poll interval; the two DAG runs ran at the same time, each under "
        "`dag.test()` in its own process with its own metadata database. Method: `dag.test()` runs each "
        "task execution in process (`run_task_in_process`, the part that holds a worker slot) and, when "
        "the task defers, the trigger inline (the triggerer's part); the child times both around Airflow's "
        "own functions without changing them. Each process first ran a one-task DAG, so `dag.test()`'s "
        f"one-time set-up (its in-process Execution API: {deferrable.warmup:.0f} s and "
        f"{blocking.warmup:.0f} s here; a real worker talks to the API server instead) is not counted. Slot "
        "time is the sum over the task's executions (the first and the resumption after the event); "
        "until success runs from the first execution's start to the last one's end. The metadata "
        "database's `end_date - start_date` is shown as a cross-check (under `dag.test()` the deferred "
        "wait is not a separate state there: it parks the task instance in "
        "`queued`).",
        "",
        "| mode | state | executions s | slot s | in trigger s | until success s | DB end - start s "
        "| try_number | history rows |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for item in (deferrable, blocking):
        db = f"{item.db_running:.1f}" if item.db_running is not None else "-"
        lines.append(
            f"| {item.mode} | {item.state} | {_seconds(item.executions)} | {item.slot_seconds:.1f} | "
            f"{_seconds(item.trigger_waits)} | {item.until_success:.1f} | {db} | {item.try_number} | "
            f"{item.history_rows} |"
        )
    lines += [
        "",
        f"Audioforms created on the sandbox: {created} (one per run).",
        "",
        *targets_table(targets),
        "",
        "Where the time goes: without deferral the slot is held for the whole build plus up to one poll "
        "interval; with it, the slot is held only to validate and submit the audioform (first execution) "
        "and to read the event (resumption), each mostly Airflow's own task start-up and state updates "
        "under `dag.test()`; the build is waited on in the trigger.",
    ]
    return Section("Worker-slot time", "\n".join(lines) + "\n", targets)


def main(argv: list[str] | None = None) -> int:
    return section_main(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
