"""
Archive: 10,000 short articles through ``archive_to_stream`` on a real distributed Airflow, beside
``article_to_stream``'s per-article mapping, in one run against one sandbox with AIOZ Stream's rate
limits on (``make bench-archive``; not part of ``make bench``, whose budget it would exceed).

The stack is the distributed system test's (``tests/distributed``): PostgreSQL, Redis, moto,
api-server, scheduler, dag-processor, triggerer and two Celery workers of four slots each, the
example DAGs folder as DAGs folder. The sandbox's AIOZ limits are the published per-minute ones
(100 uploads, 200 writes, 500 reads) per :data:`WINDOW_SECONDS`-second window instead of a minute,
and the AIOZ connection tells the client's pacing the same window; everything else (AudioStack
builds of ``BUILD_SECONDS``, transcoding of ``TRANSCODE_SECONDS``, polls every ``POLL_SECONDS``)
is set so that the rate limits, not the services' working time, bound the run.

Each way runs on a freshly reset sandbox over its own generated feed: the archive pipeline over
``ARTICLES`` articles (chunks of 100, at most 100 chunks), and the per-article mapping over
``MAPPED_ARTICLES`` (one mapped task group per article: about ten task runs an article, so on
these two cores it cannot be run at its own ceiling, Airflow's ``[core] max_map_length`` of
1,024 articles, within the benchmark's time; its figures are per article).

Measured per way: wall time (the DAG run's start to end in the metadata database) against the
rate-limit floor (for each AIOZ class, the requests the sandbox admitted / the limit x the window;
the largest), AIOZ and AudioStack requests per article by route, 429s, the reads for "already
published?" and for waiting (AIOZ listings told apart by what they filter on, plus single media
reads), duplicates (audioforms built per article, media per article), articles lost (not public and
transcoded), media bytes against the delivered files (MD5 of every one), and the triggerer's CPU
and RSS (its whole process group, sampled every second) with the most triggers running at once.

``python -m bench.archive [--out FILE] [--json FILE] [--articles N] [--mapped N]``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audio_sandbox.core.ratelimit import Category, aioz_category

from bench.backfill import write_feed
from bench.common import OUT, Section, Target, cpu_seconds_of, targets_table
from tests.conftest import sandbox_connection
from tests.crashes.conftest import SandboxAdmin
from tests.distributed.conftest import CeleryStack, running_celery_stack
from tests.distributed.runs import aioz_media, article_of, delivered_files, md5_of_url, wait_for_run
from tests.scheduler.conftest import session_members

ARTICLES = 10_000
MAPPED_ARTICLES = 100
#: The rate window: AIOZ's per-minute limits per this many seconds (ten times faster than AIOZ).
WINDOW_SECONDS = 6.0
#: AIOZ Stream's published limits per window (API notes: uploads, writes, reads a minute).
LIMITS = {Category.UPLOAD: 100, Category.WRITE: 200, Category.READ: 500}
BUILD_SECONDS = 2.0
#: Task slots of each of the two Celery workers: a chunk's tasks mostly wait on the services.
WORKER_SLOTS = 8
TRANSCODE_SECONDS = 3.0
POLL_SECONDS = 2.0
#: Articles per chunk (the DAG's default is 100): 40 chunks of 250 give the 16 slots work enough to
#: overlap, with 280 task instances to schedule instead of 700 (at 100 a chunk, the scheduler alone
#: took over half a core of these two).
CHUNK_SIZE = 250
#: Bound on one way's run, from its trigger to its end.
RUN_TIMEOUT = 40 * 60.0
ARCHIVE_DAG = "archive_to_stream"
MAPPED_DAG = "article_to_stream"
#: Listing filters (``aioz_listings`` shapes) by what the pipelines ask with them: the metadata keys
#: of the examples' claims (``audio_examples.claims``) and of an archive chunk's waits.
SURVEY_SHAPE = "type=audio status=done|new|transcoding"
CLAIM_KEYS = frozenset({"article_id", "audio_claim", "audio_claim_1", "audio_claim_2", "audio_claim_3"})
CHUNK_KEY = "audio_chunk"
UNFINISHED = frozenset({"new", "transcoding"})
FINISHED = frozenset({"done", "fail", "deleted"})
SINGLE_READ = "GET /aiozstream/api/media/{media_id}"
#: Seconds between two samples of the AIOZ requests admitted (a run's pace).
PROGRESS_EVERY = 5
#: Targets of the issue.
FLOOR_RATIO_GOAL = 1.25
REFUSED_SHARE_GOAL = 0.01
READS_PER_ARTICLE_GOAL = 0.1


@dataclass
class TriggererSample:
    """
    A run sampled every second: the triggerer's process group (its CPU: :func:`cpu_by_component`),
    and every :data:`PROGRESS_EVERY` seconds the AIOZ requests admitted so far by class, as
    (seconds since the trigger, admitted by class value).
    """

    peak_rss_mib: float = 0.0
    peak_triggers: int = 0
    progress: list[tuple[float, dict[str, int]]] = field(default_factory=list)


@dataclass
class Way:
    """One DAG run over a feed, as measured."""

    label: str
    dag_id: str
    articles: int
    state: str
    wall: float
    requests: dict[str, int]
    refusals: dict[str, int]
    listings: dict[str, int]
    stats: dict[str, Any]
    triggerer: TriggererSample
    cpu: dict[str, float] = field(default_factory=dict)
    #: Task runs by step (task id without its group): runs, their seconds from start to end (a
    #: deferred run's included) summed, and their mean wait from queued to started over the runs
    #: that never deferred (None: every run deferred). A run that resumes from a deferral is queued
    #: again, and Airflow stamps that later time over the first, so its wait cannot be read back.
    steps: dict[str, tuple[int, float, float | None]] = field(default_factory=dict)
    published: int = 0
    lost: list[str] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)
    bytes_checked: int = 0
    bytes_differ: list[str] = field(default_factory=list)

    def aioz(self) -> dict[str, int]:
        return {route: count for route, count in self.requests.items() if " /aiozstream/" in route}

    def refused(self) -> int:
        return sum(count for key, count in self.refusals.items() if key.endswith(" 429"))

    def admitted_by_class(self) -> dict[Category, int]:
        """AIOZ requests the sandbox let through, by rate class (refused ones are not work done)."""
        return admitted_by_class(self.requests, self.refusals)

    def pace(self) -> tuple[float, float, float]:
        """
        How the binding class's requests went over the run, from the samples: seconds from the
        trigger to its first admitted request, its rate between 10% and 90% of them as a share of
        its limit, and seconds from 90% of them to the run's end.
        """
        _, binding = self.floor()
        total = self.admitted_by_class()[binding]
        samples = [(at, counts.get(binding.value, 0)) for at, counts in self.triggerer.progress]

        def reached(share: float) -> float:
            return next((at for at, count in samples if count > share * total), self.wall)

        low, high = reached(0.1), reached(0.9)
        rate = 0.8 * total / (high - low) if high > low else float("nan")
        return reached(0.0), rate / (LIMITS[binding] / WINDOW_SECONDS), self.wall - high

    def floor(self) -> tuple[float, Category]:
        """The rate-limit floor: the slowest class's admitted requests / its limit x the window."""
        admitted = self.admitted_by_class()
        category = max(LIMITS, key=lambda c: admitted[c] / LIMITS[c])
        return admitted[category] / LIMITS[category] * WINDOW_SECONDS, category

    def reads(self) -> dict[str, int]:
        """AIOZ reads by what they ask: "already published?", claims, waiting, single media reads."""
        kinds = {"already published?": 0, "claims": 0, "waiting (listings)": 0, "other listings": 0}
        for shape, count in self.listings.items():
            kinds[purpose_of(shape)] += count
        kinds["single media reads"] = self.requests.get(SINGLE_READ, 0)
        return kinds


def admitted_by_class(requests: dict[str, int], refusals: dict[str, int]) -> dict[Category, int]:
    """The AIOZ requests of a sandbox's counters it let through, by rate class."""
    counts = dict.fromkeys(LIMITS, 0)
    for route, count in requests.items():
        if " /aiozstream/" not in route:
            continue
        method, path = route.split(" ", 1)
        category = aioz_category(method, path)
        if category is not None:
            counts[category] += count - refusals.get(f"{route} 429", 0)
    return counts


def purpose_of(shape: str) -> str:
    """What a listing asks, from its shape (``type=audio status=a|b metadata=k1,k2``)."""
    fields = dict(part.split("=", 1) for part in shape.split() if "=" in part)
    keys = set(fields.get("metadata", "").split(",")) - {""}
    statuses = set(fields.get("status", "").split("|")) - {""}
    if CHUNK_KEY in keys:
        return "waiting (listings)"
    if keys & CLAIM_KEYS:
        return "claims"
    if shape == SURVEY_SHAPE:
        return "already published?"
    if not keys and statuses and (statuses <= UNFINISHED or statuses <= FINISHED):
        return "waiting (listings)"
    return "other listings"


# -- the run ---------------------------------------------------------------------------------------


def bench_env(stack: CeleryStack) -> dict[str, str]:
    """
    Components' settings: the AIOZ connection paced to the shortened window, quicker polls of the
    jobs, and Airflow's own defaults for its loops.
    """
    assert stack.sandbox is not None
    aioz = sandbox_connection(
        "aiozstream", stack.sandbox.service_url("aiozstream"), rate_window_seconds=WINDOW_SECONDS
    )
    return {
        "AIRFLOW_CONN_AIOZSTREAM_DEFAULT": json.dumps(aioz),
        "AUDIO_POLL_SECONDS": str(POLL_SECONDS),
        # Airflow's defaults where the test stack polls faster for quick tests: those loops cost CPU
        # (the 2 s DAG bundle refresh and 0.2 s scheduler idle sleep took a fifth of a core).
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "1",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "10",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "300",
    }


def _cpu_with_children(pid: int) -> float:
    """CPU seconds of a process and of the children it has reaped; 0 once it is gone."""
    try:
        return cpu_seconds_of(pid, children=True)
    except OSError:
        return 0.0


def cpu_by_component(stack: CeleryStack) -> dict[str, float]:
    """
    CPU seconds so far of each process of the stack: every member of each component's session
    (and the children they reaped: a Celery worker's finished task processes), and of the
    sandbox's.
    """
    seconds = {
        component.name: sum(_cpu_with_children(pid) for pid in component.members())
        for component in [*stack.components, *stack.services]
        if not component.stopped
    }
    if stack.sandbox is not None:
        seconds["sandbox"] = sum(_cpu_with_children(pid) for pid in session_members(stack.sandbox.pid))
    return seconds


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def sampled_triggerer(stack: CeleryStack, admin: SandboxAdmin) -> Iterator[TriggererSample]:
    """
    Sample the triggerer's process group's RSS and the triggers running, every second, and the
    AIOZ requests admitted by class every :data:`PROGRESS_EVERY` seconds.
    """
    sample = TriggererSample()
    stop = threading.Event()
    triggerer = stack.component("triggerer")
    started = time.monotonic()

    def loop() -> None:
        ticks = 0
        while not stop.wait(1.0):
            rss = sum(_rss_mib(pid) for pid in triggerer.members())
            sample.peak_rss_mib = max(sample.peak_rss_mib, rss)
            rows = stack.query("SELECT count(*) FROM trigger WHERE triggerer_id IS NOT NULL")
            sample.peak_triggers = max(sample.peak_triggers, int(rows[0][0]) if rows else 0)
            ticks += 1
            if ticks % PROGRESS_EVERY == 0:
                stats = admin.stats()
                counts = admitted_by_class(stats["requests"], stats["refusals"])
                sample.progress.append(
                    (time.monotonic() - started, {category.value: n for category, n in counts.items()})
                )

    thread = threading.Thread(target=loop, name="triggerer-sampler", daemon=True)
    thread.start()
    try:
        yield sample
    finally:
        stop.set()
        thread.join(timeout=10)


def only_these_dags(stack: CeleryStack, dag_ids: tuple[str, ...], timeout: float = 180.0) -> None:
    """
    Wait for the runs started when the DAGs were unpaused (``scheduled_conversion``'s) to end, then
    pause every other DAG of the folder, so that the sandbox's counters hold the benchmark's
    requests alone.
    """
    import requests

    deadline = time.monotonic() + timeout
    while (stack.query("SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')") or [(1,)])[0][0]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"DAG runs still running after {timeout:.0f} s")
        time.sleep(1.0)
    headers = {"Authorization": f"Bearer {stack.api_token()}"}
    dags = f"{stack.api_url}/api/v2/dags"
    requests.patch(
        dags, params={"dag_id_pattern": "%"}, json={"is_paused": True}, headers=headers, timeout=30
    ).raise_for_status()
    for dag_id in dag_ids:
        unpaused = requests.patch(f"{dags}/{dag_id}", json={"is_paused": False}, headers=headers, timeout=30)
        unpaused.raise_for_status()


def run_way(stack: CeleryStack, admin: SandboxAdmin, label: str, dag_id: str, articles: int) -> Way:
    """Reset the sandbox, run ``dag_id`` over a fresh feed of ``articles``, measure and check it."""
    feed = write_feed(OUT / f"archive-feed-{dag_id}", articles)
    admin.reset()
    stack.wait_until_ready(dag_id)
    run_id = f"bench-{dag_id}-{datetime.now(UTC):%H%M%S}"
    conf: dict[str, Any] = {"feed": str(feed)}
    if dag_id == ARCHIVE_DAG:
        conf["chunk_size"] = CHUNK_SIZE
    cpu_before = cpu_by_component(stack)
    with sampled_triggerer(stack, admin) as triggerer:
        stack.trigger(dag_id, run_id, stack.api_token(), conf=conf)
        state = wait_for_run(stack, dag_id, run_id, timeout=RUN_TIMEOUT)
    cpu = {name: seconds - cpu_before.get(name, 0.0) for name, seconds in cpu_by_component(stack).items()}
    stats = admin.stats()
    rows = stack.query(
        "SELECT EXTRACT(EPOCH FROM end_date - start_date) FROM dag_run WHERE dag_id = ? AND run_id = ?",
        (dag_id, run_id),
    )
    step_rows = stack.query(
        "SELECT task_id, count(*), sum(EXTRACT(EPOCH FROM end_date - start_date)),"
        " avg(EXTRACT(EPOCH FROM start_date - queued_dttm)) FILTER (WHERE queued_dttm <= start_date)"
        " FROM task_instance"
        " WHERE dag_id = ? AND run_id = ? GROUP BY task_id",
        (dag_id, run_id),
    )
    way = Way(
        label=label,
        dag_id=dag_id,
        articles=articles,
        state=state,
        wall=float(rows[0][0]) if rows and rows[0][0] is not None else float("nan"),
        requests=dict(stats["requests"]),
        refusals=dict(stats["refusals"]),
        listings=dict(stats["aioz_listings"]),
        stats=stats,
        triggerer=triggerer,
        cpu=cpu,
        steps={
            str(task_id).rpartition(".")[2]: (
                int(runs),
                float(busy or 0.0),
                None if queued is None else float(queued),
            )
            for task_id, runs, busy, queued in step_rows or []
        },
    )
    check_published(stack, admin, way, run_id, [f"bench-article-{n:04d}" for n in range(articles)])
    return way


def check_published(stack: CeleryStack, admin: SandboxAdmin, way: Way, run_id: str, ids: list[str]) -> None:
    """Duplicates, articles lost, and every published media's bytes against its delivered file."""
    limits = {"aioz_upload_limit": 0, "aioz_write_limit": 0, "aioz_read_limit": 0}
    kept = {name: admin.settings()[name] for name in limits}
    admin.patch(**limits)
    try:
        by_article: dict[str, list[dict[str, Any]]] = {}
        for item in aioz_media(stack.sandbox_url):
            by_article.setdefault(str(article_of(item)), []).append(item)
        way.duplicates = {article: len(items) for article, items in by_article.items() if len(items) > 1}
        published = {
            article: str(items[0]["id"])
            for article, items in by_article.items()
            if len(items) == 1 and items[0]["status"] == "done" and items[0]["is_public"]
        }
        way.published = len(published)
        way.lost = sorted(set(ids) - set(published) - set(way.duplicates))
        delivered = delivered_files(stack, [(way.dag_id, run_id)])

        def differs(article: str) -> str | None:
            media_id = published[article]
            source = delivered.get(media_id) or delivered.get(article)
            if source is None:
                return f"{article}: no delivered file"
            stored = admin.media(media_id)
            md5, size = md5_of_url(source)
            return None if (stored["md5"], stored["received_bytes"]) == (md5, size) else article

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(differs, sorted(published)))
        way.bytes_checked = len(outcomes)
        way.bytes_differ = [outcome for outcome in outcomes if outcome is not None]
    finally:
        admin.patch(**kept)


def run(articles: int = ARTICLES, mapped: int = MAPPED_ARTICLES) -> Section:
    root = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        for folder in ("home", "workers"):
            (root / folder).mkdir()
        with running_celery_stack(
            root / "home",
            root / "workers",
            env_changes=bench_env,
            judge=False,
            worker_concurrency=WORKER_SLOTS,
        ) as stack:
            admin = SandboxAdmin(stack.sandbox_url)
            admin.patch(
                build_seconds=BUILD_SECONDS,
                transcode_seconds=TRANSCODE_SECONDS,
                aioz_rate_window_seconds=WINDOW_SECONDS,
                aioz_upload_limit=LIMITS[Category.UPLOAD],
                aioz_write_limit=LIMITS[Category.WRITE],
                aioz_read_limit=LIMITS[Category.READ],
            )
            only_these_dags(stack, (ARCHIVE_DAG, MAPPED_DAG))
            ways = [
                run_way(stack, admin, f"archive pipeline, {articles:,} articles", ARCHIVE_DAG, articles),
                run_way(stack, admin, f"per-article mapping, {mapped:,} articles", MAPPED_DAG, mapped),
            ]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    (OUT / "archive-ways.json").write_text(json.dumps([asdict(way) for way in ways], default=str, indent=1))
    return report(ways)


# -- the report ------------------------------------------------------------------------------------


def _per(value: float, way: Way) -> str:
    return f"{value / way.articles:.3f}"


def intro() -> str:
    return " ".join(
        [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-archive`",
            "(`python -m bench.archive`),",
            "not by `make bench`. Airflow 3 on CeleryExecutor (PostgreSQL, Redis, scheduler, dag-processor,",
            f"triggerer, api-server, two Celery workers of {WORKER_SLOTS} slots) with the example DAGs;",
            "one sandbox, reset between the ways. AIOZ limits: the published per-minute ones (uploads",
            f"{LIMITS[Category.UPLOAD]}, writes {LIMITS[Category.WRITE]}, reads {LIMITS[Category.READ]}) per",
            f"{WINDOW_SECONDS:.0f} s window, the client told the same window; AudioStack builds",
            f"{BUILD_SECONDS:.0f} s, transcoding {TRANSCODE_SECONDS:.0f} s,",
            f"polls every {POLL_SECONDS:.0f} s; chunks of {CHUNK_SIZE} articles.",
            "The per-article mapping maps one task group per article (about ten task runs each): its ceiling",
            "is Airflow's `max_map_length` (1,024 articles), which these 2 cores cannot run within the",
            "benchmark's time, so it runs a smaller feed and is compared per article.",
        ]
    )


def step_cell(runs: int, busy: float, queued: float | None) -> str:
    """A cell of the task runs by step: ``40: 1534 s, queued 0.2 s``."""
    return f"{runs}: {busy:.0f} s, queued {'-' if queued is None else f'{queued:.1f} s'}"


def report(ways: list[Way]) -> Section:
    archive = ways[0]
    floor, binding = archive.floor()
    ratio = archive.wall / floor if floor else float("inf")
    aioz_total = sum(archive.aioz().values())
    refused_share = archive.refused() / aioz_total if aioz_total else 0.0
    reads = archive.reads()
    survey_and_wait = reads["already published?"] + reads["waiting (listings)"] + reads["single media reads"]
    built = int(archive.stats["audioforms"]["created"])
    targets = [
        Target(
            "archive: wall time vs the rate-limit floor",
            f"<= {FLOOR_RATIO_GOAL}x",
            f"{ratio:.2f}x ({archive.wall:.0f} s / {floor:.0f} s, {binding.value}s)",
            ratio <= FLOOR_RATIO_GOAL,
        ),
        Target(
            "archive: duplicates (audioforms built, media per article)",
            "0",
            f"{built - archive.articles + sum(n - 1 for n in archive.duplicates.values())}"
            f" ({built} audioforms, {len(archive.duplicates)} articles with several media)",
            built == archive.articles and not archive.duplicates,
        ),
        Target(
            "archive: articles lost (not published, or bytes not the delivered file's)",
            "0",
            f"{len(archive.lost) + len(archive.bytes_differ)} ({archive.published:,} published,"
            f" {archive.bytes_checked:,} MD5s checked)",
            not archive.lost and not archive.bytes_differ and archive.state == "success",
        ),
        Target(
            "archive: 429s",
            f"< {REFUSED_SHARE_GOAL:.0%} of requests",
            f"{archive.refused()} of {aioz_total:,} AIOZ requests ({refused_share:.2%})",
            refused_share < REFUSED_SHARE_GOAL,
        ),
        Target(
            "archive: reads for 'already published?' and waiting",
            f"< {READS_PER_ARTICLE_GOAL} per article",
            f"{survey_and_wait / archive.articles:.3f} ({survey_and_wait} reads)",
            survey_and_wait / archive.articles < READS_PER_ARTICLE_GOAL,
        ),
    ]
    lines = [
        "## Archive: 10,000 articles on a distributed Airflow at AIOZ Stream's rate limits",
        "",
        intro(),
        "",
        *targets_table(targets),
        "",
        "| figure | " + " | ".join(way.label for way in ways) + " |",
        "|---|" + "---|" * len(ways),
    ]

    def row(name: str, cells: list[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    row("run state", [way.state for way in ways])
    row("wall time", [f"{way.wall:.0f} s ({way.wall / way.articles:.3f} s per article)" for way in ways])
    floors = [way.floor() for way in ways]
    row("rate-limit floor (binding class)", [f"{f:.0f} s ({c.value}s)" for f, c in floors])
    row(
        "wall / floor",
        [f"{way.wall / f:.2f}x" if f else "-" for way, (f, _) in zip(ways, floors, strict=True)],
    )
    paces = [way.pace() for way in ways]
    row("binding class: first admitted after", [f"{first:.0f} s" for first, _, _ in paces])
    row("binding class: rate from 10% to 90% of it", [f"{rate:.0%} of the limit" for _, rate, _ in paces])
    row("binding class: from 90% of it to the end", [f"{tail:.0f} s" for _, _, tail in paces])
    for category in LIMITS:
        row(
            f"AIOZ {category.value}s admitted per article",
            [_per(way.admitted_by_class()[category], way) for way in ways],
        )
    row("429s received", [f"{way.refused()} of {sum(way.aioz().values()):,}" for way in ways])
    for kind in ways[0].reads():
        row(f"reads per article: {kind}", [_per(way.reads()[kind], way) for way in ways])
    row("audioforms built per article", [_per(int(way.stats["audioforms"]["created"]), way) for way in ways])
    row(
        "AIOZ media created / deleted",
        [f"{way.stats['aioz']['created']:,} / {way.stats['aioz']['deleted']:,}" for way in ways],
    )
    row("published (public, transcoded)", [f"{way.published:,} of {way.articles:,}" for way in ways])
    row("articles with several media", [str(len(way.duplicates)) for way in ways])
    row(
        "media bytes = delivered file (MD5)",
        [f"{way.bytes_checked - len(way.bytes_differ):,}" for way in ways],
    )
    triggerer_cpu = [way.cpu.get("triggerer", 0.0) for way in ways]
    row(
        "triggerer CPU (its process group)",
        [f"{c:.0f} s ({c / max(w.wall, 1):.0%} of a core)" for c, w in zip(triggerer_cpu, ways, strict=True)],
    )
    row("triggerer peak RSS", [f"{way.triggerer.peak_rss_mib:.0f} MiB" for way in ways])
    row("most triggers at once", [str(way.triggerer.peak_triggers) for way in ways])
    lines += [
        "",
        "CPU seconds of each process of the stack during the run (with the children it reaped):",
        "",
    ]
    names = sorted({name for way in ways for name in way.cpu}, key=lambda n: -ways[0].cpu.get(n, 0.0))
    lines += ["| process | " + " | ".join(way.label for way in ways) + " |", "|---|" + "---|" * len(ways)]
    for name in names:
        row(name, [f"{way.cpu.get(name, 0.0):.0f} s" for way in ways])
    row(
        "all",
        [
            f"{sum(way.cpu.values()):.0f} s ({sum(way.cpu.values()) / max(way.wall, 1):.2f} cores)"
            for way in ways
        ],
    )
    lines += [
        "",
        "Task runs by step: runs, seconds from start to end summed (a deferred run's wait included),"
        " mean seconds from queued to started (of the runs that never deferred: a resumed run's"
        " queued time is its resumption's, stamped over the first; `-`: every run deferred):",
        "",
    ]
    steps = sorted({step for way in ways for step in way.steps})
    lines += ["| step | " + " | ".join(way.label for way in ways) + " |", "|---|" + "---|" * len(ways)]
    for step in steps:
        row(
            f"`{step}`",
            [step_cell(*way.steps[step]) if step in way.steps else "-" for way in ways],
        )
    lines += ["", "Requests per article by route (every request the sandbox received, 429s included):", ""]
    routes = sorted({route for way in ways for route in way.requests})
    lines += ["| route | " + " | ".join(way.label for way in ways) + " |", "|---|" + "---|" * len(ways)]
    for route in routes:
        row(f"`{route}`", [_per(way.requests.get(route, 0), way) for way in ways])
    lines += ["", "AIOZ listings by what they filter on (counts):", ""]
    shapes = sorted({shape for way in ways for shape in way.listings})
    lines += ["| filter | " + " | ".join(way.label for way in ways) + " |", "|---|" + "---|" * len(ways)]
    for shape in shapes:
        # A pipe inside a code span still splits a table cell.
        row(f"`{shape}`".replace("|", "\\|"), [str(way.listings.get(shape, 0)) for way in ways])
    for way in ways:
        if way.lost or way.bytes_differ or way.duplicates:
            lines += [
                "",
                f"{way.label}: lost {way.lost[:20]}, bytes differ {way.bytes_differ[:20]},"
                f" duplicates {dict(list(way.duplicates.items())[:20])}",
            ]
    return Section(title="Archive", markdown="\n".join(lines), targets=targets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=None, help="also write the section to this file")
    parser.add_argument("--json", type=Path, default=None, help="write the section and targets as JSON")
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--mapped", type=int, default=MAPPED_ARTICLES)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    section = run(args.articles, args.mapped)
    section.seconds = time.perf_counter() - started
    text = section.markdown.rstrip() + "\n"
    for path, content in ((args.out, text), (args.json, json.dumps(asdict(section)))):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    print(text)
    print(f"(Archive: {section.seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
