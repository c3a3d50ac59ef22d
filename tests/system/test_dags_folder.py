"""
The examples load from a plain DAGs folder: the real ``airflow`` CLI in a clean environment (no
PYTHONPATH, working directory outside the repository, a fresh Airflow home) finds every example DAG
and no import error. And each example says what it needs (``doc_md``, described params) and
retries its tasks.

``airflow dags reserialize`` parses the folder as the DAG processor does (the bundle's path on
``sys.path``, ``.airflowignore`` honoured) and records DAGs and import errors in the metadata
database; ``dags list-import-errors`` and ``dags list`` then read them from there, as a deployment's
operator would.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags_examples"
AIRFLOW = Path(sys.executable).with_name("airflow")


def example_dag_ids() -> set[str]:
    """The ``dag_id`` of every DAG file at the top of the DAGs folder."""
    ids: set[str] = set()
    for path in DAGS_FOLDER.glob("*.py"):
        ids.update(re.findall(r'dag_id="([^"]+)"', path.read_text()))
    return ids


def test_every_example_loads_from_a_plain_dags_folder(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }

    def run(*args: str, python: bool = False) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, *args] if python else [str(AIRFLOW), *args]
        return subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False
        )

    # The environment hides the repository: were it importable, the test would prove nothing.
    assert run("-c", "import dags_examples", python=True).returncode != 0
    assert run("-c", "import audio_examples", python=True).returncode != 0

    for args in (("db", "migrate"), ("dags", "reserialize")):
        done = run(*args)
        assert done.returncode == 0, f"airflow {' '.join(args)}:\n{done.stderr[-3000:]}"

    errors = run("dags", "list-import-errors", "--output", "json")
    assert errors.returncode == 0, f"import errors:\n{errors.stdout[-5000:]}\n{errors.stderr[-2000:]}"

    listed = run("dags", "list", "--output", "json")
    assert listed.returncode == 0, listed.stderr[-3000:]
    # Airflow's own warnings (graphviz missing...) may come first on stdout: the table is the last line.
    dags = json.loads(listed.stdout.strip().splitlines()[-1])
    expected = example_dag_ids()
    assert len(expected) >= 8
    assert {dag["dag_id"] for dag in dags} == expected
    assert {Path(dag["fileloc"]).parent for dag in dags} == {DAGS_FOLDER}


EXAMPLE_MODULES = sorted(
    path.stem for path in DAGS_FOLDER.glob("*.py") if re.search(r'dag_id="', path.read_text())
)


def connection_ids(dag: Any) -> set[str]:
    """Every connection id the DAG's tasks name (``conn_id``, ``audiostack_conn_id``...)."""
    return {
        value
        for task in dag.tasks
        for name, value in vars(task).items()
        if name.endswith("conn_id") and isinstance(value, str)
    }


@pytest.mark.parametrize("module", EXAMPLE_MODULES)
def test_every_example_says_what_it_needs_and_retries(module: str) -> None:
    from audio_sandbox.audiostack.audioform import SANDBOX_VOICES

    source = (DAGS_FOLDER / f"{module}.py").read_text()
    dag = importlib.import_module(f"dags_examples.{module}").dag
    doc = dag.doc_md or ""
    assert "**Needs**" in doc, f"{module}: no doc_md saying what it needs"
    assert connection_ids(dag), module
    for conn_id in connection_ids(dag):
        assert f"`{conn_id}`" in doc, f"{module}: doc_md does not name the connection {conn_id}"
    for variable in ("AUDIO_STORAGE_URL", "AUDIO_OUTPUT_DIR", "AUDIO_POLL_SECONDS"):
        uses = variable in source or (variable == "AUDIO_STORAGE_URL" and "storage_root(" in source)
        uses = uses or (variable == "AUDIO_POLL_SECONDS" and "poll_seconds(" in source)
        if uses:
            assert f"`{variable}`" in doc, f"{module}: doc_md does not name {variable}"

    for name in dag.params:
        param = dag.params.get_param(name)
        assert param.description, f"{module}: param {name} has no description"
        assert f"`{name}`" in doc, f"{module}: doc_md does not describe the param {name}"
    if "voice" in dag.params:
        schema = dag.params.get_param("voice").schema
        # Proposed, not enforced: a real account has voices the sandbox does not.
        assert schema["examples"] == list(SANDBOX_VOICES)
        assert "enum" not in schema and schema["type"] == "string"

    assert dag.default_args["retries"] >= 1
    assert timedelta(0) < dag.default_args["retry_delay"] <= timedelta(minutes=1)
    for task in dag.tasks:
        if task.task_id not in ("publish.report", "archive.report"):  # a verdict, not a fault: not retried
            assert task.retries == dag.default_args["retries"], f"{module}: {task.task_id}"
