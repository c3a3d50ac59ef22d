"""
Archive conversion in batches: every article of a feed narrated through AudioStack batches (up to
1000 audioforms per batch, split automatically), in one submit call per thousand articles instead
of one per article.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_audio.operators.audiostack_creator import AudioStackBatchBuildOperator
from audio_examples.articles import SAMPLE_ARTICLES, article_audioform, load_articles
from audio_examples.storage import poll_seconds

with DAG(
    dag_id="batch_archive",
    description="Narrate an archive of articles with AudioStack batches",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"feed": Param(str(SAMPLE_ARTICLES), type="string", description="a folder of article JSON files")},
    tags=["example", "audiostack", "backfill"],
) as dag:

    @task
    def archive_audioforms(params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One named audioform per article of the archive."""
        assert params is not None
        return {article.id: article_audioform(article) for article in load_articles(Path(params["feed"]))}

    batch = AudioStackBatchBuildOperator(
        task_id="narrate_archive",
        items=archive_audioforms(),
        fail_on_item_error=False,
        poll_interval=poll_seconds(),
        deferrable=True,
    )

    @task
    def summary(result: dict[str, Any]) -> str:
        """How many articles were narrated, and which failed."""
        built = [item for item in result["items"] if item["status"] == "succeeded"]
        line = (
            f"{len(built)} of {len(result['items'])} articles narrated; failed: {result['failed'] or 'none'}"
        )
        print(line)
        return line

    summary(batch.output)
