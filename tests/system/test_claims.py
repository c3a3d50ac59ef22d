"""
Runs that overlap claim their articles: runs over the same articles at the same time build and
publish each article once. The claim functions raced against the sandbox from threads (an archive
chunk's shard listings beside article_to_stream's per-article ones); and whole runs started
together, each a ``dag.test()`` in a process and Airflow database of its own (as two deployments,
or two runs the scheduler started at once).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from audio_examples.claims import Claimed, article_listing, claim_articles, shard_listing
from tests.system.conftest import patch_settings, sandbox_stats
from tests.system.dag_child import start_child
from tests.system.test_archive import live_media, write_feed

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

#: Long enough that both runs have passed "already published?" before either has published.
OVERLAP_BUILD_SECONDS = 4.0
CHILD_TIMEOUT = 240.0
ARCHIVE_ARTICLES = 25


@pytest.fixture
def overlap_env(
    airflow_db: Path, sandbox_connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> SandboxServer:
    """Connections to the reset sandbox, quick polls, builds that take a few seconds."""
    monkeypatch.setenv("AUDIO_POLL_SECONDS", "0.3")
    patch_settings(sandbox_connections, build_seconds=OVERLAP_BUILD_SECONDS, transcode_seconds=0.5)
    return sandbox_connections


def test_runs_claiming_the_same_articles_at_once_settle_each_on_one_run(
    sandbox_connections: SandboxServer,
) -> None:
    # Three runs claim the same 20 articles at the same moment: two as archive chunks (one shard
    # listing for all), one article by article as article_to_stream does (a listing per article).
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

    articles = [{"id": f"race-{n:02d}", "title": f"Race {n}"} for n in range(20)]
    start = threading.Barrier(3)
    results: dict[str, dict[str, Claimed]] = {}
    errors: list[BaseException] = []

    def chunk_run(claimant: str) -> None:
        hook = AiozStreamHook()
        start.wait()
        results[claimant] = claim_articles(
            hook,
            articles,
            claimant=claimant,
            chunk=f"{claimant}-0",
            list_claims=shard_listing(hook, 0, ["1"]),
        )

    def article_run(claimant: str) -> None:
        hook = AiozStreamHook()
        start.wait()
        results[claimant] = {}
        for article in articles:
            listing = article_listing(hook, str(article["id"]))
            results[claimant].update(claim_articles(hook, [article], claimant=claimant, list_claims=listing))

    def guarded(target: Any, claimant: str) -> None:
        try:
            target(claimant)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [
        threading.Thread(target=guarded, args=(chunk_run, "archive-a")),
        threading.Thread(target=guarded, args=(chunk_run, "archive-b")),
        threading.Thread(target=guarded, args=(article_run, "pipeline-c")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    won = {
        article["id"]: [run for run in results if results[run][str(article["id"])].verdict == "won"]
        for article in articles
    }
    assert all(len(runs) == 1 for runs in won.values()), won
    # Every loser deleted its own claim and no other: one live media per article, the winner's.
    media = live_media(sandbox_connections)
    assert sorted(article_of(item) for item in media) == sorted(str(article["id"]) for article in articles)
    for item in media:
        winner = won[article_of(item)][0]
        assert results[winner][article_of(item)].media_id == item["id"]
    stats = sandbox_stats(sandbox_connections)["aioz"]
    assert stats["created"] - stats["deleted"] == len(articles) and stats["created"] >= len(articles)


def article_of(media: dict[str, object]) -> str:
    pairs = media.get("metadata") or []
    assert isinstance(pairs, list)
    return next(str(pair["value"]) for pair in pairs if pair["key"] == "article_id")


def test_two_article_to_stream_runs_started_together_build_each_article_once(
    overlap_env: SandboxServer, airflow_db: Path, tmp_path: Path
) -> None:
    children = [
        start_child("article_to_stream", {}, tmp_path / f"run-{n}", airflow_db, dict(os.environ))
        for n in (1, 2)
    ]
    results = [child.result(CHILD_TIMEOUT) for child in children]
    assert [result["state"] for result in results] == ["success", "success"], [c.tail() for c in children]
    stats = sandbox_stats(overlap_env)
    assert stats["audioforms"]["created"] == 3, stats["audioforms"]
    media = live_media(overlap_env)
    assert sorted(article_of(item) for item in media) == sorted(
        ["ferry-timetable-2026-11-19", "harbour-lights-2026-11-18", "library-night-owls-2026-11-17"]
    )
    assert {item["status"] for item in media} == {"done"}


def test_two_archive_runs_started_together_build_each_article_once(
    overlap_env: SandboxServer, airflow_db: Path, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed", count=ARCHIVE_ARTICLES)
    conf = {"feed": str(feed), "chunk_size": 5}
    children = [
        start_child("archive_to_stream", conf, tmp_path / f"run-{n}", airflow_db, dict(os.environ))
        for n in (1, 2)
    ]
    results = [child.result(CHILD_TIMEOUT) for child in children]
    assert [result["state"] for result in results] == ["success", "success"], [c.tail() for c in children]
    stats = sandbox_stats(overlap_env)
    assert stats["audioforms"]["created"] == ARCHIVE_ARTICLES, stats["audioforms"]
    media = live_media(overlap_env)
    assert sorted(article_of(item) for item in media) == [f"archive-{n:03d}" for n in range(ARCHIVE_ARTICLES)]
    assert {(item["status"], item["is_public"]) for item in media} == {("done", True)}
    # every claim that lost was deleted by its own run
    assert stats["aioz"]["created"] - stats["aioz"]["deleted"] == ARCHIVE_ARTICLES
