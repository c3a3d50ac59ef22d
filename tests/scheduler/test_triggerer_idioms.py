"""
Airflow 3.3's triggerer idioms, on real components (scheduler, triggerer, dag-processor, api-server,
each its own process) against a sandbox subprocess:

- a deferred upload task marked failed through the public REST API: the triggerer calls the
  trigger's ``on_kill``, which deletes the unfinished media the task created, and nothing else;
- ``AiozStreamMediaSensor(start_from_trigger=True)``: the scheduler defers the task at once, the
  triggerer renders its media id and waits, and a worker only runs ``execute_complete``;
- an ``ArticleFeedTrigger`` asset watcher: new articles in its feed start a run of the DAG scheduled
  on the asset, for exactly those articles, and a restarted triggerer announces nothing twice.

One stack serves the module (starting it is most of the cost); the sandbox is reset before each test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import sandbox_connection
from tests.crashes.conftest import (
    SandboxAdmin,
    state_store_value,
    task_instance,
    task_log,
    wait_for,
    watch_task,
)
from tests.scheduler.conftest import AirflowStack, running_stack
from tests.scheduler.triggerer_dags.triggerer_idioms import (
    DAG_IDS,
    FEED_ASSET,
    FEED_DAG_ID,
    FEED_TASK_ID,
    KILL_DAG_ID,
    SENSOR_DAG_ID,
    SENSOR_TASK_ID,
    UPLOAD_TASK_ID,
)
from tests.system.test_audiopod_aimlapi import write_wav

DAGS_FOLDER = Path(__file__).resolve().parent / "triggerer_dags"
#: The upload operator's key in the task state store (its media id is kept there).
UPLOAD_STATE_KEY = "aiozstream_upload"
#: Long enough that the media is still transcoding whatever the machine's load.
SLOW_TRANSCODE_SECONDS = 600.0
#: Bound on the media's deletion after the PATCH (the scheduler's and triggerer's loops, on_kill).
KILL_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def idioms_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStack]:
    """One Airflow stack for the module, with both DAGs parsed and unpaused."""
    started = time.monotonic()
    with running_stack(tmp_path_factory.mktemp("airflow-idioms"), dags_folder=DAGS_FOLDER) as stack:
        for dag_id in DAG_IDS:
            stack.wait_until_ready(dag_id)
        print(f"\nstack ready in {time.monotonic() - started:.1f} s (db migrate included)")
        yield stack


@pytest.fixture
def sandbox(idioms_stack: AirflowStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxAdmin]:
    """The stack's sandbox, reset; this process's ``aiozstream_default`` points at it too."""
    admin = SandboxAdmin(idioms_stack.sandbox_url)
    knobs = admin.settings()
    admin.reset()
    monkeypatch.setenv(
        "AIRFLOW_CONN_AIOZSTREAM_DEFAULT",
        json.dumps(sandbox_connection("aiozstream", f"{idioms_stack.sandbox_url}/aiozstream/api")),
    )
    yield admin
    admin.patch(transcode_seconds=knobs["transcode_seconds"])


def patch_task_state(stack: AirflowStack, dag_id: str, run_id: str, task_id: str, state: str) -> Any:
    """``PATCH /api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}`` with ``new_state``."""
    response = requests.patch(
        f"{stack.api_url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}",
        json={"new_state": state},
        headers={"Authorization": f"Bearer {stack.api_token()}"},
        timeout=30,
    )
    assert response.status_code == 200, f"PATCH: {response.status_code} {response.text[:500]}"
    return response.json()


def another_tasks_media(source: Path) -> str:
    """
    A media uploaded and completed (so transcoding, unfinished) carrying another task's upload
    mark: what must survive the kill.
    """
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
    from airflow_provider_audio.operators.aiozstream import UPLOAD_MARK_KEY
    from airflow_provider_audio.upload.sources import FileSource

    hook = AiozStreamHook()
    media = hook.create_media(
        {"title": "Another task's episode", "metadata": [{"key": UPLOAD_MARK_KEY, "value": "0" * 16 + ".x"}]}
    )
    hook.upload_parts(media.id, FileSource(source), 5 * 1024 * 1024)
    hook.complete_upload(media.id)
    return media.id


@pytest.mark.scheduler
@pytest.mark.timeout(600)
def test_killing_a_deferred_upload_deletes_its_unfinished_media(
    idioms_stack: AirflowStack, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    stack, run_id = idioms_stack, "killed-while-transcoding"
    source = write_wav(tmp_path / "episode.wav", 2.0)
    sandbox.patch(transcode_seconds=SLOW_TRANSCODE_SECONDS)
    other = another_tasks_media(source)
    try:
        triggered = time.monotonic()
        stack.trigger(KILL_DAG_ID, run_id, stack.api_token(), conf={"source": str(source)})

        def deferred() -> Any:
            ti = task_instance(stack, KILL_DAG_ID, run_id, UPLOAD_TASK_ID)
            return ti if ti is not None and ti.state == "deferred" and ti.trigger_id is not None else None

        ti = wait_for(stack, "the upload task deferred", deferred, timeout=120)
        deferred_at = time.monotonic()
        stored = state_store_value(stack, KILL_DAG_ID, run_id, UPLOAD_TASK_ID, UPLOAD_STATE_KEY)
        media_id = str(stored["media_id"])
        media_polls = "GET /aiozstream/api/media/{media_id}"
        polls_before = sandbox.stats()["requests"].get(media_polls, 0)
        # The trigger runs in the triggerer: its polls of the media reach the sandbox.
        wait_for(
            stack,
            "the trigger polling the media",
            lambda: sandbox.stats()["requests"].get(media_polls, 0) > polls_before,
        )
        assert sandbox.media(media_id)["status"] == "transcoding"
        assert sandbox.media(other)["status"] == "transcoding"

        patched = time.monotonic()
        answer = patch_task_state(stack, KILL_DAG_ID, run_id, UPLOAD_TASK_ID, "failed")
        gone = wait_for(
            stack,
            "the task's media deleted",
            lambda: sandbox.media(media_id)["status"] == "deleted",
            timeout=KILL_TIMEOUT,
        )
        deleted_at = time.monotonic()
        watch = watch_task(stack, KILL_DAG_ID, run_id, UPLOAD_TASK_ID)
        trigger_log = wait_for(
            stack,
            "the trigger's log of on_kill",
            lambda: next(
                (
                    text
                    for path in sorted(
                        (
                            stack.home
                            / "logs"
                            / f"dag_id={KILL_DAG_ID}"
                            / f"run_id={run_id}"
                            / f"task_id={UPLOAD_TASK_ID}"
                        ).glob("attempt=1.log.trigger.*.log")
                    )
                    if "The task was killed while waiting on" in (text := path.read_text(errors="replace"))
                ),
                None,
            ),
        )
        stats = sandbox.stats()
        final = task_instance(stack, KILL_DAG_ID, run_id, UPLOAD_TASK_ID)
        triggerer_log = stack.component("triggerer").log_path.read_text(errors="replace")
        killed_line = next(line for line in trigger_log.splitlines() if "The task was killed" in line)
        print(
            f"\nupload deferred {deferred_at - triggered:.1f} s after the trigger; PATCH to failed"
            f" {patched - triggered:.1f} s after it answered {answer.get('task_instances', answer)!r:.200}\n"
            f"media {media_id} deleted {deleted_at - patched:.1f} s after the PATCH; run {watch.run_state}\n"
            f"trigger log: {killed_line.strip()}\n"
            f"aioz: {stats['aioz']}; media {other} (another task's): {sandbox.media(other)['status']}\n"
            f"{watch.describe()}"
        )
        assert gone
        assert final is not None and final.state == "failed", final
        assert watch.run_state == "failed"
        # on_kill ran in the triggerer because the user acted on the task, and said what it did.
        assert "invoking on_kill" in triggerer_log + trigger_log
        assert (
            f"The task was killed while waiting on media {media_id}: deleted media {media_id}, which this "
            "task created and which was still transcoding" in trigger_log
        )
        # Exactly the task's media went; the other unfinished one, another task's, is untouched.
        assert stats["aioz"]["deleted"] == 1
        assert sandbox.media(other)["status"] == "transcoding"
        assert stats["requests"].get("DELETE /aiozstream/api/media/{media_id}") == 1
        assert ti.try_number == 1
    except BaseException:
        print(stack.diagnostics())
        raise


def worker_traces(stack: AirflowStack, dag_id: str, run_id: str, task_id: str) -> tuple[Any, ...]:
    """``(queued_dttm, pid, hostname)`` of the task instance: set once a worker has it."""
    rows = stack.query(
        "SELECT queued_dttm, pid, hostname FROM task_instance"
        " WHERE dag_id = ? AND run_id = ? AND task_id = ? AND map_index = -1",
        (dag_id, run_id, task_id),
    )
    assert rows, f"no task instance {dag_id}/{run_id}/{task_id}"
    return tuple(rows[0])


@pytest.mark.scheduler
@pytest.mark.timeout(600)
def test_media_sensor_starts_in_the_triggerer(
    idioms_stack: AirflowStack, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
    from airflow_provider_audio.upload.sources import FileSource

    stack, run_id = idioms_stack, "sensor-from-the-triggerer"
    transcode_seconds = 15.0
    sandbox.patch(transcode_seconds=transcode_seconds)
    hook = AiozStreamHook()
    media_id = hook.create_media({"title": "Published elsewhere"}).id
    hook.upload_parts(media_id, FileSource(write_wav(tmp_path / "elsewhere.wav", 2.0)), 5 * 1024 * 1024)
    hook.complete_upload(media_id)
    task_dir = (
        stack.home / "logs" / f"dag_id={SENSOR_DAG_ID}" / f"run_id={run_id}" / f"task_id={SENSOR_TASK_ID}"
    )
    try:
        triggered = time.monotonic()
        stack.trigger(SENSOR_DAG_ID, run_id, stack.api_token(), conf={"media_id": media_id})
        states: list[str | None] = []

        def deferred() -> Any:
            ti = task_instance(stack, SENSOR_DAG_ID, run_id, SENSOR_TASK_ID)
            if ti is not None and (not states or states[-1] != ti.state):
                states.append(ti.state)
            return ti if ti is not None and ti.state == "deferred" and ti.trigger_id is not None else None

        ti = wait_for(stack, "the sensor deferred", deferred, timeout=120)
        deferred_at = time.monotonic()
        # The triggerer rendered the media id from the run's conf and polls that media.
        polls = "GET /aiozstream/api/media/{media_id}"
        wait_for(
            stack, "the trigger polling the media", lambda: sandbox.stats()["requests"].get(polls, 0) > 0
        )
        polling_at = time.monotonic()
        # No worker has had the task: never queued, no process, no task log, only the trigger's.
        traces_while_deferred = worker_traces(stack, SENSOR_DAG_ID, run_id, SENSOR_TASK_ID)
        logs_while_deferred = sorted(path.name for path in task_dir.glob("*.log"))
        still_deferred = task_instance(stack, SENSOR_DAG_ID, run_id, SENSOR_TASK_ID)

        watch = watch_task(stack, SENSOR_DAG_ID, run_id, SENSOR_TASK_ID)
        ended = time.monotonic()
        final = task_instance(stack, SENSOR_DAG_ID, run_id, SENSOR_TASK_ID)
        worker_log = task_log(stack, SENSOR_DAG_ID, run_id, SENSOR_TASK_ID, "attempt=1.log")
        summary = requests.get(
            f"{stack.api_url}/api/v2/dags/{SENSOR_DAG_ID}/dagRuns/{run_id}/taskInstances/{SENSOR_TASK_ID}"
            "/xcomEntries/return_value",
            headers={"Authorization": f"Bearer {stack.api_token()}"},
            timeout=30,
        ).json()["value"]
        print(
            f"\nsensor deferred {deferred_at - triggered:.1f} s after the trigger (states seen: {states});"
            f" the trigger polled {polling_at - triggered:.1f} s after it; run {watch.run_state}"
            f" {ended - triggered:.1f} s after it (transcoding {transcode_seconds:.0f} s)\n"
            f"while deferred: (queued_dttm, pid, hostname) = {traces_while_deferred}; logs {logs_while_deferred}\n"
            f"return value: {summary}\n{watch.describe()}"
        )
        assert "queued" not in states and "running" not in states, states
        assert still_deferred is not None and still_deferred.state == "deferred"
        assert traces_while_deferred[0] is None and traces_while_deferred[1] is None
        assert "attempt=1.log" not in logs_while_deferred
        assert watch.run_state == "success"
        assert final is not None and (final.state, final.try_number) == ("success", ti.try_number)
        # A worker ran execute_complete only: resumed from the trigger's event.
        assert worker_log
        assert (summary["media_id"], summary["status"]) == (media_id, "done"), summary
    except BaseException:
        print(stack.diagnostics())
        raise


def seen_articles(stack: AirflowStack) -> list[str] | None:
    """What the watcher keeps in its asset's state store (``None`` before its first write)."""
    rows = stack.query(
        "SELECT s.value FROM asset_state_store s JOIN asset a ON a.id = s.asset_id"
        " WHERE a.name = ? AND s.key = 'seen_articles'",
        (FEED_ASSET,),
    )
    return json.loads(rows[0][0]) if rows else None


def feed_runs(stack: AirflowStack) -> list[tuple[str, str, str]]:
    """``(run_id, run_type, state)`` of the watcher's DAG's runs, oldest first."""
    rows = stack.query(
        "SELECT run_id, run_type, state FROM dag_run WHERE dag_id = ? ORDER BY id", (FEED_DAG_ID,)
    )
    return [tuple(row) for row in rows or []]  # type: ignore[misc]


def announced_in(stack: AirflowStack, run_id: str) -> Any:
    response = requests.get(
        f"{stack.api_url}/api/v2/dags/{FEED_DAG_ID}/dagRuns/{run_id}/taskInstances/{FEED_TASK_ID}"
        "/xcomEntries/return_value",
        headers={"Authorization": f"Bearer {stack.api_token()}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    return response.json()["value"]


def write_article(folder: Path, article_id: str) -> None:
    (folder / f"{article_id}.json").write_text(
        json.dumps({"id": article_id, "title": article_id, "body": "."})
    )


@pytest.mark.scheduler
@pytest.mark.timeout(600)
def test_the_feed_watcher_runs_its_dag_once_per_batch_of_new_articles(idioms_stack: AirflowStack) -> None:
    stack = idioms_stack
    folder = stack.home / "article-feed"
    folder.mkdir(exist_ok=True)
    write_article(folder, "old-1")
    try:
        # The watcher's first read of the feed is its baseline: the article already there is not news.
        wait_for(stack, "the watcher's baseline", lambda: seen_articles(stack) == ["old-1"], timeout=120)
        written = time.monotonic()
        write_article(folder, "new-1")
        write_article(folder, "new-2")

        def finished_runs(count: int) -> list[tuple[str, str, str]] | None:
            runs = feed_runs(stack)
            done = [run for run in runs if run[2] in ("success", "failed")]
            return runs if len(done) >= count else None

        runs = wait_for(stack, "a run for the new articles", lambda: finished_runs(1), timeout=120)
        first_run_at = time.monotonic()
        first = announced_in(stack, runs[0][0])

        # A new triggerer takes the watcher over from the state store: nothing is announced again.
        old_triggerer = stack.component("triggerer")
        assert not stack.stop(old_triggerer)
        stack.start_triggerer("triggerer-2")
        restarted = time.monotonic()
        time.sleep(15)
        runs_after_restart = feed_runs(stack)
        write_article(folder, "new-3")
        runs = wait_for(
            stack, "a run for the article after the restart", lambda: finished_runs(2), timeout=180
        )
        second = announced_in(stack, runs[1][0])
        print(
            f"\nfirst run ended {first_run_at - written:.1f} s after the articles were written: {runs[0]}"
            f" announced {first}\nafter the triggerer restart ({time.monotonic() - restarted:.1f} s ago):"
            f" runs {runs_after_restart} before new-3; then {runs[1]} announced {second}\n"
            f"state store: {seen_articles(stack)}"
        )
        assert runs[0][1:] == ("asset_triggered", "success") and first == ["new-1", "new-2"]
        assert len(runs_after_restart) == 1, runs_after_restart
        assert runs[1][1:] == ("asset_triggered", "success") and second == ["new-3"]
        assert len(runs) == 2
        assert seen_articles(stack) == ["new-1", "new-2", "new-3", "old-1"]
    except BaseException:
        print(stack.diagnostics())
        raise
