"""
One AudioStackBuildAudioformOperator whose arguments come from ``AUDIO_TEST_OPERATOR_KWARGS`` (JSON).

System tests set the variable, import this module afresh and call ``dag.test()``. Durations are
given in seconds: ``retry_delay_seconds``, ``deadline_in_seconds`` (from now).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator

DAG_ID = "audioform_operator_under_test"


def operator_kwargs() -> dict[str, Any]:
    kwargs: dict[str, Any] = json.loads(os.environ.get("AUDIO_TEST_OPERATOR_KWARGS", "{}"))
    if "retry_delay_seconds" in kwargs:
        kwargs["retry_delay"] = timedelta(seconds=kwargs.pop("retry_delay_seconds"))
    if "deadline_in_seconds" in kwargs:
        kwargs["deadline"] = datetime.now(UTC) + timedelta(seconds=kwargs.pop("deadline_in_seconds"))
    kwargs.setdefault("audioform", {})
    return kwargs


with DAG(dag_id=DAG_ID, schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
    AudioStackBuildAudioformOperator(task_id="build", **operator_kwargs())
