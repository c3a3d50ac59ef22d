"""Parsing a DAG file that uses the provider loads neither its HTTP clients, hooks, models nor triggers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# What only a running task needs: operators import it in the methods that use it.
HEAVY_PACKAGES = ("requests", "urllib3", "httpx", "charset_normalizer")
HEAVY_MODULES = (
    "airflow_provider_audio.hooks",
    "airflow_provider_audio.models",
    "airflow_provider_audio.client",
    "airflow_provider_audio.triggers",
    "airflow_provider_audio.upload.sources",
    "airflow_provider_audio.voice_samples",
    "airflow.triggers",
)

PROBE = """
import importlib, json, sys
import airflow.sdk
before = set(sys.modules)
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def parsed_modules() -> list[str]:
    """Every operator, sensor and transfer module, and every module of the example DAGs."""
    names = [
        f"airflow_provider_audio.{package}.{path.stem}"
        for package in ("operators", "sensors", "transfers")
        for path in sorted((REPO / "airflow_provider_audio" / package).glob("*.py"))
        if path.stem != "__init__"
    ]
    names += [
        f"dags_examples.{path.stem}"
        for path in sorted((REPO / "dags_examples").glob("*.py"))
        if path.stem != "demo"
    ]
    names += [
        f"audio_examples.{path.stem}"
        for path in sorted((REPO / "dags_examples" / "audio_examples").glob("*.py"))
        if path.stem != "__init__"
    ]
    return names


#: DAG files scheduled on an asset watcher: Airflow needs the watcher's trigger instance when it
#: parses them, so they import that trigger and Airflow's trigger base (and nothing heavier).
WATCHER_DAGS = {
    "dags_examples.new_articles_to_stream": ("airflow.triggers", "airflow_provider_audio.triggers")
}


def is_heavy(module: str) -> bool:
    return module.split(".")[0] in HEAVY_PACKAGES or any(
        module == prefix or module.startswith(prefix + ".") for prefix in HEAVY_MODULES
    )


def imported_by_parsing(modules: list[str]) -> list[str]:
    """What importing ``modules`` (after ``airflow.sdk``) loads, in a fresh interpreter."""
    env = {
        **os.environ,
        # The repository, and the DAGs folder as Airflow puts it on sys.path (for audio_examples).
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(REPO), str(REPO / "dags_examples"), os.environ.get("PYTHONPATH")])
        ),
    }
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    imported: list[str] = json.loads(completed.stdout.strip().splitlines()[-1])
    assert set(modules) <= set(imported)
    return imported


def test_dag_parsing_does_not_import_what_only_tasks_need() -> None:
    imported = imported_by_parsing([module for module in parsed_modules() if module not in WATCHER_DAGS])
    heavy = [module for module in imported if is_heavy(module)]
    assert not heavy, "parsing the DAG files imported, beyond airflow.sdk:\n  " + "\n  ".join(heavy)


def test_a_watcher_dag_imports_its_trigger_and_nothing_heavier() -> None:
    for dag_module, allowed in WATCHER_DAGS.items():
        imported = imported_by_parsing([dag_module])
        heavy = [
            module
            for module in imported
            if is_heavy(module) and not any(module == a or module.startswith(a + ".") for a in allowed)
        ]
        assert not heavy, f"parsing {dag_module} imported:\n  " + "\n  ".join(heavy)
        assert "airflow_provider_audio.triggers.article_feed" in imported
