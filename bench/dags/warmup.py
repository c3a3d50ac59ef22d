"""
A one-task DAG that ``bench.dagtest_child`` runs first, so ``dag.test()`` 's one-time set-up
(its in-process Execution API, imports) is not counted in the measured run.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

with DAG(dag_id="bench_warmup", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:

    @task
    def noop() -> None:
        """Nothing: the run only pays ``dag.test()`` 's set-up."""

    noop()
