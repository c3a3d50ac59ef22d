"""
Article -> audio: narrate one article with AudioStack and keep the audio file.

The build is waited on in the triggerer (deferrable), so no worker slot is held while AudioStack
works. The file lands in ``AUDIO_OUTPUT_DIR`` (a local folder by default; any
``ObjectStoragePath`` URL such as ``s3://bucket/audio`` works the same).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, ObjectStoragePath, task

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from audio_examples.articles import SAMPLE_ARTICLES, Article, article_audioform
from audio_examples.storage import poll_seconds

OUTPUT_DIR = os.environ.get("AUDIO_OUTPUT_DIR", "file:///tmp/airflow-provider-audio/audio")

with DAG(
    dag_id="article_to_audio",
    description="Narrate one article into an audio file with AudioStack",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"article_path": str(SAMPLE_ARTICLES / "2026-11-18-harbour-lights.json"), "voice": "sara"},
    tags=["example", "audiostack"],
) as dag:

    @task
    def narration_audioform(params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Read the article and describe its narration as an audioform."""
        import json
        from pathlib import Path

        assert params is not None
        article = Article(**json.loads(Path(params["article_path"]).read_text()))
        return article_audioform(article, voice=params["voice"])

    build = AudioStackBuildAudioformOperator(
        task_id="build_audio",
        audioform=narration_audioform(),
        output_path=ObjectStoragePath(OUTPUT_DIR) / "{{ run_id | replace(':', '_') }}.wav",
        poll_interval=poll_seconds(),
        deferrable=True,
    )

    @task
    def report(episode: dict[str, Any]) -> str:
        """Print where the audio is and how long it lasts."""
        line = f"audio file: {episode['output_path']}  duration: {episode['duration_seconds']:.1f} s"
        print(line)
        return line

    report(build.output)
