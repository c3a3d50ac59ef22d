"""
The examples' shared storage (``AUDIO_STORAGE_URL``) and executors that run tasks on several hosts:
``jingle_under_speech`` hands its jingle from one task to the next through the storage, so on such an
executor it refuses the per-host default folder in its first task, before anything is paid for.
(On a real CeleryExecutor with S3 storage it runs: ``tests/distributed``.)
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from audio_examples.storage import STORAGE_URL_VARIABLE, multi_host_executors, require_shared_storage
from tests.system.conftest import patch_settings, sandbox_stats

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


@pytest.mark.parametrize(
    ("setting", "remote"),
    [
        ("LocalExecutor", []),
        ("SequentialExecutor", []),
        ("CeleryExecutor", ["CeleryExecutor"]),
        ("KubernetesExecutor", ["KubernetesExecutor"]),
        ("LocalExecutor,CeleryExecutor", ["CeleryExecutor"]),
        (
            "airflow.providers.celery.executors.celery_executor.CeleryExecutor",
            ["airflow.providers.celery.executors.celery_executor.CeleryExecutor"],
        ),
        ("fast:airflow.executors.local_executor.LocalExecutor", []),
        ("LocalExecutor;team_a=CeleryExecutor", ["CeleryExecutor"]),
        (" LocalExecutor , ", []),
    ],
)
def test_which_executors_may_run_tasks_on_several_hosts(setting: str, remote: list[str]) -> None:
    assert multi_host_executors(setting) == remote


def test_the_default_storage_is_refused_on_a_multi_host_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORAGE_URL_VARIABLE, raising=False)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    with pytest.raises(AirflowFailException) as raised:
        require_shared_storage()
    message = str(raised.value)
    assert "AUDIO_STORAGE_URL is not set" in message
    assert "file:///tmp/airflow-provider-audio/storage" in message and "CeleryExecutor" in message
    assert "s3://aws_default@bucket/audio" in message


@pytest.mark.parametrize(
    ("executor", "storage"),
    [
        ("LocalExecutor", None),  # one host: the default folder is one folder
        ("CeleryExecutor", "s3://aws_default@bucket/audio"),
        ("CeleryExecutor", "file:///mnt/shared/audio"),  # chosen on purpose: a folder every worker mounts
    ],
)
def test_storage_accepted(monkeypatch: pytest.MonkeyPatch, executor: str, storage: str | None) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", executor)
    if storage is None:
        monkeypatch.delenv(STORAGE_URL_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(STORAGE_URL_VARIABLE, storage)
    require_shared_storage()


def test_jingle_fails_before_paying_on_celery_without_shared_storage(
    airflow_db: Path, sandbox_connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    monkeypatch.delenv(STORAGE_URL_VARIABLE, raising=False)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv("AUDIO_POLL_SECONDS", "0.3")
    patch_settings(sandbox_connections, generation_seconds=0.5)
    sys.modules.pop("dags_examples.jingle_under_speech", None)
    dag: Any = importlib.import_module("dags_examples.jingle_under_speech").dag
    run = dag.test()
    assert run.state == "failed"
    with create_session() as session:
        tries = {
            ti.task_id: (ti.state, ti.try_number)
            for ti in session.query(TaskInstance).filter_by(dag_id=dag.dag_id, run_id=run.run_id)
        }
    # Failed in its first try (no retry can cure it), and nothing was generated or paid for.
    assert tries["generate_jingle"] == ("failed", 1), tries
    assert sandbox_stats(sandbox_connections)["aimlapi"]["generations"] == 0
