"""
Ten deferrable audioform builds mapped from one task, for the scheduler test of
``tests/scheduler/test_deferral_frees_slots.py``: parsed by a real dag-processor, run by a real
scheduler (LocalExecutor) and triggerer against the sandbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator

DAG_ID = "deferral_frees_slots"
BUILDS = 10
POLL_INTERVAL = 2.0


def short_audioform(index: int) -> dict[str, Any]:
    """A one-sentence text-to-speech audioform delivered as WAV."""
    return {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": f"Bulletin number {index}.", "voice": "sara"}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "wav"},
    }


with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=1,
    tags=["test"],
) as dag:
    AudioStackBuildAudioformOperator.partial(
        task_id="build", deferrable=True, poll_interval=POLL_INTERVAL
    ).expand(audioform=[short_audioform(index) for index in range(BUILDS)])
