"""
The example DAGs folder on a distributed Airflow (CeleryExecutor, PostgreSQL, Redis, two workers
that share no disk, shared storage in an S3 double): see ``conftest.py`` for the stack.

1. ``article_to_stream`` (the three sample articles) publishes every article once: one AIOZ
   Stream media per article, one audioform each, no media deleted, and each media's bytes are
   those AudioStack delivered.
2. The same run survives its infrastructure: the triggerer is stopped while the builds are
   waited on and a new one started; then, while the uploads' first parts are held by the sandbox,
   one Celery worker is SIGKILLed (its whole process group and session: the worker, its pool, the
   task supervisors and runners) and a new worker started. Airflow fails the killed tasks when
   their heartbeats stop, retries them on a live worker, and the retries resume the uploads into
   the same media: the same checks hold.
3. ``jingle_under_speech`` hands its jingle from one task to the next through S3
   (``AUDIO_STORAGE_URL``), whichever workers run them.
4. ``scheduled_conversion`` triggered from the real CLI with ``--logical-date`` converts the
   articles of that day (Airflow 3.3's CLI gives such a run the trigger time as data interval).
5. ``archive_to_stream`` (chunks, batches, one "already published?" listing) publishes each
   article once, as delivered.
6. ``article_to_stream`` and ``archive_to_stream`` started together over the same feed: each
   article is built and published once, whichever DAG claims it (``max_active_runs=1`` keeps two
   runs of one DAG apart, so the overlap that needs the claims is two DAGs).
"""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from audio_examples.articles import load_articles
from tests.crashes.conftest import SandboxAdmin, wait_for
from tests.distributed.conftest import BUCKET, CeleryStack, s3_client, wait_for_worker
from tests.distributed.runs import (
    BUILD_TASK,
    STREAM_TASK,
    assert_published_once,
    earlier_tries,
    explained,
    kill_worker,
    mapped_tasks,
    md5_of_url,
    task_logs,
    task_states,
    wait_for_run,
    workers_running,
    xcoms,
)

pytestmark = [pytest.mark.distributed, pytest.mark.timeout(600)]

ARTICLE_DAG = "article_to_stream"
ARCHIVE_DAG = "archive_to_stream"
ARTICLES = [article.id for article in load_articles()]
#: The sandbox's builds and transcodes in the undisturbed runs.
QUICK_BUILD_SECONDS = 4.0
TRANSCODE_SECONDS = 2.0
#: Builds of the disturbed run: long enough for a triggerer to stop and a new one to take over
#: (about 20 s on 2 cores, most of it its start-up).
LONG_BUILD_SECONDS = 40.0
#: How long the sandbox holds each upload's first part while a worker is killed.
HELD_PART_SECONDS = 45.0
#: Seconds with no triggerer between the stop and the new start.
TRIGGERER_GAP_SECONDS = 3.0
PART_ROUTE = ("/aiozstream/api/media/", "/part")
AUDIOFORM_POLL = "/audiostack/audioforms/"


def trigger(stack: CeleryStack, dag_id: str, run_id: str) -> float:
    """Trigger a run through the REST API; return when (``time.monotonic()``)."""
    stack.trigger(dag_id, run_id, stack.api_token())
    return time.monotonic()


def assert_run_succeeded(stack: CeleryStack, dag_id: str, run_id: str) -> None:
    state = wait_for_run(stack, dag_id, run_id)
    assert state == "success", f"{dag_id}/{run_id} {state}:\n{task_states(stack, dag_id, run_id)}"


def test_article_to_stream_publishes_each_article_once(
    celery_stack: CeleryStack, sandbox: SandboxAdmin
) -> None:
    stack, run_id = celery_stack, "undisturbed"
    sandbox.patch(build_seconds=QUICK_BUILD_SECONDS, transcode_seconds=TRANSCODE_SECONDS)
    with explained(stack, sandbox, ARTICLE_DAG, run_id):
        triggered = trigger(stack, ARTICLE_DAG, run_id)
        assert_run_succeeded(stack, ARTICLE_DAG, run_id)
        ended = time.monotonic()
        published = assert_published_once(stack, sandbox, ARTICLE_DAG, [run_id], ARTICLES)
        print(
            f"\n{ARTICLE_DAG} on two Celery workers: success in {ended - triggered:.1f} s; {published.describe()}"
        )


def test_article_to_stream_survives_a_killed_worker_and_a_restarted_triggerer(
    celery_stack: CeleryStack, sandbox: SandboxAdmin
) -> None:
    stack, run_id = celery_stack, "disturbed"
    sandbox.patch(build_seconds=LONG_BUILD_SECONDS, transcode_seconds=TRANSCODE_SECONDS)
    # Every article's first part is held: whichever worker streams one is mid-upload when killed.
    sandbox.fault(
        match="POST /aiozstream/api/media/*/part", kind="slow", count=len(ARTICLES), delay=HELD_PART_SECONDS
    )
    with explained(stack, sandbox, ARTICLE_DAG, run_id):
        triggered = trigger(stack, ARTICLE_DAG, run_id)

        # 1. The builds are waited on in the triggerer: stop it, leave none for a while, start another.
        def builds_deferred() -> bool:
            tasks = mapped_tasks(stack, ARTICLE_DAG, run_id, BUILD_TASK)
            return len(tasks) == len(ARTICLES) and all(task.state == "deferred" for task in tasks)

        wait_for(stack, "every build deferred", builds_deferred, 120)
        wait_for(stack, "the triggerer polling the builds", lambda: sandbox.count("GET", AUDIOFORM_POLL) > 0)
        stopped_at = time.monotonic() - triggered
        survivors = stack.stop(stack.component("triggerer"))
        assert not survivors, f"triggerer processes outlived SIGKILL: {survivors}"
        polls_at_stop = sandbox.count("GET", AUDIOFORM_POLL)
        time.sleep(TRIGGERER_GAP_SECONDS)
        assert sandbox.count("GET", AUDIOFORM_POLL) == polls_at_stop, "something polled with no triggerer"
        stack.start_triggerer("triggerer-2")
        wait_for(
            stack,
            "the new triggerer polling",
            lambda: sandbox.count("GET", AUDIOFORM_POLL) > polls_at_stop,
            90,
        )
        resumed_at = time.monotonic() - triggered
        builds = mapped_tasks(stack, ARTICLE_DAG, run_id, BUILD_TASK)
        assert all(task.state == "deferred" and task.try_number == 1 for task in builds), builds

        # 2. The uploads: once every first part is held, kill a worker that streams one of them.
        wait_for(
            stack,
            "every first part held by the sandbox",
            lambda: sandbox.count("POST", *PART_ROUTE) == len(ARTICLES),
            120,
        )
        streams = mapped_tasks(stack, ARTICLE_DAG, run_id, STREAM_TASK)
        running = wait_for(stack, "the stream tasks' processes", lambda: workers_running(stack, streams))
        victim_name = max(running, key=lambda name: len(running[name]))
        killed_indexes = sorted(running[victim_name])
        killed_at = time.monotonic() - triggered
        kill_seconds = kill_worker(stack, stack.component(victim_name))
        replacement = stack.start_worker(f"{victim_name}-replacement")
        replacement_ready = wait_for_worker(stack, replacement)

        assert_run_succeeded(stack, ARTICLE_DAG, run_id)
        ended = time.monotonic() - triggered
        published = assert_published_once(stack, sandbox, ARTICLE_DAG, [run_id], ARTICLES)

        # The killed uploads failed with the worker and were retried once; the others were not.
        streams = mapped_tasks(stack, ARTICLE_DAG, run_id, STREAM_TASK)
        tries = earlier_tries(stack, ARTICLE_DAG, run_id, STREAM_TASK)
        print(
            f"\n{ARTICLE_DAG} disturbed: triggerer stopped {stopped_at:.1f} s after the trigger, a new one"
            f" polling at {resumed_at:.1f} s; {victim_name} (streaming articles {killed_indexes}) SIGKILLed at"
            f" {killed_at:.1f} s (gone in {kill_seconds:.1f} s), a replacement consuming {replacement_ready:.1f} s"
            f" later; run success at {ended:.1f} s\nstream tasks now: {streams}\nearlier tries: {tries}\n"
            f"part POSTs {sandbox.count('POST', *PART_ROUTE)}; {published.describe()}"
        )
        assert [(index, number, state) for index, number, state in tries] == [
            (index, 1, "failed") for index in killed_indexes
        ]
        for task in streams:
            expected = 2 if task.map_index in killed_indexes else 1
            assert (task.state, task.try_number) == ("success", expected), task
        # Each retry carried on with the media its killed try had created.
        for index in killed_indexes:
            media_id = published.media[ARTICLES[index]]
            retry_logs = task_logs(stack, ARTICLE_DAG, run_id, STREAM_TASK, index, attempt=2)
            assert any(
                f"Resuming media {media_id} from an earlier try" in text for text in retry_logs.values()
            ), f"article {index}: no resume of {media_id} in the retry's logs ({sorted(retry_logs)})"
        # The builds were waited on by the new triggerer, in their first try.
        assert [task.try_number for task in mapped_tasks(stack, ARTICLE_DAG, run_id, BUILD_TASK)] == [1, 1, 1]
        assert sandbox.stats()["audioforms"]["created"] == len(ARTICLES)


def test_jingle_moves_between_workers_through_s3(celery_stack: CeleryStack, sandbox: SandboxAdmin) -> None:
    stack, dag_id, run_id = celery_stack, "jingle_under_speech", "jingle"
    sandbox.patch(build_seconds=QUICK_BUILD_SECONDS, generation_seconds=2.0, file_processing_seconds=1.0)
    with explained(stack, sandbox, dag_id, run_id):
        triggered = trigger(stack, dag_id, run_id)
        assert_run_succeeded(stack, dag_id, run_id)
        ended = time.monotonic()
        stats = sandbox.stats()
        assert stats["aimlapi"]["completed"] == 1
        assert stats["audiostack_jobs"]["files"] == 1
        assert stats["audioforms"]["built"] == 1
        # The jingle is in the bucket, under the run's name, and is what was uploaded to AudioStack.
        s3 = s3_client(stack.s3_endpoint)
        objects = s3.list_objects_v2(Bucket=BUCKET, Prefix="storage/jingles/")
        keys = [item["Key"] for item in objects.get("Contents", [])]
        assert keys == [f"storage/jingles/{run_id}.wav"], keys
        stored = s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
        generated = xcoms(stack, dag_id, run_id, "generate_jingle")[-1]
        assert md5_of_url(generated["audio_url"]) == (hashlib.md5(stored).hexdigest(), len(stored))
        # Where each task ran (the workers share no disk: only the bucket links them).
        ran_on = {
            task: sorted(task_logs(stack, dag_id, run_id, task))
            for task in ("generate_jingle", "upload_jingle")
        }
        print(
            f"\n{dag_id}: success in {ended - triggered:.1f} s; jingle s3://{BUCKET}/{keys[0]}, {len(stored)}"
            f" bytes, as AIML generated it; tasks ran on {ran_on}"
        )


def test_scheduled_conversion_run_for_a_day_from_the_cli_converts_that_day(
    celery_stack: CeleryStack, sandbox: SandboxAdmin
) -> None:
    stack, dag_id, run_id = celery_stack, "scheduled_conversion", "manual-2026-11-18"
    day = [article.id for article in load_articles() if article.published == "2026-11-18"]
    sandbox.patch(build_seconds=QUICK_BUILD_SECONDS, transcode_seconds=TRANSCODE_SECONDS)
    with explained(stack, sandbox, dag_id, run_id):
        triggered = time.monotonic()
        stack.airflow(
            "dags", "trigger", dag_id, "--logical-date", "2026-11-18T00:00:00+00:00", "--run-id", run_id
        )
        assert_run_succeeded(stack, dag_id, run_id)
        ended = time.monotonic()
        (recorded,) = stack.query(
            "SELECT logical_date, data_interval_start, data_interval_end FROM dag_run WHERE dag_id = ? AND run_id = ?",
            (dag_id, run_id),
        ) or [()]
        published = assert_published_once(stack, sandbox, dag_id, [run_id], day)
        print(
            f"\n{dag_id} triggered from the CLI for 2026-11-18: success in {ended - triggered:.1f} s; logical date,"
            f" data interval as recorded: {recorded}; {published.describe()}"
        )
        # The README's backfill makes one run per day, each with that day as logical date (so as its day).
        planned = stack.airflow(
            *(
                "backfill",
                "create",
                "--dag-id",
                dag_id,
                "--from-date",
                "2026-11-17",
                "--to-date",
                "2026-11-19",
            ),
            *("--reprocess-behavior", "completed", "--dry-run"),
        )
        assert re.findall(r"^\| (\d{4}-\d\d-\d\d) 00:00:00\+00:00 ", planned, re.MULTILINE) == [
            "2026-11-17",
            "2026-11-18",
            "2026-11-19",
        ], planned


def test_the_archive_pipeline_publishes_each_article_once(
    celery_stack: CeleryStack, sandbox: SandboxAdmin
) -> None:
    stack, run_id = celery_stack, "archive-1"
    sandbox.patch(build_seconds=QUICK_BUILD_SECONDS, transcode_seconds=TRANSCODE_SECONDS)
    with explained(stack, sandbox, ARCHIVE_DAG, run_id):
        started = trigger(stack, ARCHIVE_DAG, run_id)
        assert_run_succeeded(stack, ARCHIVE_DAG, run_id)
        published = assert_published_once(stack, sandbox, ARCHIVE_DAG, [run_id], ARTICLES)
        print(f"\n{ARCHIVE_DAG} in {time.monotonic() - started:.1f} s: {published.describe()}")


def test_two_dags_started_together_build_each_article_once(
    celery_stack: CeleryStack, sandbox: SandboxAdmin
) -> None:
    stack, run_id = celery_stack, "together"
    sandbox.patch(build_seconds=QUICK_BUILD_SECONDS, transcode_seconds=TRANSCODE_SECONDS)
    with explained(stack, sandbox, ARTICLE_DAG, run_id), explained(stack, sandbox, ARCHIVE_DAG, run_id):
        triggered = time.monotonic()
        for dag_id in (ARTICLE_DAG, ARCHIVE_DAG):
            trigger(stack, dag_id, run_id)
        states = {dag_id: wait_for_run(stack, dag_id, run_id) for dag_id in (ARTICLE_DAG, ARCHIVE_DAG)}
        stats = sandbox.stats()
        print(
            f"\n{ARTICLE_DAG} and {ARCHIVE_DAG} started together: {states} in {time.monotonic() - triggered:.1f} s;"
            f" {stats['audioforms']['created']} audioforms built, {stats['aioz']['created']} AIOZ media created"
            f" ({stats['aioz']['deleted']} lost claims deleted) for {len(ARTICLES)} articles"
        )
        assert states == {ARTICLE_DAG: "success", ARCHIVE_DAG: "success"}, states
        assert_published_once(
            stack, sandbox, ARTICLE_DAG, [run_id], ARTICLES, also=[(ARCHIVE_DAG, run_id)], claims_lost=True
        )
