"""
What the distributed tests read and check: DAG runs and mapped task instances in the PostgreSQL
metadata database, the task processes inside each Celery worker, and the episodes the sandbox holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.conftest import SANDBOX_AIOZ_HEADERS, SANDBOX_KEY
from tests.crashes.conftest import SandboxAdmin, cmdline, wait_for
from tests.distributed.conftest import CeleryStack
from tests.scheduler.conftest import Component, session_members

#: The article pipeline's tasks (a mapped task group "publish.article", one map index per article).
BUILD_TASK = "publish.article.build_audio"
STREAM_TASK = "publish.article.stream_audio"
#: ``archive_to_stream``'s batch build of a chunk (its items are named by article id).
ARCHIVE_NARRATE_TASK = "archive.chunk.narrate"
PUBLISH_TASK = "publish.article.publish_media"
#: The metadata key the pipeline marks each episode with (audio_examples.pipeline.ARTICLE_KEY).
ARTICLE_KEY = "article_id"
#: Bound on one run of the article pipeline from its trigger to its end, faults included.
RUN_TIMEOUT = 300.0


@dataclass(frozen=True)
class MappedTask:
    """One map index of a task, as the ``task_instance`` table holds its current try."""

    map_index: int
    id: str
    state: str | None
    try_number: int

    @property
    def runner_title(self) -> str:
        """The title the task SDK gives the process that runs the task's code."""
        return f"airflow worker -- {uuid.UUID(self.id)}"


def mapped_tasks(stack: CeleryStack, dag_id: str, run_id: str, task_id: str) -> list[MappedTask]:
    rows = stack.query(
        "SELECT map_index, id, state, try_number FROM task_instance"
        " WHERE dag_id = ? AND run_id = ? AND task_id = ? ORDER BY map_index",
        (dag_id, run_id, task_id),
    )
    return [
        MappedTask(int(index), str(ti_id), state, int(number)) for index, ti_id, state, number in rows or []
    ]


def earlier_tries(stack: CeleryStack, dag_id: str, run_id: str, task_id: str) -> list[tuple[int, int, str]]:
    """``(map_index, try_number, state)`` of the tries Airflow archived in ``task_instance_history``."""
    rows = stack.query(
        "SELECT map_index, try_number, state FROM task_instance_history"
        " WHERE dag_id = ? AND run_id = ? AND task_id = ? ORDER BY map_index, try_number",
        (dag_id, run_id, task_id),
    )
    return [(int(index), int(number), str(state)) for index, number, state in rows or []]


def xcoms(
    stack: CeleryStack, dag_id: str, run_id: str, task_id: str, key: str = "return_value"
) -> dict[int, Any]:
    """A (mapped) task's XCom values by map index (JSON in the metadata database)."""
    rows = stack.query(
        "SELECT map_index, value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = ?",
        (dag_id, run_id, task_id, key),
    )
    return {int(index): value for index, value in rows or []}


def run_state(stack: CeleryStack, dag_id: str, run_id: str) -> str | None:
    rows = stack.query("SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", (dag_id, run_id))
    return str(rows[0][0]) if rows else None


def wait_for_run(stack: CeleryStack, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> str:
    """Wait (bounded, failing at once if a component died) for the run to end; return its state."""
    return wait_for(
        stack,
        f"the run {dag_id}/{run_id} to end",
        lambda: (state := run_state(stack, dag_id, run_id)) in ("success", "failed") and state,
        timeout,
    )


def task_states(stack: CeleryStack, dag_id: str, run_id: str) -> str:
    """Every task instance of the run with its state and try, for a failure message."""
    rows = stack.query(
        "SELECT task_id, map_index, state, try_number FROM task_instance"
        " WHERE dag_id = ? AND run_id = ? ORDER BY task_id, map_index",
        (dag_id, run_id),
    )
    return "\n".join(f"  {task}[{index}] {state} (try {number})" for task, index, state, number in rows or [])


@contextlib.contextmanager
def explained(stack: CeleryStack, sandbox: SandboxAdmin, dag_id: str, *run_ids: str) -> Iterator[None]:
    """Add the runs' task states and the sandbox's counters to any check that fails inside."""
    try:
        yield
    except AssertionError as exc:
        states = "\n".join(
            f"run {dag_id}/{run_id}:\n{task_states(stack, dag_id, run_id)}" for run_id in run_ids
        )
        stats = sandbox.stats()
        counters = {key: stats[key] for key in ("audioforms", "aioz", "aimlapi", "audiostack_jobs")}
        raise AssertionError(f"{exc}\n{states}\nsandbox: {counters}\nrequests: {stats['requests']}") from exc


def workers_running(stack: CeleryStack, tasks: list[MappedTask]) -> dict[str, list[int]]:
    """
    For each live Celery worker, the map indexes of ``tasks`` whose code runs in it: a worker's
    processes are its session (the task runner gets a process group of its own inside it).
    """
    titles = {task.runner_title: task.map_index for task in tasks}
    found: dict[str, list[int]] = {}
    for worker in stack.workers():
        for pid in session_members(worker.pgid):
            title = cmdline(pid)
            if title in titles:
                found.setdefault(worker.name, []).append(titles[title])
    return found


def task_logs(
    stack: CeleryStack, dag_id: str, run_id: str, task_id: str, map_index: int = -1, attempt: int = 1
) -> dict[str, str]:
    """
    The try's log as each worker wrote it, by worker name (no entry where it never ran). A deferred
    task may resume on another worker than the one that deferred it: both then hold a part.
    """
    relative = Path(f"dag_id={dag_id}", f"run_id={run_id}", f"task_id={task_id}")
    if map_index >= 0:
        relative /= f"map_index={map_index}"
    logs = {}
    for home in sorted(stack.workers_root.iterdir()):
        path = home / "logs" / relative / f"attempt={attempt}.log"
        if path.exists():
            logs[home.name] = path.read_text(errors="replace")
    return logs


def kill_worker(stack: CeleryStack, worker: Component) -> float:
    """SIGKILL the worker's whole process group and session; return the seconds until all were gone."""
    import signal

    killed = time.monotonic()
    survivors = stack.stop(worker, sequence=((signal.SIGKILL, 10.0),))
    assert not survivors, f"{worker.name}: processes outlived SIGKILL: {survivors}"
    return time.monotonic() - killed


# -- the sandbox's side ------------------------------------------------------------------------------


def aioz_media(sandbox_url: str) -> list[dict[str, Any]]:
    """
    Every AIOZ Stream media of the sandbox, whatever its status (the vendor's listing, paged by
    offset, 100 a page).
    """
    media: list[dict[str, Any]] = []
    while True:
        response = requests.post(
            f"{sandbox_url}/aiozstream/api/media",
            json={"status": ["new", "transcoding", "done", "fail"], "limit": 100, "offset": len(media)},
            headers=SANDBOX_AIOZ_HEADERS,
            timeout=30,
        )
        response.raise_for_status()
        data = response.json()["data"]
        media += data["media"]
        if not data["media"] or len(media) >= data["total"]:
            return media


def article_of(media: dict[str, Any]) -> str | None:
    pairs = {pair["key"]: pair["value"] for pair in media.get("metadata") or []}
    return pairs.get(ARTICLE_KEY)


def md5_of_url(url: str) -> tuple[str, int]:
    """MD5 and size of what ``url`` serves (the sandbox's delivery URLs; the key is sent as AudioStack's)."""
    response = requests.get(url, headers={"x-api-key": SANDBOX_KEY}, timeout=30)
    response.raise_for_status()
    return hashlib.md5(response.content).hexdigest(), len(response.content)


@dataclass(frozen=True)
class Published:
    """What a run of the article pipeline left in the sandbox, checked."""

    #: article id -> AIOZ media id.
    media: dict[str, str]
    #: The sandbox's job counters (``GET /_sandbox/stats``).
    stats: dict[str, Any]

    def describe(self) -> str:
        aioz, forms = self.stats["aioz"], self.stats["audioforms"]
        return (
            f"{len(self.media)} episodes; audioforms created {forms.get('created')}, built {forms.get('built')};"
            f" AIOZ media created {aioz.get('created')}, deleted {aioz.get('deleted')},"
            f" parts received {aioz.get('parts_received')}"
        )


def delivered_files(stack: CeleryStack, runs: list[tuple[str, str]]) -> dict[str, str]:
    """
    The files AudioStack delivered in ``runs`` (``(dag_id, run_id)`` pairs), keyed by the AIOZ media
    they were streamed into (``article_to_stream``) or by article id (``archive_to_stream``, whose
    batch items are named by article).
    """
    delivered: dict[str, str] = {}
    for dag_id, run_id in runs:
        builds = xcoms(stack, dag_id, run_id, BUILD_TASK)
        for index, stream in xcoms(stack, dag_id, run_id, STREAM_TASK).items():
            delivered[str(stream["media_id"])] = str(builds[index]["uri"])
        for narrated in xcoms(stack, dag_id, run_id, ARCHIVE_NARRATE_TASK).values():
            for item in narrated["items"]:
                if item["status"] == "succeeded":
                    delivered[str(item["name"])] = str(item["uri"])
    return delivered


def assert_published_once(
    stack: CeleryStack,
    sandbox: SandboxAdmin,
    dag_id: str,
    run_ids: list[str],
    articles: list[str],
    *,
    also: Sequence[tuple[str, str]] = (),
    claims_lost: bool = False,
) -> Published:
    """
    Every article published exactly once (one public AIOZ media carrying its id, transcoded), no
    duplicate job in the sandbox (one audioform per article; one media per article, none deleted,
    unless ``claims_lost``: a run that lost an article's claim deletes its own claim media), and each
    media's bytes those AudioStack delivered for the article (MD5 and size).

    :param also: more ``(dag_id, run_id)`` runs over the same articles (another DAG's).
    """
    stats = sandbox.stats()
    media = aioz_media(stack.sandbox_url)
    by_article: dict[str, list[dict[str, Any]]] = {}
    for item in media:
        by_article.setdefault(str(article_of(item)), []).append(item)
    assert sorted(by_article) == sorted(articles), (
        f"media per article: { {a: len(m) for a, m in by_article.items()} }"
    )
    duplicates = {article: len(items) for article, items in by_article.items() if len(items) != 1}
    assert not duplicates, f"articles with more than one media: {duplicates}"
    for article, (item,) in by_article.items():
        assert item["status"] == "done" and item["is_public"], (
            f"{article}: {item['status']}, public {item['is_public']}"
        )
    assert stats["audioforms"]["created"] == len(articles), stats["audioforms"]
    if claims_lost:
        assert stats["aioz"]["created"] - stats["aioz"]["deleted"] == len(articles), stats["aioz"]
    else:
        assert stats["aioz"]["created"] == len(articles), stats["aioz"]
        assert stats["aioz"]["deleted"] == 0, stats["aioz"]

    # The bytes: what AIOZ Stream assembled is what AudioStack delivered for the same article.
    delivered = delivered_files(stack, [(dag_id, run_id) for run_id in run_ids] + list(also))
    published = {article: str(item["id"]) for article, (item,) in by_article.items()}
    sources = {
        article: delivered.get(media_id) or delivered.get(article) for article, media_id in published.items()
    }
    assert all(sources.values()), (delivered, published)
    for article, media_id in published.items():
        stored = sandbox.media(media_id)
        source_md5, source_size = md5_of_url(str(sources[article]))
        assert (stored["md5"], stored["received_bytes"]) == (source_md5, source_size), (
            f"{article}: media {media_id} holds {stored['received_bytes']} bytes (md5 {stored['md5']}),"
            f" AudioStack delivered {source_size} (md5 {source_md5})"
        )
    return Published(media=published, stats=stats)
