"""
One operator, chosen and configured through the environment, for system tests to run with dag.test().

``AUDIO_TEST_OPERATOR`` names the class (``package.module.Class``) and ``AUDIO_TEST_OPERATOR_KWARGS``
holds its arguments as JSON. Durations are given in seconds: ``retry_delay_seconds``,
``deadline_in_seconds`` (from now), ``job_timeout_seconds``.
"""

from __future__ import annotations

import importlib
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG

DAG_ID = "operator_under_test"
DEFAULT_OPERATOR = "airflow_provider_audio.operators.audiostack.AudioStackBuildAudioformOperator"


def operator_class() -> type[Any]:
    module_name, _, class_name = os.environ.get("AUDIO_TEST_OPERATOR", DEFAULT_OPERATOR).rpartition(".")
    operator: type[Any] = getattr(importlib.import_module(module_name), class_name)
    return operator


def operator_kwargs() -> dict[str, Any]:
    kwargs: dict[str, Any] = json.loads(os.environ.get("AUDIO_TEST_OPERATOR_KWARGS", '{"audioform": {}}'))
    if "retry_delay_seconds" in kwargs:
        kwargs["retry_delay"] = timedelta(seconds=kwargs.pop("retry_delay_seconds"))
    if "deadline_in_seconds" in kwargs:
        kwargs["deadline"] = datetime.now(UTC) + timedelta(seconds=kwargs.pop("deadline_in_seconds"))
    if "job_timeout_seconds" in kwargs:
        kwargs["job_timeout"] = timedelta(seconds=kwargs.pop("job_timeout_seconds"))
    return kwargs


with DAG(dag_id=DAG_ID, schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
    operator_class()(task_id="run", **operator_kwargs())
