"""
The DAGs of ``tests/scheduler/test_triggerer_idioms.py``, parsed by a real dag-processor and run by
a real scheduler (LocalExecutor) and triggerer against the sandbox: a deferred upload the test kills
through the REST API, and a media sensor that starts in the triggerer.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator
from airflow_provider_audio.sensors.aiozstream import AiozStreamMediaSensor

#: An upload whose task the test marks failed while its transcoding is waited on in the triggerer.
KILL_DAG_ID = "kill_deferred_upload"
#: A sensor that never runs on a worker before its trigger fires.
SENSOR_DAG_ID = "sensor_starts_in_triggerer"
DAG_IDS = (KILL_DAG_ID, SENSOR_DAG_ID)

UPLOAD_TASK_ID = "upload"
SENSOR_TASK_ID = "wait_for_media"
POLL_INTERVAL = 1.0


def idiom_dag(dag_id: str) -> DAG:
    return DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        is_paused_upon_creation=False,
        tags=["test"],
    )


with idiom_dag(KILL_DAG_ID):
    AiozStreamUploadAudioOperator(
        task_id=UPLOAD_TASK_ID,
        # The test writes the WAV file and passes its path in the run's conf.
        source="{{ dag_run.conf['source'] }}",
        title="Killed while transcoding",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
    )

with idiom_dag(SENSOR_DAG_ID):
    AiozStreamMediaSensor(
        task_id=SENSOR_TASK_ID,
        # Rendered in the triggerer: the task starts there, with no worker before.
        media_id="{{ dag_run.conf['media_id'] }}",
        start_from_trigger=True,
        poke_interval=POLL_INTERVAL,
        timeout=120,
    )
