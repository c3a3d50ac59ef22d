"""
Run one example DAG under ``dag.test()`` in a child process, for tests that need runs overlapping
in time (two deployments, or two runs that start together) rather than one after the other.

``python -m tests.system.dag_child <module> <run_conf JSON>`` (from the repository root) imports
``dags_examples.<module>``, runs it with that conf and prints one JSON line,
``{"state": ..., "run_id": ...}``, last on stdout. :func:`start_child` starts it with an Airflow
home and SQLite database of its own (a copy of a migrated one), so two children share nothing but
the services they call.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ChildRun:
    """
    A ``dag.test()`` running in a child process.

    :param process: the child.
    :param log: where its stdout and stderr go.
    """

    process: subprocess.Popen[bytes]
    log: Path

    def result(self, timeout: float) -> dict[str, Any]:
        """Wait for the child; its last JSON line (``state``, ``run_id``); the log tail on failure."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the child run did not end in {timeout} s:\n{self.tail()}") from None
        for line in reversed(self.log.read_text(errors="replace").splitlines()):
            if line.startswith('{"state"'):
                found: dict[str, Any] = json.loads(line)
                return found
        raise AssertionError(
            f"the child run printed no result (exit {self.process.returncode}):\n{self.tail()}"
        )

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_child(
    module: str, run_conf: dict[str, Any], home: Path, migrated_db: Path, env: dict[str, str]
) -> ChildRun:
    """
    Start ``dags_examples.<module>``'s ``dag.test(run_conf=...)`` in a child process.

    :param home: the child's ``AIRFLOW_HOME`` (made here); its database is a copy of ``migrated_db``.
    :param env: the environment (connections, ``AUDIO_*`` settings); Airflow's home and database
        are set here.
    """
    home.mkdir(parents=True)
    shutil.copy(migrated_db, home / "airflow.db")
    child_env = {
        **env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
    }
    log = home / "child.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.system.dag_child", module, json.dumps(run_conf)],
            cwd=REPO,
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return ChildRun(process, log)


def main(argv: list[str]) -> None:
    module, run_conf = argv[0], json.loads(argv[1])
    dags_folder = str(REPO / "dags_examples")
    if dags_folder not in sys.path:
        sys.path.append(dags_folder)
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", dags_folder)
    dag = importlib.import_module(f"dags_examples.{module}").dag
    run = dag.test(run_conf=run_conf)
    print(json.dumps({"state": str(run.state), "run_id": run.run_id}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
