"""
### A podcast from a story

The sample articles become the chapters of one long-form episode: a host (`sara`) reads each
headline and a reporter (`matthew`) the story. AudioStack's story endpoint produces it, waited on
in the triggerer for up to ten hours without holding a worker slot; the last task lists the
chapters' audio URLs.

**Needs**

- the connection `audiostack_default` (AudioStack API key);
- no shared storage: the chapters stay with AudioStack (their URLs are listed);
- the sample articles (`data/articles` of the DAGs folder), read by the worker;
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

No params.

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_audio.operators.audiostack_creator import AudioStackStoryOperator
from audio_examples.articles import load_articles
from audio_examples.defaults import DEFAULT_ARGS
from audio_examples.storage import poll_seconds

with DAG(
    dag_id="story_podcast",
    description="A weekly podcast from the week's articles with AudioStack stories",
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "audiostack"],
) as dag:

    @task
    def weekly_story() -> dict[str, Any]:
        """One chapter per article: the host reads the headline, the reporter the story."""
        return {
            "title": "The week by the harbour",
            "voices": [
                {"speakerIdentifier": "host", "alias": "sara"},
                {"speakerIdentifier": "reporter", "alias": "matthew"},
            ],
            "chapters": [
                {
                    "title": article.title,
                    "narratives": [
                        {
                            "foreground": [
                                {"speakerIdentifier": "host", "text": article.title + "."},
                                {"speakerIdentifier": "reporter", "text": article.body},
                            ]
                        }
                    ],
                }
                for article in load_articles()
            ],
            "delivery": {"encoderPreset": "wav", "loudnessPreset": "podcast"},
        }

    podcast = AudioStackStoryOperator(
        task_id="produce_podcast",
        story=weekly_story(),
        poll_interval=poll_seconds(),
        job_timeout=timedelta(hours=10),
        deferrable=True,
    )

    @task
    def list_chapters(produced: dict[str, Any]) -> list[str]:
        """The chapters' audio URLs."""
        for chapter in produced["chapters"]:
            print(f"{chapter['audioform_id']}: {chapter['uri']}")
        return [chapter["uri"] for chapter in produced["chapters"]]

    list_chapters(podcast.output)
