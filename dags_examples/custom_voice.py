"""
Custom voice: clone a narrator's voice on AudioPod AI from a few recordings, then preview it.

The clone is trained while the task is deferred (no worker slot held); the preview is written to
the shared audio storage (``AUDIO_STORAGE_URL``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG

from airflow_provider_audio.operators.audiopod import (
    AudioPodCreateVoiceOperator,
    AudioPodVoicePreviewOperator,
)
from audio_examples.storage import poll_seconds, storage_root

SAMPLES = sorted(str(path) for path in (Path(__file__).parent / "data" / "voice_samples").glob("*.wav"))

with DAG(
    dag_id="custom_voice",
    description="Clone a voice on AudioPod AI and preview it",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "audiopod"],
) as dag:
    clone = AudioPodCreateVoiceOperator(
        task_id="clone_voice",
        name="Evening narrator",
        description="The evening bulletin's narrator",
        samples=SAMPLES,
        poll_interval=poll_seconds(),
        deferrable=True,
    )
    preview = AudioPodVoicePreviewOperator(
        task_id="preview_voice",
        voice_id="{{ ti.xcom_pull(task_ids='clone_voice')['voice_id'] }}",
        output_path=storage_root() / "previews" / "{{ run_id | replace(':', '_') }}.mp3",
        audio_format="mp3",
    )
    clone >> preview
