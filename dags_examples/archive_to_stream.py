"""
### Archive -> audio -> stream

Publishes a whole archive of articles as streaming episodes, at a cost that stays flat per article
however large the archive is:

1. **Already published?** is answered for every article at once from one paged listing of the
   AIOZ Stream account (100 media a request), each answer checked on the client (the media's own
   `article_id` pair, its status `done` or `transcoding`), not with one request per article.
2. The rest is split into **chunks** (`chunk_size` articles, raised so that there are never more
   than 100 chunks: Airflow's `[core] max_map_length` is 1024); the run maps over the chunks, never
   over the articles. Per chunk:
   - **claim**: each article's AIOZ media is created first (free), then the chunk's claim listings
     settle who owns it against every other run: the oldest claim wins, a run that lost deletes its
     own claim and skips the article. Two runs over the same articles (two runs of this DAG, a run
     beside `article_to_stream` or `scheduled_conversion`, two deployments) never build one twice.
   - **narrate**: AudioStack batches (one submit per 1000 audioforms), waited on in the triggerer;
   - **upload**: each delivered file streamed from AudioStack's URL into its claimed media (no
     worker disk), resumable part by part;
   - **wait_transcoding**: one listing per interval for the whole chunk, in the triggerer;
   - **publish**: title, description, tags, public;
   - **outcome**: the chunk's rows; an article that failed releases its claim (a later run takes it).
3. **report**: counts published, skipped (and why) and failed; any failure fails the run after the
   rest was published.

A rerun or a backfill skips what is published; a retried or cleared task resumes (batches, uploaded
parts and claims are kept in the task state store). `max_active_runs=1` queues a second run of this
DAG behind the first, but it does not stop other DAGs, backfills (counted apart by the scheduler)
or other deployments from publishing the same articles at the same time: the claims do.

**Needs**

- the connections `audiostack_default` (AudioStack API key) and `aiozstream_default` (AIOZ secret
  key as password, `public_key` in the extras);
- no shared storage: audio moves from AudioStack to AIOZ Stream directly, never through a worker's
  disk; the feed must be readable by every worker (a shared folder, or a URL);
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

**Params**

- `feed`: a folder of article JSON files readable by every worker (the samples in `data/articles`
  by default), or the `http(s)://` URL of a JSON list of articles;
- `voice`: the AudioStack voice that reads them (the form proposes the sandbox's voices; any voice
  of the account is accepted);
- `chunk_size`: articles per chunk (100 by default), raised for archives of more than 100 chunks;
- `claim_ttl_hours`: how long another run's claim still waiting counts (24 by default); a claim
  older than that was left by a run that died, and is taken over.

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param

from audio_examples.archive import DEFAULT_CHUNK_SIZE, publish_archive
from audio_examples.articles import SAMPLE_ARTICLES
from audio_examples.claims import DEFAULT_CLAIM_TTL
from audio_examples.defaults import DEFAULT_ARGS, feed_param, voice_param

with DAG(
    dag_id="archive_to_stream",
    description="Publish a whole archive: AudioStack batches, AIOZ Stream in chunks, claims against overlap",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    # A chunk's later steps go before the next chunk's claim (Airflow's default favours the first
    # steps of every chunk): chunks then claim, upload and publish at the same time, so AIOZ's
    # write and upload budgets are both in use, and episodes are published from the first minutes.
    default_args={**DEFAULT_ARGS, "weight_rule": "upstream"},
    params={
        "feed": feed_param(str(SAMPLE_ARTICLES)),
        "voice": voice_param(),
        "chunk_size": Param(
            DEFAULT_CHUNK_SIZE,
            type="integer",
            minimum=1,
            maximum=1000,
            description=(
                "Articles per chunk: one AudioStack batch, one transcoding listing per interval. Raised "
                "so that an archive never makes more than 100 chunks."
            ),
        ),
        "claim_ttl_hours": Param(
            DEFAULT_CLAIM_TTL.total_seconds() / 3600,
            type="number",
            exclusiveMinimum=0,
            description=(
                "Hours another run's claim on an article, still waiting for its audio, is respected; "
                "an older one was left by a run that died and is taken over."
            ),
        ),
    },
    tags=["example", "audiostack", "aiozstream", "backfill"],
) as dag:
    publish_archive(voice="{{ params.voice }}")
