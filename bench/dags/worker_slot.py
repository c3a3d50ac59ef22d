"""
The worker-slot benchmark's two DAGs: one audioform build waited on with deferral, and without.

Both build the same short audioform with the provider's default poll interval (10 s); only
``deferrable`` differs. ``bench.worker_slot`` runs each with ``dag.test()`` in its own process.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator

AUDIOFORM = {
    "header": {"version": "1"},
    "assets": {
        "narrator": {"type": "voice", "voiceAlias": "sara"},
        "line": {"type": "tts", "text": "Worker slot benchmark.", "voiceRef": "narrator"},
    },
    "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "line"}]}]}]}},
    "delivery": {"encoderPreset": "wav"},
}

with DAG(
    dag_id="bench_worker_slot_deferrable", schedule=None, start_date=datetime(2026, 1, 1), catchup=False
) as deferrable_dag:
    AudioStackBuildAudioformOperator(task_id="build", audioform=AUDIOFORM, deferrable=True)

with DAG(
    dag_id="bench_worker_slot_blocking", schedule=None, start_date=datetime(2026, 1, 1), catchup=False
) as blocking_dag:
    AudioStackBuildAudioformOperator(task_id="build", audioform=AUDIOFORM, deferrable=False)
