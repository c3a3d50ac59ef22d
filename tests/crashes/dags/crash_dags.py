"""
The DAGs of the crash tests (``tests/crashes/test_crash_recovery.py``), parsed by a real
dag-processor and run by a real scheduler (LocalExecutor) and triggerer against the sandbox.

Each DAG holds one task with one retry a second after a failure, so a task process killed by the
test is retried at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG

from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator
from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator

#: A non-deferred build whose task process the test kills while it polls.
BUILD_DAG_ID = "crash_build_task_killed"
#: An upload in parts whose task process the test kills while a part is on its way.
UPLOAD_DAG_ID = "crash_upload_task_killed"
#: A deferred build whose triggerer the test stops while it polls, then replaces.
TRIGGERER_DAG_ID = "crash_triggerer_restarted"
DAG_IDS = (BUILD_DAG_ID, UPLOAD_DAG_ID, TRIGGERER_DAG_ID)

BUILD_TASK_ID = "build"
UPLOAD_TASK_ID = "upload"
POLL_INTERVAL = 1.0
PART_SIZE = 5 * 1024 * 1024
RETRY: dict[str, Any] = {"retries": 1, "retry_delay": timedelta(seconds=1)}


def one_line_audioform(text: str) -> dict[str, Any]:
    """A one-sentence text-to-speech audioform delivered as WAV."""
    return {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": text, "voice": "sara"}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "wav"},
    }


def crash_dag(dag_id: str) -> DAG:
    return DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        is_paused_upon_creation=False,
        max_active_runs=1,
        tags=["test", "crash"],
    )


with crash_dag(BUILD_DAG_ID):
    AudioStackBuildAudioformOperator(
        task_id=BUILD_TASK_ID,
        audioform=one_line_audioform("A build whose task process is killed."),
        deferrable=False,
        poll_interval=POLL_INTERVAL,
        **RETRY,
    )

with crash_dag(UPLOAD_DAG_ID):
    AiozStreamUploadAudioOperator(
        task_id=UPLOAD_TASK_ID,
        # The test writes the WAV file and passes its path in the run's conf.
        source="{{ dag_run.conf['source'] }}",
        title="Crash test upload",
        part_size=PART_SIZE,
        deferrable=False,
        poll_interval=POLL_INTERVAL,
        **RETRY,
    )

with crash_dag(TRIGGERER_DAG_ID):
    AudioStackBuildAudioformOperator(
        task_id=BUILD_TASK_ID,
        audioform=one_line_audioform("A build whose triggerer is restarted."),
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        **RETRY,
    )
