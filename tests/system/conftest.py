"""System tests: example DAGs under real Airflow (dag.test) against the live sandbox."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


OperatorRunner = Callable[..., Any]


@pytest.fixture
def run_operator(monkeypatch: pytest.MonkeyPatch) -> OperatorRunner:
    """
    Run one operator under dag.test(): ``run_operator(kwargs, operator="pkg.mod.Class")``.

    Returns the DagRun; its one task is ``run``.
    """

    def run(operator_kwargs: dict[str, Any], operator: str | None = None) -> Any:
        if operator is not None:
            monkeypatch.setenv("AUDIO_TEST_OPERATOR", operator)
        monkeypatch.setenv("AUDIO_TEST_OPERATOR_KWARGS", json.dumps(operator_kwargs))
        sys.modules.pop("tests.system.dags.operator_under_test", None)
        return importlib.import_module("tests.system.dags.operator_under_test").dag.test()

    return run


def sandbox_stats(sandbox: SandboxServer) -> dict[str, Any]:
    """The sandbox's request and job counters."""
    stats: dict[str, Any] = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    return stats


def add_fault(sandbox: SandboxServer, **fault: Any) -> None:
    """Script a fault on the sandbox (see ``POST /_sandbox/faults``)."""
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()


def patch_settings(sandbox: SandboxServer, **knobs: Any) -> None:
    """Change sandbox knobs at run time."""
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json=knobs, timeout=5).raise_for_status()


def xcom_of(run: Any, key: str = "return_value", task_id: str = "run") -> Any:
    """A task's XCom from a finished ``dag.test()`` run, read from the metadata database."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = XComModel.get_many(run_id=run.run_id, key=key, dag_ids=run.dag_id, task_ids=task_id)
        row = session.scalars(query).first()
        assert row is not None, f"no XCom {key!r} for {task_id} in {run.run_id}"
        return XComModel.deserialize_value(row)
