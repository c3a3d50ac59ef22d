"""
The examples load from a plain DAGs folder: the real ``airflow`` CLI in a clean environment (no
PYTHONPATH, working directory outside the repository, a fresh Airflow home) finds every example DAG
and no import error.

``airflow dags reserialize`` parses the folder as the DAG processor does (the bundle's path on
``sys.path``, ``.airflowignore`` honoured) and records DAGs and import errors in the metadata
database; ``dags list-import-errors`` and ``dags list`` then read them from there, as a deployment's
operator would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

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
