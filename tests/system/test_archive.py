"""
The archive pipeline (``dags_examples/archive_to_stream.py``) under dag.test() against the sandbox:
25 articles in chunks of 5, each published once with the bytes AudioStack delivered; "already
published?" costs one listing page per hundred media; a rerun builds and publishes nothing; a
listing that ignores its filters neither skips an article nor adopts another's media.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.conftest import SANDBOX_AIOZ_HEADERS
from tests.system.conftest import patch_settings, sandbox_stats

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

ARTICLES = 25
CHUNK_SIZE = 5
LIST_MEDIA = "POST /aiozstream/api/media"
GET_MEDIA = "GET /aiozstream/api/media/{media_id}"
BATCHES = "POST /audiostack/audioforms/batches"
SUBMIT_AUDIOFORM = "POST /audiostack/audioforms"


def write_feed(folder: Path, count: int = ARTICLES, prefix: str = "archive") -> Path:
    """``count`` short articles (a few seconds of narration each)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        article = {
            "id": f"{prefix}-{n:03d}",
            "published": f"2020-01-{n % 28 + 1:02d}",
            "title": f"Archive item {n}",
            "author": "Desk",
            "tags": ["archive"],
            "body": f"Item {n} from the archive, read in a few seconds.",
        }
        (folder / f"{prefix}-{n:03d}.json").write_text(json.dumps(article))
    return folder


@pytest.fixture
def archive_env(
    airflow_db: Path, sandbox_connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SandboxServer]:
    """Connections to the reset sandbox, quick timers and polls; the loose-list knob put back after."""
    monkeypatch.setenv("AUDIO_POLL_SECONDS", "0.3")
    patch_settings(sandbox_connections, build_seconds=0.5, transcode_seconds=0.5)
    try:
        yield sandbox_connections
    finally:
        patch_settings(sandbox_connections, fault_loose_list_rate=0.0)


def load_archive() -> Any:
    sys.modules.pop("dags_examples.archive_to_stream", None)
    from importlib import import_module

    return import_module("dags_examples.archive_to_stream").dag


def xcoms(run: Any, task_id: str, key: str = "return_value") -> list[Any]:
    """A task's XComs in a finished run, one per map index, in map-index order."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = XComModel.get_many(run_id=run.run_id, key=key, dag_ids=run.dag_id, task_ids=task_id)
        rows = sorted(session.scalars(query).all(), key=lambda row: row.map_index)
        return [XComModel.deserialize_value(row) for row in rows]


def aioz(sandbox: SandboxServer, method: str, path: str, **body: Any) -> Any:
    response = requests.request(
        method,
        f"{sandbox.service_url('aiozstream')}{path}",
        json=body or None,
        headers=SANDBOX_AIOZ_HEADERS,
        timeout=10,
    )
    response.raise_for_status()
    return response.json().get("data")


def live_media(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """Every media not deleted, all pages."""
    found: list[dict[str, Any]] = []
    while True:
        page = aioz(
            sandbox,
            "POST",
            "/media",
            status=["new", "transcoding", "done", "fail"],
            offset=len(found),
            limit=100,
        )
        found.extend(page["media"])
        if not page["media"] or len(found) >= page["total"]:
            return found


def pairs(media: dict[str, Any]) -> dict[str, str]:
    return {str(pair["key"]): str(pair["value"]) for pair in media.get("metadata") or []}


def stored(sandbox: SandboxServer, media_id: str) -> dict[str, Any]:
    found: dict[str, Any] = requests.get(
        f"{sandbox.base_url}/_sandbox/aioz/media/{media_id}", timeout=5
    ).json()
    return found


def create_unrelated(sandbox: SandboxServer, count: int) -> None:
    """Media of someone else's (no article id): the library the "already published?" listing pages through."""
    for n in range(count):
        aioz(sandbox, "POST", "/media/create", type="audio", title=f"Unrelated {n}")


def assert_each_article_published_once_as_delivered(sandbox: SandboxServer, runs: list[Any]) -> None:
    """Every article: exactly one live media, done and public, whose bytes are the delivered file's."""
    media = live_media(sandbox)
    by_article: dict[str, list[dict[str, Any]]] = {}
    for item in media:
        article = pairs(item).get("article_id")
        if article is not None:
            by_article.setdefault(article, []).append(item)
    assert sorted(by_article) == [f"archive-{n:03d}" for n in range(ARTICLES)]
    assert all(len(items) == 1 for items in by_article.values()), {a: len(i) for a, i in by_article.items()}
    delivered: dict[str, str] = {}
    for run in runs:
        for narrated in xcoms(run, "archive.chunk.narrate"):
            for item in narrated["items"]:
                if item["status"] == "succeeded":
                    delivered[item["name"]] = item["uri"]
    assert sorted(delivered) == sorted(by_article)
    for article, (item,) in by_article.items():
        assert item["status"] == "done" and item["is_public"] is True, item
        assert item["title"] == f"Archive item {int(article.rsplit('-', 1)[1])}"
        assert pairs(item)["author"] == "Desk"
        source = requests.get(delivered[article], headers={"Accept-Encoding": "identity"}, timeout=10).content
        held = stored(sandbox, item["id"])
        assert held["md5"] == hashlib.md5(source).hexdigest() and held["size"] == len(source), article


def test_an_archive_is_published_once_in_chunks_and_a_rerun_builds_nothing(
    archive_env: SandboxServer, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed")
    create_unrelated(archive_env, 230)
    dag = load_archive()
    conf = {"feed": str(feed), "chunk_size": CHUNK_SIZE}
    before = sandbox_stats(archive_env)["requests"]

    run = dag.test(run_conf=conf)

    assert run.state == "success"
    stats = sandbox_stats(archive_env)
    requests_made = {
        route: stats["requests"].get(route, 0) - before.get(route, 0) for route in stats["requests"]
    }
    (report,) = xcoms(run, "archive.report")
    assert sorted(report["published"]) == [f"archive-{n:03d}" for n in range(ARTICLES)]
    assert report["failed"] == {} and report["skipped"] == {}
    # "already published?": one listing of the whole library, 100 media a page (230 unrelated media)
    assert report["survey"] == {"articles": ARTICLES, "listed": 230, "reads": math.ceil(230 / 100)}
    assert len(xcoms(run, "archive.chunk.outcome")) == ARTICLES // CHUNK_SIZE
    # one AudioStack submit per chunk (a batch), none per article
    assert (
        requests_made.get(BATCHES) == ARTICLES // CHUNK_SIZE and requests_made.get(SUBMIT_AUDIOFORM, 0) == 0
    )
    assert stats["audioforms"]["created"] == ARTICLES
    assert stats["aioz"]["created"] == 230 + ARTICLES and stats["aioz"]["deleted"] == 0
    # no media is read one by one: claims, waits and the survey are listings
    assert requests_made.get(GET_MEDIA, 0) == 0, requests_made
    assert_each_article_published_once_as_delivered(archive_env, [run])

    before = sandbox_stats(archive_env)["requests"]
    rerun = dag.test(run_conf=conf)

    assert rerun.state == "success"
    after = sandbox_stats(archive_env)
    (again,) = xcoms(rerun, "archive.report")
    assert again["published"] == {} and len(again["skipped"]) == ARTICLES
    assert all(why.startswith("already published as media") for why in again["skipped"].values())
    # the rerun's only AIOZ reads are "already published?": ceil(255 media / 100)
    assert after["requests"][LIST_MEDIA] - before[LIST_MEDIA] == math.ceil((230 + ARTICLES) / 100) == 3
    assert again["survey"]["reads"] == 3
    assert after["audioforms"]["created"] == ARTICLES and after["aioz"]["created"] == 230 + ARTICLES
    assert after["requests"][BATCHES] == before[BATCHES]


def test_a_listing_that_ignores_its_filters_neither_skips_nor_adopts(
    archive_env: SandboxServer, tmp_path: Path
) -> None:
    # Every AIOZ listing answers every media whatever its metadata and status filters say. Before
    # the run, the library holds a failed media of a feed article (no episode: the article must
    # still be published, not skipped) and a claim on an article outside the feed (in every shard
    # listing of the run: not to be adopted, waited on, published or deleted). The chunks' media
    # of one run are all in each other's listings too.
    feed = write_feed(tmp_path / "feed", count=6)
    failed = aioz(
        archive_env,
        "POST",
        "/media/create",
        type="audio",
        title="Broken",
        metadata=[{"key": "article_id", "value": "archive-001"}],
    )
    requests.post(
        f"{archive_env.service_url('aiozstream')}/media/{failed['id']}/part",
        files={"file": ("x.wav", b"not audio at all" * 64)},
        data={"index": "1", "hash": hashlib.md5(b"not audio at all" * 64).hexdigest()},
        headers={**SANDBOX_AIOZ_HEADERS, "Content-Range": f"bytes 0-{16 * 64 - 1}/{16 * 64}"},
        timeout=10,
    ).raise_for_status()
    aioz(archive_env, "GET", f"/media/{failed['id']}/complete")
    deadline = time.monotonic() + 10
    while aioz(archive_env, "GET", f"/media/{failed['id']}")["status"] != "fail":  # transcoding, then fail
        assert time.monotonic() < deadline, "the sandbox did not fail the media"
        time.sleep(0.2)
    outside = aioz(
        archive_env,
        "POST",
        "/media/create",
        type="audio",
        title="Outside the feed",
        metadata=[{"key": "article_id", "value": "elsewhere-1"}, {"key": "audio_claim", "value": "1"}],
    )
    patch_settings(archive_env, fault_loose_list_rate=1.0)

    run = load_archive().test(run_conf={"feed": str(feed), "chunk_size": 3, "claim_ttl_hours": 24})

    patch_settings(archive_env, fault_loose_list_rate=0.0)
    assert run.state == "success"
    (report,) = xcoms(run, "archive.report")
    assert sorted(report["published"]) == [f"archive-{n:03d}" for n in range(6)]
    media = {item["id"]: item for item in live_media(archive_env)}
    for article, row in report["published"].items():
        published = media[row["media_id"]]
        assert pairs(published)["article_id"] == article and published["status"] == "done"
    # untouched: still there, as they were (publishing would have renamed them)
    assert (media[failed["id"]]["status"], media[failed["id"]]["title"]) == ("fail", "Broken")
    assert (media[outside["id"]]["status"], media[outside["id"]]["title"]) == ("new", "Outside the feed")
    assert pairs(media[outside["id"]])["article_id"] == "elsewhere-1"
    assert len({row["media_id"] for row in report["published"].values()} | {failed["id"], outside["id"]}) == 8
