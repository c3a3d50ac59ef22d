"""
A jingle under speech: generate a jingle with AIML API's stable-audio, add it to AudioStack's file
library, and build an audioform that plays it under a spoken intro.

The jingle moves from AIML to AudioStack through the shared audio storage (``AUDIO_STORAGE_URL``),
never a worker's local disk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_audio.operators.aimlapi import AimlApiGenerateAudioOperator
from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from airflow_provider_audio.operators.audiostack_files import AudioStackUploadFileOperator
from audio_examples.storage import poll_seconds, storage_root

JINGLE = storage_root() / "jingles" / "{{ run_id | replace(':', '_') }}.wav"

with DAG(
    dag_id="jingle_under_speech",
    description="An AIML stable-audio jingle mixed under AudioStack speech",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "aimlapi", "audiostack"],
) as dag:
    jingle = AimlApiGenerateAudioOperator(
        task_id="generate_jingle",
        prompt="a bright four-note news jingle, piano and strings, 120 bpm",
        seconds_total=8,
        steps=50,
        output_path=JINGLE,
        poll_interval=poll_seconds(),
        deferrable=True,
    )
    upload = AudioStackUploadFileOperator(
        task_id="upload_jingle",
        source=JINGLE,
        file_name="news-jingle.wav",
        poll_interval=poll_seconds(),
        deferrable=True,
    )

    @task
    def intro_audioform(uploaded: dict[str, Any]) -> dict[str, Any]:
        """Speech over the uploaded jingle."""
        return {
            "header": {"version": "1"},
            "assets": {
                "jingle": {"type": "media", "mediaId": uploaded["fileId"]},
                "intro": {"type": "tts", "text": "Good evening. Here is the news.", "voice": "sara"},
            },
            "production": {
                "arrangement": {
                    "sections": [
                        {
                            "layers": [
                                {"clips": [{"assetRef": "intro"}]},
                                {"clips": [{"assetRef": "jingle", "fadeOut": 1}]},
                            ]
                        }
                    ]
                },
                "mixingPreset": "voiceenhanced",
            },
            "delivery": {"encoderPreset": "wav", "loudnessPreset": "radio"},
        }

    build = AudioStackBuildAudioformOperator(
        task_id="build_intro",
        audioform=intro_audioform(upload.output),
        poll_interval=poll_seconds(),
        deferrable=True,
    )
    jingle >> upload >> build
