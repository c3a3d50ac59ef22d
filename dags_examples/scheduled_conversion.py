"""
### Scheduled conversion

Every day, narrates and publishes as streaming episodes the feed's articles published in that day's
data interval (the article pipeline of `article_to_stream`: AudioStack narration, AIOZ Stream
upload, transcoding and publishing, an Asset event per episode). A manually triggered run converts
the articles of its day.

Reruns and backfills (`airflow backfill create --dag-id scheduled_conversion --from-date ...
--to-date ...`) are idempotent: an article already published is found on AIOZ Stream by its id and
skipped before anything is built, so no article is built or uploaded twice.

**Needs**

- the connections `audiostack_default` (AudioStack API key) and `aiozstream_default` (AIOZ secret
  key as password, `public_key` in the extras);
- no shared storage: audio moves from AudioStack to AIOZ Stream directly;
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

**Params**

- `feed`: a folder of article JSON files readable by the worker (the samples in `data/articles` by
  default); an article's `published` date (`YYYY-MM-DD`) picks its day.

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, task

from audio_examples.articles import SAMPLE_ARTICLES, load_articles
from audio_examples.defaults import DEFAULT_ARGS
from audio_examples.pipeline import publish_articles

with DAG(
    dag_id="scheduled_conversion",
    description="Daily: publish the day's articles as audio episodes",
    doc_md=__doc__,
    schedule="@daily",
    start_date=datetime(2026, 11, 17),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "feed": Param(
            str(SAMPLE_ARTICLES),
            type="string",
            minLength=1,
            description="A folder of article JSON files readable by the worker; `published` picks the day",
        )
    },
    tags=["example", "audiostack", "aiozstream", "backfill"],
) as dag:

    @task
    def articles_of_the_interval(
        params: dict[str, Any] | None = None,
        data_interval_start: datetime | None = None,
        data_interval_end: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """The feed's articles published in [data_interval_start, data_interval_end)."""
        assert params is not None and data_interval_start is not None and data_interval_end is not None
        first, last = data_interval_start.date(), data_interval_end.date()
        if last <= first:
            # A manually triggered run has an empty interval: it converts that day's articles.
            last = first + timedelta(days=1)
        chosen = [
            article.to_dict()
            for article in load_articles(Path(params["feed"]))
            if first <= date.fromisoformat(article.published) < last
        ]
        print(f"{len(chosen)} article(s) published from {first} to {last}")
        return chosen

    publish_articles(articles_of_the_interval())
