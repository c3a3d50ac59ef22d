"""
### New articles -> audio -> stream, as they appear

The article pipeline of `article_to_stream`, run by the feed itself: an asset watcher
(`ArticleFeedTrigger` in the triggerer) reads the feed every `AUDIO_FEED_POLL_SECONDS` and, when new
articles appear, records an event on the asset `article-feed`, which starts a run of this DAG for
exactly those articles. Each is narrated with AudioStack, streamed into AIOZ Stream, published, and
recorded as an Asset event (alias `published-episodes`); the last task prints a table. The watcher
keeps the ids it has seen in the asset's state store, so a triggerer restart announces nothing
twice; articles already in the feed when the watcher starts are not announced (the archive is
`article_to_stream`'s or `archive_to_stream`'s job). An article published before is found on AIOZ
Stream by its id and skipped.

**Needs**

- the connections `audiostack_default` (AudioStack API key) and `aiozstream_default` (AIOZ secret
  key as password, `public_key` in the extras);
- `AUDIO_ARTICLE_FEED`: the feed the watcher reads, on the triggerer and the workers alike: a folder
  of article JSON files, or the `http(s)://` URL of a JSON list of articles (the samples in
  `data/articles` by default);
- `AUDIO_FEED_POLL_SECONDS` (optional): seconds between two reads of the feed (60 by default);
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default);
- a running triggerer (the watcher runs there); no shared storage.

**Params**

- `voice`: the AudioStack voice that reads them (the form proposes the sandbox's voices; any voice
  of the account is accepted).

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, task

from airflow_provider_audio.triggers.article_feed import ArticleFeedTrigger
from audio_examples.articles import SAMPLE_ARTICLES, articles_of_feed
from audio_examples.defaults import DEFAULT_ARGS, voice_param
from audio_examples.pipeline import publish_articles

#: The feed the watcher reads (the triggerer and the workers must both reach it).
FEED = os.environ.get("AUDIO_ARTICLE_FEED", str(SAMPLE_ARTICLES))
#: Seconds between two reads of the feed.
FEED_POLL_SECONDS = float(os.environ.get("AUDIO_FEED_POLL_SECONDS", "60"))

article_feed = Asset(
    "article-feed",
    watchers=[
        AssetWatcher(
            name="article-feed-watcher",
            trigger=ArticleFeedTrigger(feed=FEED, poll_interval=FEED_POLL_SECONDS),
        )
    ],
)

with DAG(
    dag_id="new_articles_to_stream",
    description="Narrate and publish the articles a feed watcher announces",
    doc_md=__doc__,
    schedule=[article_feed],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    params={"voice": voice_param()},
    tags=["example", "audiostack", "aiozstream", "asset-watcher"],
) as dag:

    @task
    def announced_articles(triggering_asset_events: Any = None) -> list[dict[str, Any]]:
        """The articles the watcher's events of this run announced, read from their feed."""
        wanted: dict[str, set[str]] = {}
        for event in (triggering_asset_events or {}).get(article_feed, []):
            payload = (event.extra or {}).get("payload") or {}
            wanted.setdefault(str(payload.get("feed", FEED)), set()).update(payload.get("articles", []))
        articles: list[dict[str, Any]] = []
        for feed, ids in wanted.items():
            articles += [article.to_dict() for article in articles_of_feed(feed) if str(article.id) in ids]
        print(f"{len(articles)} new article(s): {', '.join(str(item['id']) for item in articles)}")
        return articles

    publish_articles(announced_articles(), voice="{{ params.voice }}")
