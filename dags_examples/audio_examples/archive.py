"""
The archive pipeline: a whole archive narrated through AudioStack batches and published on AIOZ
Stream, in chunks, as ``archive_to_stream`` runs it.

- **plan** reads the feed and answers "already published?" for every article at once from one
  paged listing of the account's media (100 a page, each answer checked on the client:
  :func:`~audio_examples.claims.survey`), then splits what is left into chunks: at most
  :data:`~audio_examples.claims.MAX_CHUNKS` whatever the archive's size (Airflow's
  ``[core] max_map_length`` is 1024), ordered by hash so that a chunk's claim listings are few.
- per chunk (a mapped task group over the chunks, never over the articles):
  **claim** each article (:mod:`audio_examples.claims`: an AIOZ media made first, settled against
  every other run's claims with the chunk's shard listings) -> **narrate** the articles won, in
  AudioStack batches (one submit per 1000 audioforms, waited on in the triggerer) -> **upload**
  each delivered file into its claimed media, streamed from AudioStack's URL through the
  provider's part uploader (no worker disk), progress kept in the task state store -> **wait**
  for transcoding with one listing per interval for the whole chunk (the media carry the chunk's
  tag) -> **publish** (title, description, tags, public) -> **outcome**: the chunk's rows; claims
  of articles that failed are deleted, so that a later run may take them.
- **report** counts what was published, skipped and failed; any failure fails the run after the
  rest was published.

Every step keeps what it paid for (the batch operator its batch ids, the upload its confirmed
parts, the claims their run's mark), so a retried or cleared task resumes, and a rerun or a
backfill skips what is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import TaskGroup, XComArg, get_current_context, task, task_group

from airflow_provider_audio.defaults import AIOZSTREAM_CONN_ID, AUDIOSTACK_CONN_ID
from airflow_provider_audio.operators.audiostack_creator import AudioStackBatchBuildOperator
from airflow_provider_audio.sensors.aiozstream import AiozStreamMediaSetSensor
from audio_examples.articles import Article, article_audioform, articles_of_feed
from audio_examples.claims import (
    ARTICLE_KEY,
    CHUNK_KEY,
    DEFAULT_CLAIM_TTL,
    LIVE_STATUSES,
    choose_level,
    chunk_size_for,
    claim_articles,
    claim_pairs,
    claimant_of,
    claiming_begun,
    plan_chunks,
    release_claims,
    shard_listing,
    shards,
    snapshot,
    survey,
)
from audio_examples.pipeline import DESCRIPTION_CHARS, remember_failure
from audio_examples.storage import poll_seconds

#: Articles per chunk asked for by default: one AudioStack batch, one claim listing or a few, one
#: transcoding listing per interval, for a hundred articles.
DEFAULT_CHUNK_SIZE = 100
#: How long a chunk's transcodings may take.
TRANSCODE_TIMEOUT = timedelta(hours=2)
#: The task state store key of the upload step's progress.
UPLOADS_KEY = "archive_uploads"
#: The steps of a chunk, in order, as their task ids end.
STEPS = ("claim", "narrate", "upload", "wait_transcoding", "publish")


def publish_changes(article: Article) -> dict[str, Any]:
    """
    What publishing sets on an article's media (``PATCH /media/{id}``): title, description, tags,
    public, and metadata that keeps the claim pairs (a later run's claim listings must still see
    the episode) beside the author.
    """
    return {
        "title": article.title,
        "description": article.body[:DESCRIPTION_CHARS],
        "tags": list(article.tags),
        "metadata": [
            {"key": key, "value": value}
            for key, value in {**claim_pairs(article.id), "author": article.author}.items()
        ],
        "is_public": True,
    }


def _aioz(conn_id: str) -> Any:
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

    return AiozStreamHook(conn_id)


def _store() -> Any:
    return get_current_context().get("task_state_store")


def only_this_article(error: Exception) -> str:
    """
    Why one article of a chunk failed, for its row: an error of that article alone (its delivery,
    its media, its input) costs only itself. A transient service error (5xx, 429, a lost
    connection, past the client's own retries) is raised instead: it is no article's fault, and the
    task's retry resumes where it stopped.
    """
    from airflow_provider_audio.exceptions import AudioServiceError

    if isinstance(error, AudioServiceError) and error.is_transient:
        raise error
    return str(error)


@task
def plan(params: dict[str, Any] | None = None, conn_id: str = AIOZSTREAM_CONN_ID) -> list[dict[str, Any]]:
    """
    Read the feed, skip what is published or being published, split the rest into chunks: returns
    the chunks (what the chunk group maps over); pushes ``skipped`` (article -> why) and ``survey``
    (the "already published?" listing's figures) for the report.
    """
    assert params is not None
    context = get_current_context()
    claimant = claimant_of(context)
    articles = articles_of_feed(str(params["feed"]))
    ttl = timedelta(hours=float(params.get("claim_ttl_hours", DEFAULT_CLAIM_TTL.total_seconds() / 3600)))
    library = survey(_aioz(conn_id), claimant, ttl)
    skipped: dict[str, str] = {}
    todo: list[str] = []
    for article in articles:
        if article.id in library.published:
            skipped[article.id] = f"already published as media {library.published[article.id]}"
        elif article.id in library.in_flight:
            skipped[article.id] = (
                f"being published by another run (its claim: media {library.in_flight[article.id]})"
            )
        else:
            todo.append(article.id)
    size = chunk_size_for(len(todo), int(params.get("chunk_size", DEFAULT_CHUNK_SIZE)))
    chunks = plan_chunks(todo, size)
    level = choose_level(chunks, library)
    print(
        f"{len(articles)} article(s) in the feed: {len(articles) - len(todo)} skipped (published or being "
        f"published), {len(todo)} to publish in {len(chunks)} chunk(s) of up to {size}, claimed at shard "
        f"level {level}. 'Already published?' read {library.listed} media in {library.reads} request(s)."
    )
    context["ti"].xcom_push(key="skipped", value=skipped)
    context["ti"].xcom_push(
        key="survey", value={"articles": len(articles), "listed": library.listed, "reads": library.reads}
    )
    return [
        {
            "index": index,
            "articles": chunk,
            "level": level,
            "shards": shards(chunk, level),
            "claimant": claimant,
            "tag": f"{claimant}-{index}",
            "feed": str(params["feed"]),
            "claim_ttl_hours": ttl.total_seconds() / 3600,
        }
        for index, chunk in enumerate(chunks)
    ]


@task(multiple_outputs=True, on_failure_callback=remember_failure)
def claim(
    chunk: dict[str, Any],
    voice: str,
    sound_template: str,
    loudness: str,
    conn_id: str = AIOZSTREAM_CONN_ID,
) -> dict[str, Any]:
    """
    Claim the chunk's articles (see :mod:`audio_examples.claims`); the narration of those won.

    Returns ``claimed`` (article -> its media and what publishing sets), ``skipped`` (article ->
    why: claimed or published by another run) and ``items`` (article -> audioform, for the batch).
    """
    begun = claiming_begun(get_current_context())
    wanted = set(chunk["articles"])
    articles = {article.id: article for article in articles_of_feed(chunk["feed"]) if article.id in wanted}
    skipped = {article_id: "no longer in the feed" for article_id in sorted(wanted - set(articles))}
    hook = _aioz(conn_id)
    claims = claim_articles(
        hook,
        [article.to_dict() for article in articles.values()],
        claimant=chunk["claimant"],
        chunk=chunk["tag"],
        list_claims=shard_listing(hook, int(chunk["level"]), chunk["shards"]),
        look_first=begun,
        ttl=timedelta(hours=float(chunk["claim_ttl_hours"])),
    )
    claimed: dict[str, Any] = {}
    items: dict[str, Any] = {}
    for article_id, settled in claims.items():
        article = articles[article_id]
        if settled.verdict != "won":
            skipped[article_id] = settled.reason
            continue
        claimed[article_id] = {
            "media_id": settled.media_id,
            "uploaded": settled.published,
            "changes": publish_changes(article),
        }
        if not settled.published:
            items[article_id] = article_audioform(
                article, voice=voice, sound_template=sound_template, loudness_preset=loudness
            )
    print(f"claimed {len(claimed)} of {len(wanted)} article(s); {len(skipped)} skipped")
    return {"claimed": claimed, "skipped": skipped, "items": items}


class NarrateChunkOperator(AudioStackBatchBuildOperator):
    """
    The chunk's batch build: as :class:`AudioStackBatchBuildOperator`, except that a chunk with
    nothing to narrate (every article claimed by another run, or uploaded by an earlier try)
    builds nothing and succeeds.
    """

    def execute(self, context: Any) -> Any:
        if not self.items:
            self.log.info("Nothing to narrate in this chunk")
            return {"items": [], "failed": [], "batch_ids": []}
        return super().execute(context)


@task(multiple_outputs=True, on_failure_callback=remember_failure)
def upload(
    chunk: dict[str, Any],
    claimed: dict[str, Any],
    narrated: dict[str, Any],
    part_size: int | None = None,
    conn_id: str = AIOZSTREAM_CONN_ID,
    audiostack_conn_id: str = AUDIOSTACK_CONN_ID,
) -> dict[str, Any]:
    """
    Stream each delivered file into its claimed media: read from AudioStack's URL one part at a
    time and sent on (the provider's upload source and part uploader, as the AudioStack -> AIOZ
    transfer does; nothing on the worker's disk), then complete. Confirmed parts (of a file of
    several) and completed files are kept in the task state store: a retry resumes after them. An
    article whose build or upload failed costs only itself; a transient service error fails the
    task, whose retry resumes.
    """
    from airflow_provider_audio.exceptions import AudioError
    from airflow_provider_audio.hooks.audiostack import AudioStackHook
    from airflow_provider_audio.upload.parts import DEFAULT_PART_SIZE
    from airflow_provider_audio.upload.sources import HttpSource

    store = _store()
    progress: dict[str, Any] = dict((store.get(UPLOADS_KEY) if store is not None else None) or {})
    size = part_size or DEFAULT_PART_SIZE
    hook = _aioz(conn_id)
    settings = AudioStackHook(audiostack_conn_id).settings()
    built = {item["name"]: item for item in narrated.get("items") or []}
    uploads: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}

    def keep(article_id: str, state: dict[str, Any]) -> None:
        progress[article_id] = state
        if store is not None:
            store.set(UPLOADS_KEY, progress)

    for article_id, mine in claimed.items():
        media_id = str(mine["media_id"])
        state = dict(progress.get(article_id) or {})
        if mine.get("uploaded") or state.get("completed"):
            uploads[article_id] = {"media_id": media_id, "size": state.get("total")}
            continue
        item = built.get(article_id)
        if item is None or item.get("status") != "succeeded":
            errors = (item or {}).get("errors") or "no delivered file"
            failed[article_id] = f"narrate: {errors}"
            continue
        try:
            source = HttpSource(
                item["uri"],
                timeouts=settings.timeouts,
                service="audiostack",
                retry_policy=settings.retry_policy,
            )
            if state.get("total") != source.size or state.get("part_size") != size:
                state = {"total": source.size, "part_size": size, "confirmed": 0}
            sent = hook.upload_parts(
                media_id,
                source,
                size,
                already_confirmed=int(state["confirmed"]),
                # A file of one part has nothing to resume from until it is completed.
                on_confirmed=None
                if source.size <= size
                else lambda done, state=state, article_id=article_id: keep(
                    article_id, {**state, "confirmed": done.confirmed}
                ),
            )
            hook.complete_upload(media_id)
        except AudioError as error:
            failed[article_id] = f"upload: {only_this_article(error)}"
            continue
        keep(article_id, {**state, "confirmed": sent.confirmed, "completed": True})
        uploads[article_id] = {"media_id": media_id, "size": source.size}
    print(f"uploaded {len(uploads)} article(s); {len(failed)} failed")
    return {
        "uploads": uploads,
        "media_ids": [entry["media_id"] for entry in uploads.values()],
        "filter": {CHUNK_KEY: chunk["tag"]},
        "failed": failed,
    }


@task(multiple_outputs=True, on_failure_callback=remember_failure)
def publish(
    claimed: dict[str, Any],
    uploaded: dict[str, Any],
    transcoded: dict[str, Any],
    conn_id: str = AIOZSTREAM_CONN_ID,
) -> dict[str, Any]:
    """Publish each transcoded media whose size is the delivered file's: title, description, tags, public."""
    from airflow_provider_audio.exceptions import AudioError

    hook = _aioz(conn_id)
    states = transcoded.get("media") or {}
    published: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for article_id, entry in uploaded.items():
        media_id = entry["media_id"]
        summary = states.get(media_id) or {}
        if summary.get("status") != "done":
            failed[article_id] = f"transcoding: media {media_id} ended {summary.get('status') or 'unseen'}"
            continue
        if entry.get("size") and summary.get("size_bytes") and summary["size_bytes"] != entry["size"]:
            held, delivered = summary["size_bytes"], entry["size"]
            failed[article_id] = f"transcoding: media {media_id} holds {held} bytes, the delivery {delivered}"
            continue
        try:
            hook.update_media(media_id, claimed[article_id]["changes"])
        except AudioError as error:
            failed[article_id] = f"publish: {only_this_article(error)}"
            continue
        published[article_id] = {
            "media_id": media_id,
            "duration_seconds": summary.get("duration_seconds"),
            "hls_url": summary.get("hls_url"),
            "player_url": summary.get("hls_player_url") or summary.get("dash_player_url"),
        }
    print(f"published {len(published)} article(s); {len(failed)} failed")
    return {"published": published, "failed": failed}


# Runs whatever became of the chunk's steps: one bad article, or one bad chunk, costs only itself.
@task(trigger_rule="all_done")
def outcome(chunk: dict[str, Any], conn_id: str = AIOZSTREAM_CONN_ID, ti: Any = None) -> dict[str, Any]:
    """
    The chunk's rows: published, skipped (and why), failed (at which step, and why). The claims of
    the articles that failed are deleted (this run's own only), so that a later run may take them.
    """
    group = ti.task_id.rpartition(".")[0]

    def pulled(step: str, key: str) -> Any:
        return ti.xcom_pull(task_ids=f"{group}.{step}", key=key, map_indexes=ti.map_index)

    claimed: dict[str, Any] | None = pulled("claim", "claimed")
    skipped: dict[str, str] = dict(pulled("claim", "skipped") or {})
    published: dict[str, Any] = dict(pulled("publish", "published") or {})
    per_article: dict[str, str] = {
        **dict(pulled("upload", "failed") or {}),
        **dict(pulled("publish", "failed") or {}),
    }
    unpublished = [a for a in chunk["articles"] if a not in published and a not in skipped]
    step_failure = "a step of the chunk did not run (see the run's task states)"
    if any(article_id not in per_article for article_id in unpublished):
        # Asked only when needed: a missing XCom is logged as an error.
        step_failure = next(
            (f"{step}: {failure}" for step in STEPS if (failure := pulled(step, "failure"))), step_failure
        )
    failed = {article_id: per_article.get(article_id, step_failure) for article_id in unpublished}
    hook = _aioz(conn_id)
    if claimed is None:
        # The claim step failed: its claims, made or not, are found by the chunk's tag.
        own = [
            media.id
            for media in snapshot(
                hook,
                {
                    "type": "audio",
                    "status": list(LIVE_STATUSES),
                    "metadata": [{"key": CHUNK_KEY, "value": chunk["tag"]}],
                },
            )
            if media.metadata().get(CHUNK_KEY) == chunk["tag"] and media.metadata().get(ARTICLE_KEY) in failed
        ]
    else:
        own = [str(claimed[article_id]["media_id"]) for article_id in failed if article_id in claimed]
    released = release_claims(hook, own, chunk["claimant"]) if own else []
    if failed:
        print(f"chunk {chunk['index']}: {len(failed)} article(s) failed; released {len(released)} claim(s)")
    return {"chunk": chunk["index"], "published": published, "skipped": skipped, "failed": failed}


# Its failure is the run's verdict (an article failed), which a retry would only repeat.
@task(trigger_rule="all_done", retries=0)
def report(outcomes: Sequence[dict[str, Any]] | dict[str, Any] | None, ti: Any = None) -> dict[str, Any]:
    """Count what the run published, skipped and failed; fail the run, after the rest, if any failed."""
    # The rows of the mapped chunk group: Airflow hands a run of one chunk its row alone.
    rows = [outcomes] if isinstance(outcomes, dict) else list(outcomes or [])
    planned = ti.task_id.rpartition(".")[0] + ".plan"
    published: dict[str, Any] = {}
    skipped: dict[str, str] = dict(ti.xcom_pull(task_ids=planned, key="skipped") or {})
    failed: dict[str, str] = {}
    for row in rows:
        published.update(row["published"])
        skipped.update(row["skipped"])
        failed.update(row["failed"])
    survey_figures = dict(ti.xcom_pull(task_ids=planned, key="survey") or {})
    articles = survey_figures.get("articles") or len(published) + len(skipped) + len(failed)
    lines = [
        f"{articles} article(s): {len(published)} published, {len(skipped)} skipped, {len(failed)} failed",
        f"'already published?': {survey_figures.get('reads', '?')} AIOZ Stream read(s) for "
        f"{survey_figures.get('listed', '?')} media, in {len(rows)} chunk(s)",
    ]
    lines.extend(f"  skipped {article_id}: {why}" for article_id, why in sorted(skipped.items())[:20])
    if len(skipped) > 20:
        lines.append(f"  ... and {len(skipped) - 20} more skipped")
    lines.extend(f"  FAILED {article_id}: {why}" for article_id, why in sorted(failed.items()))
    text = "\n".join(lines)
    if failed:
        raise RuntimeError(f"{len(failed)} article(s) failed; the others were published:\n{text}")
    print(text)
    return {"published": published, "skipped": skipped, "failed": failed, "survey": survey_figures}


def publish_archive(
    *,
    voice: str = "sara",
    sound_template: str = "cityscape",
    loudness: str = "podcast",
    poll_interval: float | None = None,
    part_size: int | None = None,
) -> XComArg:
    """
    Add the archive pipeline to the current DAG; its params ``feed``, ``chunk_size`` and
    ``claim_ttl_hours`` are read at run time.

    :param voice: the AudioStack voice alias (templated, e.g. ``{{ params.voice }}``).
    :return: the report's output.
    """
    interval = poll_interval if poll_interval is not None else poll_seconds()

    # Airflow types a group function's return as None or a DAGNode; the XComArg it returns here is
    # what .expand() hands on (the chunk's rows), as Airflow's own examples do.
    @task_group(group_id="chunk")  # type: ignore[type-var]
    def publish_chunk(chunk: dict[str, Any]) -> XComArg:
        claimed = claim(chunk, voice, sound_template, loudness)
        narrated = NarrateChunkOperator(
            task_id="narrate",
            items=claimed["items"],
            fail_on_item_error=False,
            poll_interval=interval,
            deferrable=True,
            on_failure_callback=remember_failure,
        )
        uploaded = upload(chunk, claimed["claimed"], narrated.output, part_size)
        transcoded = AiozStreamMediaSetSensor(
            task_id="wait_transcoding",
            media_ids=uploaded["media_ids"],
            metadata=uploaded["filter"],
            fail_on_error=False,
            poke_interval=interval,
            timeout=TRANSCODE_TIMEOUT.total_seconds(),
            deferrable=True,
            on_failure_callback=remember_failure,
        )
        done = publish(claimed["claimed"], uploaded["uploads"], transcoded.output)
        row = outcome(chunk)
        done >> row
        return row

    with TaskGroup("archive"):
        rows = publish_chunk.expand(chunk=plan())
        return report(rows)
