"""
One DAG run under ``dag.test()`` in a process of its own, timed from the inside.

``python -m bench.dagtest_child MODULE [--conf JSON] --report FILE`` with the Airflow home, the
connections and the DAG bundles set in the environment by the parent. ``MODULE`` is the import
path of a DAG file that defines ``dag``, or ``MODULE:ATTRIBUTE`` for another name.

A one-task DAG (``bench/dags/warmup.py``) runs first in the same process, so ``dag.test()`` 's
one-time set-up (its in-process Execution API, about 10 s here) is not counted in the measured
run; its wall time is reported as ``warmup``.

Besides the run's state and wall time, the report has, per task instance, the wall seconds spent
running the task (``run_task_in_process``: what holds a worker slot; one ``[start, end]`` per
execution, the first and the resumption after a deferral) and waiting in the trigger (``dag.test()`` runs it
inline, as the triggerer would), and the task instance's row from the metadata database
(``start_date``, ``end_date``, ``state``, ``try_number``) with its ``task_instance_history`` rows.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("module")
    parser.add_argument("--conf", default="{}")
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args()

    import airflow.sdk.definitions.dag as dag_module
    import airflow.sdk.execution_time.supervisor as supervisor

    # Per task instance: [start, end] (monotonic seconds) of each execution and each trigger wait.
    spans: dict[str, dict[str, list[list[float]]]] = defaultdict(lambda: {"task": [], "trigger": []})

    def key(ti: Any) -> str:
        return f"{ti.task_id}[{ti.map_index}]"

    run_in_process: Callable[..., Any] = supervisor.run_task_in_process
    run_inline_trigger: Callable[..., Any] = dag_module._run_inline_trigger

    def timed_task(*call_args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return run_in_process(*call_args, **kwargs)
        finally:
            spans[key(kwargs["ti"])]["task"].append([started, time.monotonic()])

    def timed_trigger(trigger: Any, task_sdk_ti: Any) -> Any:
        started = time.monotonic()
        try:
            return run_inline_trigger(trigger, task_sdk_ti)
        finally:
            spans[key(task_sdk_ti)]["trigger"].append([started, time.monotonic()])

    # dag.test() imports run_task_in_process from the supervisor module at each task, and calls
    # the module-level _run_inline_trigger: both are timed without changing what they do.
    supervisor.run_task_in_process = timed_task
    dag_module._run_inline_trigger = timed_trigger

    warmup_started = time.monotonic()
    warmup = importlib.import_module("bench.dags.warmup").dag.test()
    if str(warmup.state) != "success":
        raise RuntimeError(f"the warm-up run ended {warmup.state}")
    warmup_wall = time.monotonic() - warmup_started
    spans.clear()

    module_name, _, attribute = args.module.partition(":")
    dag = getattr(importlib.import_module(module_name), attribute or "dag")
    started = time.monotonic()
    run = dag.test(run_conf=json.loads(args.conf))
    wall = time.monotonic() - started
    report = {
        "state": str(run.state),
        "run_id": run.run_id,
        "wall": wall,
        "warmup": warmup_wall,
        "spans": dict(spans),
        "task_instances": task_instances(run.dag_id, run.run_id),
    }
    args.report.write_text(json.dumps(report))
    return 0


def task_instances(dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """Every task instance of the run and its history rows, from the metadata database."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.taskinstancehistory import TaskInstanceHistory
    from airflow.utils.session import create_session
    from sqlalchemy import select

    def row(ti: Any) -> dict[str, Any]:
        return {
            "task_id": ti.task_id,
            "map_index": ti.map_index,
            "state": str(ti.state),
            "try_number": ti.try_number,
            "start_date": ti.start_date.timestamp() if ti.start_date else None,
            "end_date": ti.end_date.timestamp() if ti.end_date else None,
        }

    with create_session() as session:
        rows = [
            row(ti)
            for ti in session.scalars(
                select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
            )
        ]
        history = [
            row(ti)
            for ti in session.scalars(
                select(TaskInstanceHistory).where(
                    TaskInstanceHistory.dag_id == dag_id, TaskInstanceHistory.run_id == run_id
                )
            )
        ]
    for item in rows:
        item["history"] = [
            h for h in history if h["task_id"] == item["task_id"] and h["map_index"] == item["map_index"]
        ]
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
