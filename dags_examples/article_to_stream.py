"""
### Article -> audio -> stream

Narrates a feed of articles and publishes each as a streaming episode. Per article (a mapped task
group): AudioStack builds the narration (waited on in the triggerer), the delivered file is
streamed into AIOZ Stream and transcoded, the media is published (title, description, tags, the
article id in its metadata) and recorded as an Asset event (alias `published-episodes`). Articles
already on AIOZ Stream are found by their id (one paged listing of the account for all of them) and
skipped before anything is built. Each other article is claimed before its build is paid for: its
AIOZ media is created first and settled against other runs' claims (the oldest wins; a run that
lost deletes its own claim and skips the article), so runs that overlap (another run of this DAG,
`scheduled_conversion`, `archive_to_stream`, another deployment) build each article once. The last
task prints a table: article, audio duration, HLS URL, player URL, then the articles skipped; it
fails the run, after publishing the others, if any article failed (whose claim is then deleted).
`max_active_runs=1`: a second run of this DAG waits for the first.

**Needs**

- the connections `audiostack_default` (AudioStack API key) and `aiozstream_default` (AIOZ secret
  key as password, `public_key` in the extras);
- no shared storage: audio moves from AudioStack to AIOZ Stream directly, never through a worker's
  disk;
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

**Params**

- `feed`: a folder of article JSON files readable by the worker (the samples in `data/articles` by
  default), or the `http(s)://` URL of a JSON list of articles;
- `voice`: the AudioStack voice that reads them (the form proposes the sandbox's voices; any voice
  of the account is accepted).

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from audio_examples.articles import SAMPLE_ARTICLES, articles_of_feed
from audio_examples.defaults import DEFAULT_ARGS, feed_param, voice_param
from audio_examples.pipeline import publish_articles

with DAG(
    dag_id="article_to_stream",
    description="Narrate articles with AudioStack and publish them on AIOZ Stream",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    # A second run waits for the first; runs of other DAGs over the same articles (or a backfill,
    # which the scheduler counts apart) may still overlap: the claims keep those from paying twice.
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "feed": feed_param(str(SAMPLE_ARTICLES)),
        "voice": voice_param(),
    },
    tags=["example", "audiostack", "aiozstream"],
) as dag:

    @task
    def read_feed(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The articles of the feed, oldest first."""
        assert params is not None
        return [article.to_dict() for article in articles_of_feed(str(params["feed"]))]

    publish_articles(read_feed(), voice="{{ params.voice }}")
