"""
Triggerer scale: 1,000 ``AudioStackResourceTrigger`` s (one audioform each) at once in one asyncio
event loop, beside
the same 1,000 waits done the official SDK's way (a blocking ``requests`` poll loop per job in a
thread), in one run, against one sandbox where every audioform builds for 60 s.

Each way runs in a fresh child (``bench.triggerer_child``) that submits its 1,000 audioforms,
then waits on them; a third child measures what one trigger pays once and per poll. Polls are
counted by the sandbox (``GET /audiostack/audioforms/{audioform_id}`` in ``/_sandbox/stats``).

Poll interval: 5 s, half the provider's default (10 s), so the triggers make twice the polls
of a default deployment (about 13 per build) and the loop is loaded harder than in production;
the lag target (two intervals) is then 10 s.

Then 1,000 ``AiozStreamTranscodeTrigger`` s (one media each) in one event loop of a fresh child,
against the same sandbox: the child creates 1,000 AIOZ media, uploads a short WAV to each and
completes them in 10 batches due one interval apart, then waits; requests are counted by the
sandbox (``POST /media`` listing pages and ``GET /media/{id}`` reads).

Targets: every event within 2 poll intervals of its build finishing; under 50 KiB RSS per trigger;
no loop block over 50 ms; less CPU and less memory per wait than the threads; every AIOZ transcode
event within 2 intervals of its media finishing, at under 0.05 AIOZ requests per wait per interval.

``python -m bench.triggerer_scale [--out FILE]``
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Any

from airflow_provider_audio.client.http import POOL_LIMITS
from bench.common import (
    AIOZ_PUBLIC_KEY,
    KEY,
    OUT,
    Sandbox,
    Section,
    Target,
    child_env,
    percentile,
    run_child,
    section_main,
    targets_table,
)
from bench.triggerer_child import AIOZ_FIRST_DUE_SECONDS, AIOZ_GET_ROUTE, AIOZ_LIST_ROUTE, WATCHDOG_SECONDS

COUNT = 1000
BUILD_SECONDS = 60.0
INTERVAL = 5.0
POLL_ROUTE = "GET /audiostack/audioforms/{audioform_id}"
BLOCK_LIMIT = 0.050
RSS_LIMIT_KIB = 50.0
#: Batches of AIOZ media due one interval apart: media finish in that many intervals.
AIOZ_BATCHES = 10
#: Issue 16's target for coalesced transcode waits (per-trigger polling costs 1.0).
AIOZ_REQUESTS_LIMIT = 0.05


@dataclass(frozen=True)
class Waits:
    """One way of waiting, as measured."""

    label: str
    cpu: float
    polls: int
    rss_kib_per_wait: float
    lags: list[float]
    events: int
    succeeded: int
    wall: float
    sandbox_cpu: float
    #: (wake-up time, seconds late, the loop thread's CPU seconds over that sleep)
    watchdog: list[tuple[float, float, float]]
    collections: list[tuple[float, float, int]]
    submit_seconds: float
    failures: list[str]
    all_polled_once: float
    event_times: tuple[float, float]
    peak_reset: bool
    runnable_max: int

    @property
    def cpu_per_poll_ms(self) -> float:
        return self.cpu / max(self.polls, 1) * 1000

    @property
    def cpu_per_wait_ms(self) -> float:
        return self.cpu / COUNT * 1000


@dataclass(frozen=True)
class AiozWaits:
    """The AIOZ transcode waits, as measured."""

    events: int
    succeeded: int
    lags: list[float]
    listings: int
    reads: int
    pages: dict[str, int]
    wait_intervals: float
    cpu: float
    wall: float
    setup_seconds: float
    failures: list[str]
    pollers_left: int

    @property
    def requests_per_wait_per_interval(self) -> float:
        """Listing pages and reads alone, per wait and per interval it lasted."""
        return (self.listings + self.reads) / max(self.wait_intervals, 1e-9)


def run_aioz(sandbox: Sandbox) -> AiozWaits:
    sandbox.reset()
    report_path = OUT / "triggerer-aioz.json"
    run_child(
        [
            sys.executable,
            "-m",
            "bench.triggerer_child",
            "aioz",
            "--url",
            sandbox.service_url("aiozstream"),
            "--key",
            KEY,
            "--public-key",
            AIOZ_PUBLIC_KEY,
            "--admin",
            f"{sandbox.base_url}/_sandbox",
            "--count",
            str(COUNT),
            "--interval",
            str(INTERVAL),
            "--batches",
            str(AIOZ_BATCHES),
            "--report",
            str(report_path),
        ],
        env=child_env({"AIRFLOW_HOME": str(OUT / "triggerer-airflow")}),
        timeout=AIOZ_FIRST_DUE_SECONDS + AIOZ_BATCHES * INTERVAL + 420,
        log=OUT / "triggerer-aioz.log",
        stdout=OUT / "triggerer-aioz.out",
    )
    report: dict[str, Any] = json.loads(report_path.read_text())
    events = report["events"]
    # A media can have finished no earlier than its completion was sent + the seconds it was
    # completed with: the lag is measured from that moment (an upper bound of the true lag).
    lags = [events[media_id][0] - due for media_id, due in report["due"].items() if media_id in events]
    return AiozWaits(
        events=len(events),
        succeeded=sum(1 for value in events.values() if value[1] == "success"),
        lags=lags,
        listings=int(report["requests"][AIOZ_LIST_ROUTE]),
        reads=int(report["requests"][AIOZ_GET_ROUTE]),
        pages={kind: int(count) for kind, count in report["pages"].items()},
        # Each wait counts the intervals from the triggers' creation to its own event.
        wait_intervals=sum((value[0] - report["started"]) / INTERVAL for value in events.values()),
        cpu=float(report["cpu"]),
        wall=float(report["finished"] - report["started"]),
        setup_seconds=float(report["setup_seconds"]),
        failures=list(report["failures"]),
        pollers_left=int(report["pollers_left"]),
    )


def run_mode(sandbox: Sandbox, mode: str) -> Waits:
    sandbox.reset()
    report_path = OUT / f"triggerer-{mode}.json"
    sandbox_before = sandbox.cpu_seconds()
    polls_before = sandbox.stats()["requests"].get(POLL_ROUTE, 0)
    run_child(
        [
            sys.executable,
            "-m",
            "bench.triggerer_child",
            mode,
            "--url",
            sandbox.service_url("audiostack"),
            "--key",
            KEY,
            "--count",
            str(COUNT),
            "--interval",
            str(INTERVAL),
            "--build",
            str(BUILD_SECONDS),
            "--report",
            str(report_path),
        ],
        env=child_env({"AIRFLOW_HOME": str(OUT / "triggerer-airflow")}),
        timeout=BUILD_SECONDS + 420,
        log=OUT / f"triggerer-{mode}.log",
        stdout=OUT / f"triggerer-{mode}.out",
    )
    polls = sandbox.stats()["requests"].get(POLL_ROUTE, 0) - polls_before
    report: dict[str, Any] = json.loads(report_path.read_text())
    events = report["events"]
    submitted = report["submitted"]
    # A build can have finished no earlier than its POST was sent + the build seconds: the lag
    # is measured from that moment (an upper bound of the true lag by the POST's latency).
    lags = [events[a][0] - (sent + BUILD_SECONDS) for a, sent in submitted.items() if a in events]
    return Waits(
        label=mode,
        cpu=float(report["cpu"]),
        polls=int(polls),
        rss_kib_per_wait=(report["peak_kib"] - report["rss_before_kib"]) / COUNT,
        lags=lags,
        events=len(events),
        succeeded=sum(1 for value in events.values() if value[1] == "success"),
        wall=float(report["finished"] - report["started"]),
        sandbox_cpu=sandbox.cpu_seconds() - sandbox_before,
        watchdog=[(float(at), float(late), float(cpu)) for at, late, cpu in report["watchdog"]],
        collections=[(float(at), float(sec), int(gen)) for at, sec, gen in report["collections"]],
        submit_seconds=float(report["submit_seconds"]),
        failures=list(report["failures"]),
        all_polled_once=float(report["all_polled_once"]),
        peak_reset=bool(report["peak_reset"]),
        runnable_max=int(report["runnable_max"]),
        event_times=(
            min((value[0] - report["started"] for value in events.values()), default=float("nan")),
            max((value[0] - report["started"] for value in events.values()), default=float("nan")),
        ),
    )


def run_costs(sandbox: Sandbox) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """What one trigger pays, piece by piece; and one full garbage collection of the same heap."""
    report_path = OUT / "triggerer-costs.json"
    run_child(
        [
            sys.executable,
            "-m",
            "bench.triggerer_child",
            "costs",
            "--url",
            sandbox.service_url("audiostack"),
            "--key",
            KEY,
            "--report",
            str(report_path),
        ],
        env=child_env({"AIRFLOW_HOME": str(OUT / "triggerer-airflow")}),
        timeout=300,
        log=OUT / "triggerer-costs.log",
        stdout=OUT / "triggerer-costs.out",
    )
    report = json.loads(report_path.read_text())
    costs: dict[str, dict[str, float]] = report["costs"]
    full_collection: dict[str, float] = report["full_collection"]
    return costs, full_collection


def run() -> Section:
    with Sandbox("triggerer-sandbox", build_seconds=BUILD_SECONDS) as sandbox:
        costs, full_collection = run_costs(sandbox)
        triggers = run_mode(sandbox, "triggers")
        threads = run_mode(sandbox, "threads")
        aioz = run_aioz(sandbox)
    return report(triggers, threads, costs, full_collection, aioz)


def collection_seconds_within(waits: Waits, start: float, end: float) -> float:
    """Seconds the interpreter spent in garbage collections between ``start`` and ``end``."""
    return sum(max(0.0, min(end, at + seconds) - max(start, at)) for at, seconds, _ in waits.collections)


def own_blocks(waits: Waits) -> list[tuple[float, float, float]]:
    """
    The watchdog's late wake-ups with the garbage collections inside each block taken out: what
    the waiting code itself held the loop for, as ``(at, seconds, CPU seconds)``: the CPU the loop's
    thread used over the sleep, collections taken out too (the rest of the block it waited for a
    core or the GIL). A wake-up at ``at``, ``late`` seconds late, ends a sleep that began at
    ``at - late - WATCHDOG``.
    """
    blocks = []
    for at, late, cpu in waits.watchdog:
        if at >= 0:
            collected = collection_seconds_within(waits, at - late - WATCHDOG_SECONDS, at)
            blocks.append((at, max(0.0, late - collected), max(0.0, cpu - collected)))
    return blocks


def _lag_cells(lags: list[float]) -> str:
    return f"{percentile(lags, 50):.2f} / {percentile(lags, 95):.2f} / {max(lags, default=float('nan')):.2f}"


def report(
    triggers: Waits,
    threads: Waits,
    costs: dict[str, dict[str, float]],
    full_collection: dict[str, float],
    aioz: AiozWaits,
) -> Section:
    lag_limit = 2 * INTERVAL
    worst_lag = max(triggers.lags, default=float("inf"))
    # Wake-ups from the moment the triggers were created (the watchdog started a little before);
    # a wake-up at time t ended a block that began at t - late.
    samples = [sample for sample in triggers.watchdog if sample[0] >= 0]
    worst_block = max(samples, key=lambda sample: sample[1], default=(0.0, float("inf"), 0.0))
    late_wakes = sum(1 for _, late, _cpu in samples if late > BLOCK_LIMIT)
    worst_block_collections = collection_seconds_within(
        triggers, worst_block[0] - worst_block[1] - WATCHDOG_SECONDS, worst_block[0]
    )
    worst_own = max(own_blocks(triggers), key=lambda sample: sample[1], default=(0.0, float("inf"), 0.0))
    full = [(at, seconds) for at, seconds, generation in triggers.collections if generation == 2 and at >= 0]
    longest_full = max((seconds for _, seconds in full), default=0.0)
    all_events = triggers.events == COUNT and triggers.succeeded == COUNT
    aioz_worst_lag = max(aioz.lags, default=float("inf"))
    targets = [
        Target(
            f"all {COUNT} events within 2 poll intervals of their build finishing",
            f"{COUNT} events, max lag <= {lag_limit:.0f} s",
            f"{triggers.succeeded}/{COUNT} events, max lag {worst_lag:.2f} s",
            all_events and worst_lag <= lag_limit,
        ),
        Target(
            "RSS per trigger",
            f"< {RSS_LIMIT_KIB:.0f} KiB",
            f"{triggers.rss_kib_per_wait:.0f} KiB",
            triggers.rss_kib_per_wait < RSS_LIMIT_KIB,
        ),
        Target(
            "longest event-loop block",
            f"<= {BLOCK_LIMIT * 1000:.0f} ms",
            f"{worst_block[1] * 1000:.0f} ms",
            worst_block[1] <= BLOCK_LIMIT,
        ),
        Target(
            "longest event-loop block of the triggers' own work (garbage collections taken out)",
            f"<= {BLOCK_LIMIT * 1000:.0f} ms",
            f"{worst_own[1] * 1000:.0f} ms",
            worst_own[1] <= BLOCK_LIMIT,
        ),
        Target(
            "CPU per wait vs threads",
            "less",
            f"{triggers.cpu_per_wait_ms:.1f} ms vs {threads.cpu_per_wait_ms:.1f} ms",
            triggers.cpu_per_wait_ms < threads.cpu_per_wait_ms,
        ),
        Target(
            "memory per wait vs threads",
            "less",
            f"{triggers.rss_kib_per_wait:.0f} KiB vs {threads.rss_kib_per_wait:.0f} KiB",
            triggers.rss_kib_per_wait < threads.rss_kib_per_wait,
        ),
        Target(
            f"all {COUNT} AIOZ transcode events within 2 poll intervals of their media finishing",
            f"{COUNT} events, max lag <= {lag_limit:.0f} s",
            f"{aioz.succeeded}/{COUNT} events, max lag {aioz_worst_lag:.2f} s",
            aioz.events == COUNT and aioz.succeeded == COUNT and aioz_worst_lag <= lag_limit,
        ),
        Target(
            "AIOZ requests per transcode wait per interval (listing pages + reads alone)",
            f"< {AIOZ_REQUESTS_LIMIT}",
            f"{aioz.requests_per_wait_per_interval:.3f}",
            aioz.requests_per_wait_per_interval < AIOZ_REQUESTS_LIMIT,
        ),
    ]
    lines = [
        f"## Triggerer scale: {COUNT:,} audioform triggers in one event loop, beside {COUNT:,} threads; "
        f"{COUNT:,} AIOZ transcode waits",
        "",
        f"{COUNT:,} audioforms submitted to the sandbox, each building {BUILD_SECONDS:.0f} s; the same "
        f"{COUNT:,} waits done twice, one after the other in this run, each way in a fresh process: "
        f"**triggers** ({COUNT:,} `AudioStackResourceTrigger`s, one audioform each, each `run()` consumed "
        "as an asyncio task "
        "in one event loop of a process that has imported Airflow's triggerer runner, made one after "
        "the other with a yield to the loop between them, as the triggerer's `create_triggers` does; "
        "connection `audiostack_default` read through "
        "`aget_connection` from an `AIRFLOW_CONN_*` variable) and **threads** (the official SDK's "
        "`Audioform.get(wait=True)`: a blocking `requests.get` per poll in one thread per job, "
        f"`ThreadPoolExecutor(max_workers={COUNT})`). Poll interval {INTERVAL:.0f} s for both (half the "
        "provider's 10 s default: twice the load of a default deployment). CPU is the waiting process's "
        "own from the first wait to the last event (submission excluded); polls are counted by the "
        "sandbox; RSS per wait is (peak RSS - RSS before the waits) / "
        f"{COUNT:,}; lag is the time from the earliest moment a build can have finished (its POST sent + "
        f"{BUILD_SECONDS:.0f} s) to its event; the loop block is the largest overshoot of a watchdog "
        "coroutine sleeping 10 ms in the triggers' loop.",
        "",
        "| way | events ok | polls | polls per wait | CPU s | CPU ms per poll | CPU ms per wait "
        "| RSS KiB per wait | lag p50 / p95 / max s | wall s | sandbox CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for waits in (triggers, threads):
        lines.append(
            f"| {waits.label} | {waits.succeeded}/{COUNT} | {waits.polls:,} | {waits.polls / COUNT:.1f} | "
            f"{waits.cpu:.1f} | {waits.cpu_per_poll_ms:.2f} | {waits.cpu_per_wait_ms:.1f} | "
            f"{waits.rss_kib_per_wait:.0f} | {_lag_cells(waits.lags)} | {waits.wall:.0f} | "
            f"{waits.sandbox_cpu:.1f} |"
        )
    lines += [
        "",
        f"Event loop (triggers): the longest block was {worst_block[1] * 1000:.0f} ms, ending "
        f"{worst_block[0]:.1f} s after the triggers were created, {worst_block_collections * 1000:.0f} ms of "
        f"it in the interpreter's garbage collector; {late_wakes} of {len(samples):,} watchdog wake-ups "
        f"were more than {BLOCK_LIMIT * 1000:.0f} ms late over the {triggers.wall:.0f} s of the waits. "
        f"The interpreter ran {len(full)} full (generation 2) collections during the waits, the longest "
        f"{longest_full * 1000:.0f} ms; in a fresh process with the same imports and no trigger (its "
        f"{full_collection['objects']:,.0f} objects: Airflow's triggerer runner and task SDK, httpx and the "
        "provider), one "
        f"full collection took {full_collection['seconds'] * 1000:.0f} ms. With the time "
        "spent in collections taken out of each block, the longest block of the triggers' own work was "
        f"{worst_own[1] * 1000:.0f} ms, ending at {worst_own[0]:.1f} s; the loop's thread was on CPU "
        f"for {worst_own[2] * 1000:.0f} ms of the {(WATCHDOG_SECONDS + worst_own[1]) * 1000:.0f} ms from "
        "that sleep's start to its wake-up (collections taken out of both), and waited for a core or the "
        "GIL the rest. CPython 3.11's full collection "
        "walks every object of the process in one go, most of them Airflow's own imports, so it blocks "
        "the loop of any process that imports Airflow, whatever its triggers run; triggers can make "
        "collections rarer by keeping fewer objects alive, not shorter. Every trigger had polled once "
        f"{triggers.all_polled_once:.1f} s after creation; the events came between "
        f"{triggers.event_times[0]:.1f} s and {triggers.event_times[1]:.1f} s.",
        "",
        "What one trigger pays (a separate process, 200 of each in a row, everything kept alive until "
        "the closings at the end):",
        "",
        "| piece | CPU ms each | RSS KiB each |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {value['cpu_ms']:.2f} | "
        f"{'-' if math.isnan(value['rss_kib']) else format(value['rss_kib'], '.1f')} |"
        for name, value in costs.items()
    ]
    lines += ["", *aioz_lines(aioz), "", *targets_table(targets), ""]
    if not (triggers.peak_reset and threads.peak_reset):
        lines += [
            "Note: the kernel refused to reset the peak RSS (`/proc/self/clear_refs`), so peak RSS "
            "includes the child's start-up and the RSS per wait is an upper bound.",
            "",
        ]
    if triggers.failures or threads.failures or aioz.failures:
        lines += [
            f"Failures: triggers {triggers.failures}, threads {threads.failures}, AIOZ waits {aioz.failures}",
            "",
        ]
    lines.append(where_the_time_goes(triggers, threads, costs))
    return Section("Triggerer scale", "\n".join(lines) + "\n", targets)


def aioz_lines(aioz: AiozWaits) -> list[str]:
    """The AIOZ transcode waits: how they were run, and their figures."""
    size = math.ceil(COUNT / AIOZ_BATCHES)
    return [
        f"AIOZ transcode waits: {COUNT:,} AIOZ media created and each uploaded a 0.1 s WAV, then completed "
        f"in {AIOZ_BATCHES} batches of {size} due {INTERVAL:.0f} s apart (the sandbox's `transcode_seconds` "
        f"set before each batch), the first {AIOZ_FIRST_DUE_SECONDS:.0f} s after the first completion "
        f"({aioz.setup_seconds:.0f} s in all, plain `requests`); then {COUNT:,} "
        "`AiozStreamTranscodeTrigger`s, one media each, made and consumed as above in one event loop of a "
        f"fresh process, poll interval {INTERVAL:.0f} s, connection `aiozstream_default` with the provider's "
        "pacing of AIOZ's published limits on. They share one poller "
        "(`triggers/aiozstream_shared.py`): each interval one listing of the unfinished media, and in an "
        "interval where waited-on media left it one listing of the finished media; a media is read alone "
        "only when that listing does not show it. Requests are the sandbox's count of `POST /media` "
        "(listing pages) and `GET /media/{id}` (reads alone) from the first trigger to the last event; "
        "a wait lasts the intervals from the triggers' creation to its event, summed over the waits; the "
        "lag is measured from the earliest moment a media can have finished (its completion sent + the "
        "seconds it was completed with). Per-trigger polling would cost 1 request per wait per interval.",
        "",
        "| waits | events ok | listing pages (unfinished / finished) | reads alone | wait-intervals "
        "| requests per wait per interval | lag p50 / p95 / max s | CPU s | wall s |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {COUNT:,} | {aioz.succeeded}/{COUNT} | {aioz.listings:,} ({aioz.pages.get('unfinished', 0):,} / "
        f"{aioz.pages.get('finished', 0):,}) | {aioz.reads:,} | {aioz.wait_intervals:,.0f} | "
        f"{aioz.requests_per_wait_per_interval:.4f} | {_lag_cells(aioz.lags)} | {aioz.cpu:.1f} | "
        f"{aioz.wall:.0f} |",
    ]


def where_the_time_goes(triggers: Waits, threads: Waits, costs: dict[str, dict[str, float]]) -> str:
    """One paragraph, from this run's figures."""
    connection = costs.get("aget_connection", {})
    client = costs.get("hook.aget_client (AsyncApiClient)", {})
    bare = costs.get("httpx.AsyncClient()", {})
    poll = costs.get("aget_build (one poll, client reused)", {}).get("cpu_ms", float("nan"))
    once_cpu = connection.get("cpu_ms", 0.0) + client.get("cpu_ms", 0.0)
    once_kib = connection.get("rss_kib", 0.0) + client.get("rss_kib", 0.0)
    text = (
        f"Where the time goes: a trigger pays once {once_cpu:.1f} ms of CPU and {once_kib:.0f} KiB to read "
        f"its connection and build its client"
    )
    if client.get("cpu_ms", 0.0) > bare.get("cpu_ms", 0.0) / 2:
        text += (
            f" (a client loading its own SSL context, as a bare `httpx.AsyncClient()` does: "
            f"{bare.get('cpu_ms', 0.0):.0f} ms, {bare.get('rss_kib', 0.0):.0f} KiB; {COUNT:,} triggers "
            f"starting together pay {COUNT * client.get('cpu_ms', 0.0) / 1000:.0f} s of it in the event loop)"
        )
    text += (
        f", then {poll:.1f} ms per poll (the request, the answer, a log line), where the threads pay "
        f"{threads.cpu_per_poll_ms:.1f} ms per poll all included (up to {threads.runnable_max} of their "
        "threads runnable at once, sampled once a second from `/proc`; the sampler's own CPU is not "
        "counted). Each trigger's first poll comes after a random part of one interval, so the "
        f"{COUNT:,} polls of a round are spread over the {INTERVAL:.0f} s interval (about "
        f"{COUNT * poll / INTERVAL / 1000 * 100:.0f}% of the loop's time at {poll:.1f} ms each) instead "
        "of arriving together and being handled back to back. A trigger's "
        f"{triggers.rss_kib_per_wait:.0f} KiB at the peak holds the trigger, its hook and API client "
        f"({once_kib:.0f} KiB measured alone), its running coroutine and its task; the connections are "
        "not per trigger: every client of the loop sends through one shared `httpx` pool (at most "
        f"{POOL_LIMITS.max_connections} connections, {POOL_LIMITS.max_keepalive_connections} kept alive), "
        f"where each trigger used to keep its own open. A thread's {threads.rss_kib_per_wait:.0f} KiB "
        "holds its stack and objects. "
        "The Airflow connection comes from an environment variable here; in a real triggerer, from a "
        "round trip to the supervisor."
    )
    return text


def main(argv: list[str] | None = None) -> int:
    return section_main(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
