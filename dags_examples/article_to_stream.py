"""
Article -> audio -> stream: narrate a feed of articles and publish each as a streaming episode.

The feed is a folder of article JSON files (the samples in ``data/articles`` by default) or the
URL of a JSON list, given as the ``feed`` param. Each article is narrated by AudioStack, streamed
into AIOZ Stream, transcoded, published and recorded as an Asset; articles already published are
skipped. The last task prints a table: article, audio duration, HLS URL, player URL.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, task

from audio_examples.articles import SAMPLE_ARTICLES, load_articles
from audio_examples.pipeline import publish_articles

with DAG(
    dag_id="article_to_stream",
    description="Narrate articles with AudioStack and publish them on AIOZ Stream",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={
        "feed": Param(
            str(SAMPLE_ARTICLES), type="string", description="a folder of article JSON files, or a URL"
        ),
        "voice": Param("sara", type="string"),
    },
    tags=["example", "audiostack", "aiozstream"],
) as dag:

    @task
    def read_feed(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The articles of the feed, oldest first."""
        assert params is not None
        feed = str(params["feed"])
        if feed.startswith(("http://", "https://")):
            import requests

            response = requests.get(feed, timeout=30)
            response.raise_for_status()
            items: list[dict[str, Any]] = json.loads(response.content)
            return items
        return [article.to_dict() for article in load_articles(Path(feed))]

    publish_articles(read_feed(), voice="{{ params.voice }}")
