"""
### Archive conversion in batches

Narrates every article of a feed through AudioStack batches (up to 1000 audioforms per batch, split
automatically): one submit call per thousand articles instead of one per article, waited on in the
triggerer. An article whose build fails is reported, not fatal: the last task prints how many were
narrated and which failed.

**Needs**

- the connection `audiostack_default` (AudioStack API key);
- no shared storage: the audio stays with AudioStack (its URLs are in the result);
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

**Params**

- `feed`: a folder of article JSON files readable by the worker (the samples in `data/articles` by
  default).

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_audio.operators.audiostack_creator import AudioStackBatchBuildOperator
from audio_examples.articles import SAMPLE_ARTICLES, article_audioform, load_articles
from audio_examples.defaults import DEFAULT_ARGS
from audio_examples.storage import poll_seconds

with DAG(
    dag_id="batch_archive",
    description="Narrate an archive of articles with AudioStack batches",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    params={
        "feed": Param(
            str(SAMPLE_ARTICLES),
            type="string",
            minLength=1,
            description="A folder of article JSON files readable by the worker",
        )
    },
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
