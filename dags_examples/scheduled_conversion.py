"""
Scheduled conversion: every day, narrate and publish the articles published in that day's data interval.

Reruns and backfills (``airflow backfill create --dag-id scheduled_conversion --from-date ...
--to-date ...``) are idempotent: an article already published is found on AIOZ Stream by its id
and skipped before anything is built, so no article is built or uploaded twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, task

from audio_examples.articles import SAMPLE_ARTICLES, load_articles
from audio_examples.pipeline import publish_articles

with DAG(
    dag_id="scheduled_conversion",
    description="Daily: publish the day's articles as audio episodes",
    schedule="@daily",
    start_date=datetime(2026, 11, 17),
    catchup=False,
    max_active_runs=1,
    params={"feed": Param(str(SAMPLE_ARTICLES), type="string", description="a folder of article JSON files")},
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
