"""
A podcast from a story: the sample articles become the chapters of one long-form episode, produced
by AudioStack's story endpoint and waited on for hours if need be, without holding a worker slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_audio.operators.audiostack_creator import AudioStackStoryOperator
from audio_examples.articles import load_articles
from audio_examples.storage import poll_seconds

with DAG(
    dag_id="story_podcast",
    description="A weekly podcast from the week's articles with AudioStack stories",
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
