"""Every example DAG under dag.test() against the sandbox, with nothing but connection env vars set up."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.conftest import SANDBOX_AIOZ_HEADERS
from tests.system.conftest import patch_settings, sandbox_stats, xcom_of

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


@pytest.fixture
def examples_env(
    airflow_db: Path, sandbox_connections: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> SandboxServer:
    """Connections to the sandbox, shared storage in a temp folder, quick sandbox timers."""
    monkeypatch.setenv("AUDIO_STORAGE_URL", f"file://{tmp_path}/storage")
    monkeypatch.setenv("AUDIO_OUTPUT_DIR", f"file://{tmp_path}/audio")
    monkeypatch.setenv("AUDIO_POLL_SECONDS", "0.3")
    patch_settings(sandbox_connections, build_seconds=0.5, transcode_seconds=0.5)
    return sandbox_connections


def load(module: str) -> Any:
    sys.modules.pop(f"dags_examples.{module}", None)
    return importlib.import_module(f"dags_examples.{module}").dag


def aioz_media_count(sandbox: SandboxServer) -> int:
    body = requests.post(
        f"{sandbox.service_url('aiozstream')}/media",
        json={"status": ["new", "transcoding", "done", "fail"], "limit": 100},
        headers=SANDBOX_AIOZ_HEADERS,
        timeout=5,
    ).json()
    return int(body["data"]["total"])


def test_article_to_stream_publishes_every_article_once(examples_env: SandboxServer) -> None:
    dag = load("article_to_stream")
    run = dag.test()
    assert run.state == "success"
    table = xcom_of(run, task_id="publish.report")
    for article in (
        "harbour-lights-2026-11-18",
        "library-night-owls-2026-11-17",
        "ferry-timetable-2026-11-19",
    ):
        assert article in table
    assert "/m3u8" in table and "/embed/vod/hls/" in table
    assert aioz_media_count(examples_env) == 3
    rerun = dag.test()
    assert rerun.state == "success"
    assert "nothing new to publish" in xcom_of(rerun, task_id="publish.report")
    stats = sandbox_stats(examples_env)
    assert stats["aioz"]["created"] == 3
    assert stats["audioforms"]["created"] == 3


def test_backfill_over_three_days_twice_publishes_each_article_once(examples_env: SandboxServer) -> None:
    dag = load("scheduled_conversion")
    days = [datetime(2026, 11, day, tzinfo=UTC) for day in (17, 18, 19)]
    for _ in range(2):
        for day in days:
            assert dag.test(logical_date=day).state == "success"
    assert aioz_media_count(examples_env) == 3
    stats = sandbox_stats(examples_env)
    assert stats["aioz"]["created"] == 3
    assert stats["audioforms"]["created"] == 3


def test_article_to_audio(examples_env: SandboxServer, tmp_path: Path) -> None:
    assert load("article_to_audio").test().state == "success"
    assert len(list((tmp_path / "audio").glob("*.wav"))) == 1


def test_custom_voice(examples_env: SandboxServer, tmp_path: Path) -> None:
    patch_settings(examples_env, training_seconds=0.5)
    assert load("custom_voice").test().state == "success"
    previews = list((tmp_path / "storage" / "previews").glob("*.mp3"))
    assert len(previews) == 1 and previews[0].stat().st_size > 1000


def test_jingle_under_speech(examples_env: SandboxServer) -> None:
    patch_settings(examples_env, generation_seconds=0.5, file_processing_seconds=0.3)
    assert load("jingle_under_speech").test().state == "success"
    stats = sandbox_stats(examples_env)
    assert stats["aimlapi"]["completed"] == 1
    assert stats["audiostack_jobs"]["files"] == 1
    assert stats["audioforms"]["built"] == 1


def test_brief_ads(examples_env: SandboxServer) -> None:
    run = load("brief_ads").test()
    assert run.state == "success"
    assert len(xcom_of(run, task_id="list_ads")) == 2


def test_story_podcast(examples_env: SandboxServer) -> None:
    patch_settings(examples_env, story_seconds=0.5)
    run = load("story_podcast").test()
    assert run.state == "success"
    assert len(xcom_of(run, task_id="list_chapters")) == 3


def test_batch_archive(examples_env: SandboxServer) -> None:
    run = load("batch_archive").test()
    assert run.state == "success"
    assert xcom_of(run, task_id="summary").startswith("3 of 3 articles narrated")
    assert sandbox_stats(examples_env)["requests"]["POST /audiostack/audioforms/batches"] == 1


def test_new_articles_to_stream_reads_exactly_the_announced_articles(tmp_path: Path) -> None:
    import http.server
    import json
    import threading
    from types import SimpleNamespace

    from audio_examples.articles import SAMPLE_ARTICLES, load_articles

    dag = load("new_articles_to_stream")
    module = sys.modules["dags_examples.new_articles_to_stream"]
    (tmp_path / "feed.json").write_text(json.dumps([article.to_dict() for article in load_articles()]))
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.json"
        events = {
            module.article_feed: [
                SimpleNamespace(
                    extra={
                        "payload": {"feed": str(SAMPLE_ARTICLES), "articles": ["harbour-lights-2026-11-18"]}
                    }
                ),
                SimpleNamespace(extra={"payload": {"feed": url, "articles": ["ferry-timetable-2026-11-19"]}}),
            ]
        }
        announced = dag.get_task("announced_articles").python_callable(triggering_asset_events=events)
    finally:
        server.shutdown()
        server.server_close()
    assert [article["id"] for article in announced] == [
        "harbour-lights-2026-11-18",
        "ferry-timetable-2026-11-19",
    ]
    assert announced[0]["title"] and announced[1]["body"]
