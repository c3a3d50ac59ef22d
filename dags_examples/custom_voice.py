"""
### Custom voice

Clones a narrator's voice on AudioPod AI from two recordings (`data/voice_samples` of the DAGs
folder), waits for its training while the task is deferred (no worker slot held), then writes a
spoken preview of the new voice to the shared audio storage.

**Needs**

- the connection `audiopod_default` (AudioPod API key);
- `AUDIO_STORAGE_URL`: the shared audio storage, an `ObjectStoragePath` URL
  (`file:///tmp/airflow-provider-audio/storage` by default; `s3://bucket/audio` or `gs://...`
  with their connection when workers share no disk); the preview lands in its `previews/` folder;
- the recordings, read by the worker from the DAGs folder;
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

Environment variables are read when the file is parsed: set them for the DAG processor and the
workers alike.

No params.

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG

from airflow_provider_audio.operators.audiopod import (
    AudioPodCreateVoiceOperator,
    AudioPodVoicePreviewOperator,
)
from audio_examples.defaults import DEFAULT_ARGS
from audio_examples.storage import poll_seconds, storage_root

SAMPLES = sorted(str(path) for path in (Path(__file__).parent / "data" / "voice_samples").glob("*.wav"))

with DAG(
    dag_id="custom_voice",
    description="Clone a voice on AudioPod AI and preview it",
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
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
