"""
Two AudioStack builds waited on in the triggerer, for ``tests/browser/test_task_log.py``: one that
the sandbox delivers (its log shows the "Still working" lines and the summary, its page the links)
and one that the sandbox fails (its log shows the failure once, naming the audioform asset).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator

BUILD_DAG_ID = "deferred_build_log"
FAILED_DAG_ID = "failed_build_log"
# The sandbox of the stack builds for 20 s: a poll every 4 s shows a few "Still working" lines.
POLL_INTERVAL = 4.0


def audioform(**assets: dict[str, Any]) -> dict[str, Any]:
    """An evening bulletin read by a sandbox voice, over the sound templates given."""
    text = "Good evening. The harbour lights are back on, and the night ferry leaves at nine."
    return {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": text, "voice": "sara"}, **assets},
        "production": {
            "arrangement": {
                "sections": [{"layers": [{"clips": [{"assetRef": name}]} for name in ["speech", *assets]]}]
            }
        },
        "delivery": {"encoderPreset": "wav", "loudnessPreset": "podcast"},
    }


with DAG(
    dag_id=BUILD_DAG_ID,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    tags=["test"],
) as build_dag:
    AudioStackBuildAudioformOperator(
        task_id="build_bulletin", audioform=audioform(), deferrable=True, poll_interval=POLL_INTERVAL
    )

with DAG(
    dag_id=FAILED_DAG_ID,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    tags=["test"],
) as failed_dag:
    # A sound template named by id is not checked before paying (only aliases are listed): the
    # sandbox accepts the build and fails it.
    AudioStackBuildAudioformOperator(
        task_id="build_bulletin",
        audioform=audioform(bed={"type": "soundTemplate", "soundTemplateId": "no-such-bed"}),
        deferrable=True,
        poll_interval=POLL_INTERVAL,
    )
