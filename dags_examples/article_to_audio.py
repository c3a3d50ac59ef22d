"""
### Article -> audio

Narrates one article with AudioStack (headline and body read by one voice over a music bed) and
keeps the audio file; the last task prints where it is and how long it lasts. The build is waited
on in the triggerer (deferrable), so no worker slot is held while AudioStack works.

**Needs**

- the connection `audiostack_default` (AudioStack API key);
- `AUDIO_OUTPUT_DIR`: where the WAV file lands, an `ObjectStoragePath` URL
  (`file:///tmp/airflow-provider-audio/audio` by default; `s3://bucket/audio` or `gs://...` with
  their connection in production);
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

Environment variables are read when the file is parsed: set them for the DAG processor and the
workers alike.

**Params**

- `article_path`: the article's JSON file (`id`, `title`, `body`, optional `published`, `author`,
  `tags`), readable by the worker; a sample article by default;
- `voice`: the AudioStack voice that reads it (the form proposes the sandbox's voices; any voice of
  the account is accepted).

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, ObjectStoragePath, Param, task

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from audio_examples.articles import SAMPLE_ARTICLES, Article, article_audioform
from audio_examples.defaults import DEFAULT_ARGS, voice_param
from audio_examples.storage import poll_seconds

OUTPUT_DIR = os.environ.get("AUDIO_OUTPUT_DIR", "file:///tmp/airflow-provider-audio/audio")

with DAG(
    dag_id="article_to_audio",
    description="Narrate one article into an audio file with AudioStack",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    params={
        "article_path": Param(
            str(SAMPLE_ARTICLES / "2026-11-18-harbour-lights.json"),
            type="string",
            minLength=1,
            description="The article's JSON file (id, title, body...), readable by the worker",
        ),
        "voice": voice_param(),
    },
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
