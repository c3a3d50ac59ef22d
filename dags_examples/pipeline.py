"""
The article -> audio -> stream pipeline, as one task group that example DAGs reuse.

Per article (dynamic task mapping): narrate it with AudioStack (the build is waited on in the
triggerer), stream the delivered file into AIOZ Stream parts and wait for transcoding, publish the
media (title, description, tags, metadata with the article id, public), and record an Asset event
per published episode. Articles already published (found by their id in AIOZ metadata) are
skipped before anything is built. Audio moves between tasks through the services themselves,
never as a local file, so the same DAG runs on executors whose workers share no disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import AssetAlias, TaskGroup, XComArg, task

from airflow_provider_audio.defaults import AIOZSTREAM_CONN_ID
from airflow_provider_audio.operators.aiozstream import AiozStreamUpdateMediaOperator
from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from airflow_provider_audio.transfers.audiostack_to_aiozstream import AudioStackToAiozStreamOperator
from dags_examples.articles import Article, article_audioform
from dags_examples.storage import poll_seconds

ARTICLE_KEY = "article_id"
PUBLISHED_EPISODES = AssetAlias("published-episodes")
DESCRIPTION_CHARS = 240


@task
def unpublished(articles: list[dict[str, Any]], conn_id: str = AIOZSTREAM_CONN_ID) -> list[dict[str, Any]]:
    """The articles that have no media on AIOZ Stream yet (done or still transcoding)."""
    # Imported here, on the worker: parsing the DAG file does not load the HTTP client.
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

    hook = AiozStreamHook(conn_id)
    todo = []
    for article in articles:
        found = hook.find_media_by_metadata(ARTICLE_KEY, article["id"], statuses=["done", "transcoding"])
        if found:
            print(f"skipping {article['id']}: already published as {found[0].id}")
        else:
            todo.append(article)
    return todo


@task
def narrations(
    articles: list[dict[str, Any]], voice: str, sound_template: str, loudness: str
) -> list[dict[str, Any]]:
    """One audioform per article."""
    return [
        article_audioform(
            Article(**article), voice=voice, sound_template=sound_template, loudness_preset=loudness
        )
        for article in articles
    ]


@task
def stream_requests(articles: list[dict[str, Any]], builds: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Arguments of one AudioStack -> AIOZ transfer per built article."""
    return [
        {
            "audioform_id": build["audioform_id"],
            "title": article["title"],
            "metadata": {ARTICLE_KEY: article["id"]},
        }
        for article, build in zip(articles, builds, strict=True)
    ]


@task
def publish_requests(
    articles: list[dict[str, Any]], streamed: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Arguments of one publish (media update) per streamed article."""
    return [
        {
            "media_id": media["media_id"],
            "changes": {
                "title": article["title"],
                "description": article["body"][:DESCRIPTION_CHARS],
                "tags": article.get("tags") or [],
                "metadata": {ARTICLE_KEY: article["id"], "author": article.get("author", "")},
                "is_public": True,
            },
        }
        for article, media in zip(articles, streamed, strict=True)
    ]


# A run with nothing new maps every step over zero articles (all skipped): still record and report.
@task(outlets=[PUBLISHED_EPISODES], trigger_rule="none_failed")
def record_episodes(
    articles: list[dict[str, Any]], published: Sequence[dict[str, Any]], outlet_events: Any = None
) -> list[dict[str, Any]]:
    """An Asset event per published episode, and the rows of the final table."""
    from airflow.sdk import Asset

    rows: list[dict[str, Any]] = []
    for article, media in zip(articles, published or [], strict=True):
        asset = Asset(name=f"episode-{article['id']}", uri=f"aiozstream://media/{media['media_id']}")
        outlet_events[PUBLISHED_EPISODES].add(
            asset, extra={ARTICLE_KEY: article["id"], "hls_url": media["hls_url"]}
        )
        rows.append(
            {
                "article": article["id"],
                "duration_seconds": media.get("duration_seconds"),
                "hls_url": media.get("hls_url"),
                "player_url": media.get("hls_player_url") or media.get("dash_player_url"),
            }
        )
    return rows


@task(trigger_rule="none_failed")
def report(rows: list[dict[str, Any]]) -> str:
    """Print the published episodes as a table."""
    header = f"{'article':<34} {'duration':>9}  {'HLS URL':<70} player URL"
    lines = [header, "-" * len(header)]
    for row in rows:
        duration = f"{row['duration_seconds']:.1f} s" if row.get("duration_seconds") else "-"
        lines.append(
            f"{row['article']:<34} {duration:>9}  {row['hls_url'] or '-':<70} {row['player_url'] or '-'}"
        )
    if not rows:
        lines.append("(nothing new to publish)")
    table = "\n".join(lines)
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
    with TaskGroup("publish"):
        todo = unpublished(articles)
        builds = AudioStackBuildAudioformOperator.partial(
            task_id="build_audio", poll_interval=interval, deferrable=True
        ).expand(audioform=narrations(todo, voice, sound_template, loudness))
        transfer_options: dict[str, Any] = {"part_size": part_size} if part_size else {}
        streamed = AudioStackToAiozStreamOperator.partial(
            task_id="stream_audio",
            reuse_key=ARTICLE_KEY,
            is_public=False,
            poll_interval=interval,
            deferrable=True,
            **transfer_options,
        ).expand_kwargs(stream_requests(todo, builds.output))
        published = AiozStreamUpdateMediaOperator.partial(task_id="publish_media").expand_kwargs(
            publish_requests(todo, streamed.output)
        )
        rows = record_episodes(todo, published.output)
        return report(rows)
