"""
The article -> audio -> stream pipeline, as one task group that example DAGs reuse.

Per article (dynamic task mapping): narrate it with AudioStack (the build is waited on in the
triggerer), stream the delivered file into AIOZ Stream parts and wait for transcoding, publish the
media (title, description, tags, metadata with the article id, public), and record an Asset event
per published episode. Articles already published (found by their id in AIOZ metadata, all of them
from one paged listing) are skipped before anything is built. Before its build is paid for, each
article is claimed (:mod:`audio_examples.claims`): its AIOZ media is created first and settled
against every other run's claims, so that two runs over the same articles build each once. Audio
moves between tasks through the services themselves, never as a local file, so the same DAG runs
on executors whose workers share no disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import AssetAlias, TaskGroup, XComArg, get_current_context, task, task_group

from airflow_provider_audio.defaults import AIOZSTREAM_CONN_ID
from airflow_provider_audio.operators.aiozstream import AiozStreamUpdateMediaOperator
from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from airflow_provider_audio.transfers.audiostack_to_aiozstream import AudioStackToAiozStreamOperator
from audio_examples.articles import Article, article_audioform
from audio_examples.claims import (
    ARTICLE_KEY,
    CLAIMANT_KEY,
    article_listing,
    claim_articles,
    claim_pairs,
    claimant_of,
    claiming_begun,
    release_claims,
    survey,
)
from audio_examples.storage import poll_seconds

PUBLISHED_EPISODES = AssetAlias("published-episodes")
DESCRIPTION_CHARS = 240


@task
def unpublished(articles: list[dict[str, Any]], conn_id: str = AIOZSTREAM_CONN_ID) -> list[dict[str, Any]]:
    """
    The articles that have no media on AIOZ Stream yet (done or still transcoding), nor a claim of
    another run still waiting, from one paged listing of the account's media (100 a request), each
    answer checked on the client. Pushes this run's claimant mark (``claimant``), which its claims
    carry.
    """
    # Imported here, on the worker: parsing the DAG file does not load the HTTP client.
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

    context = get_current_context()
    claimant = claimant_of(context)
    library = survey(AiozStreamHook(conn_id), claimant)
    todo = []
    for article in articles:
        if article["id"] in library.published:
            print(f"skipping {article['id']}: already published as {library.published[article['id']]}")
        elif article["id"] in library.in_flight:
            print(
                f"skipping {article['id']}: another run claimed it (media {library.in_flight[article['id']]})"
            )
        else:
            todo.append(article)
    print(f"'already published?' read {library.listed} media in {library.reads} request(s)")
    context["ti"].xcom_push(key="claimant", value=claimant)
    return todo


@task
def narration(article: dict[str, Any], voice: str, sound_template: str, loudness: str) -> dict[str, Any]:
    """The article's audioform."""
    return article_audioform(
        Article(**article), voice=voice, sound_template=sound_template, loudness_preset=loudness
    )


@task(multiple_outputs=True)
def stream_request(article: dict[str, Any]) -> dict[str, Any]:
    """The AudioStack -> AIOZ transfer's title and metadata for the article."""
    return {"title": article["title"], "metadata": claim_pairs(article["id"])}


@task(multiple_outputs=True)
def publish_request(article: dict[str, Any]) -> dict[str, Any]:
    """The publish (media update) changes for the article."""
    return {
        "changes": {
            "title": article["title"],
            "description": article["body"][:DESCRIPTION_CHARS],
            "tags": article.get("tags") or [],
            # The claim pairs stay: a later run's claim listings must still see the episode.
            "metadata": {**claim_pairs(article["id"]), "author": article.get("author", "")},
            "is_public": True,
        },
    }


def remember_failure(context: Any) -> None:
    """on_failure_callback of an article's steps: keep why it failed for the run's report."""
    error = context.get("exception")
    context["ti"].xcom_push(key="failure", value=f"{type(error).__name__}: {error}"[:500])


@task(on_failure_callback=remember_failure)
def claim(article: dict[str, Any], claimant: str, conn_id: str = AIOZSTREAM_CONN_ID) -> str:
    """
    Claim the article before its build is paid for (see :mod:`audio_examples.claims`): its AIOZ
    media is created, then the article's media are listed (one request) and the oldest claim wins.
    Returns the claimed media, which the transfer uploads into; an article another run claimed or
    published first is skipped, and this run's claim deleted.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

    context = get_current_context()
    begun = claiming_begun(context)
    hook = AiozStreamHook(conn_id)
    settled = claim_articles(
        hook, [article], claimant=claimant, list_claims=article_listing(hook, article["id"]), look_first=begun
    )[article["id"]]
    if settled.verdict != "won":
        context["ti"].xcom_push(key="skipped", value=settled.reason)
        raise AirflowSkipException(f"{article['id']}: {settled.reason}")
    assert settled.media_id is not None
    return settled.media_id


# Runs whether the article's chain succeeded or not: one bad article costs only itself.
@task(outlets=[PUBLISHED_EPISODES], trigger_rule="all_done")
def outcome(
    article: dict[str, Any], conn_id: str = AIOZSTREAM_CONN_ID, outlet_events: Any = None, ti: Any = None
) -> dict[str, Any]:
    """
    The article's row: published (with an Asset event), skipped (another run claimed or published
    it first) or failed (at which step, and why; its claim is then deleted, so that a later run may
    take the article).
    """
    from airflow.sdk import Asset

    group = ti.task_id.rpartition(".")[0]
    skipped = ti.xcom_pull(task_ids=f"{group}.claim", key="skipped", map_indexes=ti.map_index)
    if skipped:
        return {"article": article["id"], "skipped": skipped}
    media = ti.xcom_pull(task_ids=f"{group}.publish_media", map_indexes=ti.map_index)
    if media:
        asset = Asset(name=f"episode-{article['id']}", uri=f"aiozstream://media/{media['media_id']}")
        outlet_events[PUBLISHED_EPISODES].add(
            asset, extra={ARTICLE_KEY: article["id"], "hls_url": media["hls_url"]}
        )
        return {
            "article": article["id"],
            "duration_seconds": media.get("duration_seconds"),
            "hls_url": media.get("hls_url"),
            "player_url": media.get("hls_player_url") or media.get("dash_player_url"),
        }
    _release_claim(ti, group, article["id"], conn_id)
    for step in ("claim", "build_audio", "stream_audio", "publish_media"):
        failure = ti.xcom_pull(task_ids=f"{group}.{step}", key="failure", map_indexes=ti.map_index)
        if failure:
            return {"article": article["id"], "failed": f"{step}: {failure}"}
    return {"article": article["id"], "failed": "an upstream step did not run (see the run's task states)"}


def _release_claim(ti: Any, group: str, article_id: str, conn_id: str) -> None:
    """
    Delete the claim of an article that failed (this run's own, as AIOZ's answer shows it), so that
    a later run may publish it. When the claim step itself failed, the article's media are listed
    (one request) for a claim it may have made all the same.
    """
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

    claimant = ti.xcom_pull(task_ids=f"{group.rpartition('.')[0]}.unpublished", key="claimant")
    if not claimant:
        return
    hook = AiozStreamHook(conn_id)
    media_id = ti.xcom_pull(task_ids=f"{group}.claim", map_indexes=ti.map_index)
    if media_id:
        own = [str(media_id)]
    else:
        own = [
            m.id for m in article_listing(hook, article_id)() if m.metadata().get(CLAIMANT_KEY) == claimant
        ]
    for released in release_claims(hook, own, str(claimant)):
        print(f"released claim media {released}: a later run may publish the article")


# Its failure is the run's verdict (an article failed), which a retry would only repeat.
@task(trigger_rule="all_done", retries=0)
def report(outcomes: Sequence[dict[str, Any]] | dict[str, Any] | None) -> str:
    """Print the published episodes as a table, then the articles skipped and those that failed, and why."""
    # The rows of a mapped task group: Airflow hands a run of one article its row alone.
    rows = [outcomes] if isinstance(outcomes, dict) else list(outcomes or [])
    header = f"{'article':<34} {'duration':>9}  {'HLS URL':<70} player URL"
    lines = [header, "-" * len(header)]
    published = [row for row in rows if "failed" not in row and "skipped" not in row]
    skipped = [row for row in rows if "skipped" in row]
    failed = [row for row in rows if "failed" in row]
    for row in published:
        duration = f"{row['duration_seconds']:.1f} s" if row.get("duration_seconds") else "-"
        lines.append(
            f"{row['article']:<34} {duration:>9}  {row['hls_url'] or '-':<70} {row['player_url'] or '-'}"
        )
    if not published and not failed:
        lines.append("(nothing new to publish)")
    lines.extend(f"skipped {row['article']}: {row['skipped']}" for row in skipped)
    if failed:
        lines.append(f"{len(failed)} article(s) failed:")
        lines.extend(f"  {row['article']}: {row['failed']}" for row in failed)
    table = "\n".join(lines)
    if failed:
        # The table goes with the error alone: printed as well, each failure would show twice.
        raise RuntimeError(
            f"{len(failed)} of {len(rows)} article(s) failed; the others were published:\n{table}"
        )
    print(table)
    return table


def publish_articles(
    articles: XComArg,
    *,
    voice: str = "sara",
    sound_template: str = "cityscape",
    loudness: str = "podcast",
    poll_interval: float | None = None,
    part_size: int | None = None,
) -> XComArg:
    """
    Add the pipeline for ``articles`` (a list of article dicts) to the current DAG.

    :return: the final report's output (the table as text).
    """
    interval = poll_interval if poll_interval is not None else poll_seconds()
    transfer_options: dict[str, Any] = {"part_size": part_size} if part_size else {}

    # Airflow types a group function's return as None or a DAGNode; the XComArg it returns here is
    # what .expand() hands on (the article's row), as Airflow's own examples do.
    @task_group(group_id="article")  # type: ignore[type-var]
    def publish_one(article: dict[str, Any], claimant: str) -> XComArg:
        claimed = claim(article, claimant)
        build = AudioStackBuildAudioformOperator(
            task_id="build_audio",
            audioform=narration(article, voice, sound_template, loudness),
            poll_interval=interval,
            deferrable=True,
            on_failure_callback=remember_failure,
        )
        claimed >> build
        transfer = stream_request(article)
        streamed = AudioStackToAiozStreamOperator(
            task_id="stream_audio",
            audioform_id=build.output["audioform_id"],
            media_id=claimed,
            title=transfer["title"],
            metadata=transfer["metadata"],
            reuse_key=ARTICLE_KEY,
            is_public=False,
            poll_interval=interval,
            deferrable=True,
            on_failure_callback=remember_failure,
            **transfer_options,
        )
        published = AiozStreamUpdateMediaOperator(
            task_id="publish_media",
            media_id=streamed.output["media_id"],
            changes=publish_request(article)["changes"],
            on_failure_callback=remember_failure,
        )
        row = outcome(article)
        published >> row
        return row

    with TaskGroup("publish"):
        todo = unpublished(articles)
        rows = publish_one.partial(claimant=todo["claimant"]).expand(article=todo)
        return report(rows)
