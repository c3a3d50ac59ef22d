"""
### A jingle under speech

Generates an 8-second news jingle with AIML API's stable-audio, adds it to AudioStack's file
library, and builds an audioform that plays it under a spoken intro (voice `sara`). Every wait
(generation, file processing, build) is spent in the triggerer.

**Needs**

- the connections `aimlapi_default` (AIML API key) and `audiostack_default` (AudioStack API key);
- `AUDIO_STORAGE_URL`: the storage the jingle moves through from the task that generates it to the
  task that uploads it (its `jingles/` folder), an `ObjectStoragePath` URL that **every worker must
  reach**: `s3://aws_default@bucket/audio` or `gs://...` with that connection, or a `file://` folder
  every worker mounts. Unset, it is `file:///tmp/airflow-provider-audio/storage`, a folder on each
  worker's own disk, which serves a single machine (LocalExecutor) only: on an executor that runs
  tasks on several hosts (CeleryExecutor, KubernetesExecutor...) the run then fails in its first
  task, before the generation is paid for, saying so;
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

Environment variables are read when the file is parsed: set them for the DAG processor and the
workers alike.

No params.

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_audio.operators.aimlapi import AimlApiGenerateAudioOperator
from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from airflow_provider_audio.operators.audiostack_files import AudioStackUploadFileOperator
from audio_examples.defaults import DEFAULT_ARGS
from audio_examples.storage import poll_seconds, require_shared_storage, storage_root

JINGLE = storage_root() / "jingles" / "{{ run_id | replace(':', '_') }}.wav"

with DAG(
    dag_id="jingle_under_speech",
    description="An AIML stable-audio jingle mixed under AudioStack speech",
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
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
        # The next task, maybe on another worker, reads the jingle from the storage.
        pre_execute=require_shared_storage,
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
