"""
The measured side of the triggerer-scale benchmark: one process, one way of waiting on N builds.

``python -m bench.triggerer_child MODE --url AUDIOSTACK_URL --key KEY --count N --interval S
--build S --report FILE``, with MODE one of:

- ``triggers``: N ``AudioStackResourceTrigger`` s (one audioform each) in one asyncio loop, made one
  after the other with a yield to the loop between them and each ``run()`` consumed as a task (as the
  triggerer's ``create_triggers`` does), with a watchdog coroutine measuring how long the loop is blocked;
- ``threads``: the official SDK's way, a blocking ``requests`` poll loop per job in a thread
  (``Audioform.get(wait=True)``: module-level ``requests.get`` per poll, a line printed per poll),
  at the same interval;
- ``costs``: what each trigger pays once and per poll, measured one piece at a time;
- ``aioz``: N ``AiozStreamTranscodeTrigger`` s (one media each) in one asyncio loop, made as in
  ``triggers``; the child first creates N AIOZ media and uploads a short WAV to each, then completes
  them in ``--batches`` batches due ``--interval`` apart (the sandbox's ``transcode_seconds`` set
  through its admin route ``--admin`` before each batch), so that media finish in many intervals.

The child submits the N audioforms itself (a plain ``requests`` session), then measures from
just before the waits start: CPU seconds (``getrusage``), RSS before and peak RSS after
(``VmHWM``, reset to the current RSS first), and for each build the lag between the earliest
moment it can have finished (the time its POST was sent + the build seconds) and its event.
Log lines (the triggers' "Still working", the SDK's "please wait") go to stdout, which the
parent sends to a file. The report is one JSON object written to ``--report``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.own_process import cpu_seconds, status_kib

if TYPE_CHECKING:
    from airflow_provider_audio.triggers.base import AudioPollingTrigger

CONN_ID = "audiostack_default"
AIOZ_CONN_ID = "aiozstream_default"
#: The sandbox's counters of the AIOZ requests a wait makes: listings (each page) and reads alone.
AIOZ_LIST_ROUTE = "POST /aiozstream/api/media"
AIOZ_GET_ROUTE = "GET /aiozstream/api/media/{media_id}"
#: The smallest audioform the sandbox renders: one short sentence, no bed (renders in ~1 ms).
AUDIOFORM: dict[str, Any] = {
    "header": {"version": "1"},
    "assets": {
        "narrator": {"type": "voice", "voiceAlias": "sara"},
        "line": {"type": "tts", "text": "Benchmark build.", "voiceRef": "narrator"},
    },
    "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "line"}]}]}]}},
    "delivery": {"encoderPreset": "wav"},
}
WATCHDOG_SECONDS = 0.010
#: Seconds from the first completion to the first batch being due: room for the other completions
#: and for making the triggers, so that no media is due before its wait has started.
AIOZ_FIRST_DUE_SECONDS = 20.0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def submit(url: str, key: str, count: int) -> list[tuple[str, float]]:
    """Submit ``count`` audioforms; ``(audioform_id, monotonic time the POST was sent)`` each."""
    import requests

    submitted = []
    with requests.Session() as session:
        for _ in range(count):
            sent = time.monotonic()
            response = session.post(
                f"{url}/audioforms", json={"audioform": AUDIOFORM}, headers={"x-api-key": key}, timeout=30
            )
            response.raise_for_status()
            submitted.append((str(response.json()["data"]["audioformId"]), sent))
    return submitted


def tiny_wav() -> bytes:
    """0.1 s of a 8 kHz mono tone: the smallest upload the sandbox transcodes (``done``)."""
    import io
    import struct
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(struct.pack("<800h", *([1000, -1000] * 400)))
    return buffer.getvalue()


def prepare_media(
    url: str, headers: dict[str, str], admin: str, count: int, batches: int, interval: float
) -> list[tuple[str, float]]:
    """
    Create ``count`` AIOZ media and upload a short WAV to each, then complete them in ``batches``
    batches due ``interval`` apart, the first :data:`AIOZ_FIRST_DUE_SECONDS` after the first
    completion. ``(media_id, monotonic moment it is due at the earliest)`` each: the moment its
    completion was sent + the ``transcode_seconds`` it was completed with.
    """
    import hashlib

    import requests

    data = tiny_wav()
    part = {"index": "1", "hash": hashlib.md5(data).hexdigest()}  # the part checksum AIOZ asks for
    content_range = {"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    prepared: list[tuple[str, float]] = []
    with requests.Session() as session:
        ids = []
        for index in range(count):
            response = session.post(
                f"{url}/media/create",
                json={"type": "audio", "title": f"wait {index}"},
                headers=headers,
                timeout=30,
            )
            response.raise_for_status()
            media_id = str(response.json()["data"]["id"])
            session.post(
                f"{url}/media/{media_id}/part",
                data=part,
                files={"file": ("part.bin", data, "application/octet-stream")},
                headers={**headers, **content_range},
                timeout=30,
            ).raise_for_status()
            ids.append(media_id)
        original = session.get(f"{admin}/settings", timeout=30).json()["transcode_seconds"]
        first = time.monotonic()
        size = math.ceil(count / batches)
        try:
            for batch in range(batches):
                due = first + AIOZ_FIRST_DUE_SECONDS + batch * interval
                seconds = max(0.0, due - time.monotonic())
                session.patch(
                    f"{admin}/settings", json={"transcode_seconds": seconds}, timeout=30
                ).raise_for_status()
                for media_id in ids[batch * size : (batch + 1) * size]:
                    sent = time.monotonic()
                    session.get(
                        f"{url}/media/{media_id}/complete", headers=headers, timeout=30
                    ).raise_for_status()
                    prepared.append((media_id, sent + seconds))
        finally:
            session.patch(f"{admin}/settings", json={"transcode_seconds": original}, timeout=30)
    return prepared


def route_counts(admin: str, routes: list[str]) -> dict[str, int]:
    """The sandbox's request counters of ``routes`` now."""
    import requests

    counts: dict[str, int] = requests.get(f"{admin}/stats", timeout=30).json()["requests"]
    return {route: int(counts.get(route, 0)) for route in routes}


class CollectorLog:
    """Every garbage collection of the interpreter while installed: ``(start, seconds, generation)``."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float, int]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.monotonic()
        else:
            self.pauses.append((self._started, time.monotonic() - self._started, info["generation"]))

    def __enter__(self) -> CollectorLog:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def full_collection_seconds() -> tuple[float, int]:
    """How long one full collection of this process's heap takes now, and how many objects it walks."""
    gc.collect()
    started = time.monotonic()
    gc.collect()
    return time.monotonic() - started, len(gc.get_objects())


class Watchdog:
    """
    Sleeps ``WATCHDOG_SECONDS`` again and again, recording how late each wake-up is and how much
    CPU the loop's thread used meanwhile: a late wake-up with little CPU is a loop that waited for a
    core (or the GIL), not one that worked.
    """

    def __init__(self) -> None:
        #: (monotonic wake-up time, overshoot seconds, the loop thread's CPU seconds over the sleep)
        self.samples: list[tuple[float, float, float]] = []
        self.stopped = False

    async def run(self) -> None:
        while not self.stopped:
            before, cpu_before = time.monotonic(), time.thread_time()
            await asyncio.sleep(WATCHDOG_SECONDS)
            now = time.monotonic()
            self.samples.append((now, now - before - WATCHDOG_SECONDS, time.thread_time() - cpu_before))


async def run_triggers(
    ids: list[str],
    make: Callable[[str], AudioPollingTrigger],
    events: dict[str, tuple[float, str]],
    limit: float,
) -> tuple[int, list[str]]:
    """
    What the triggerer does: make a trigger per id one after the other, with a yield to the loop
    before each (as its ``create_triggers`` does), and iterate each one's ``run()`` as a task until
    its (first) event, noted in ``events`` as ``(monotonic time, status)``. Waits ``limit`` + 30 s
    at most; returns how many were still waiting (then cancelled) and the first failures.
    """

    async def consume(key: str, trigger: AudioPollingTrigger) -> None:
        generator = trigger.run()
        try:
            event = await generator.__anext__()
            events[key] = (time.monotonic(), str(event.payload["status"]))
        finally:
            await generator.aclose()

    tasks = []
    for key in ids:
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(consume(key, make(key))))
    _, pending = await asyncio.wait(tasks, timeout=limit + 30)
    for task in pending:
        task.cancel()
    failures = [
        str(task.exception()) for task in tasks if task.done() and not task.cancelled() and task.exception()
    ]
    return len(pending), failures[:5]


async def wait_with_triggers(
    submitted: list[tuple[str, float]], interval: float, limit: float
) -> dict[str, Any]:
    from airflow_provider_audio.hooks.audiostack import AudioStackHook
    from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger

    # When each build's first poll returned: the start-up phase ends when every trigger has
    # polled once. A wrapper around the hook's poll records it without changing what it does.
    first_polls: dict[str, float] = {}
    poll = AudioStackHook.aget_build

    async def recorded_poll(self: AudioStackHook, resource: str, resource_id: str) -> Any:
        try:
            return await poll(self, resource, resource_id)
        finally:
            first_polls.setdefault(resource_id, time.monotonic())

    AudioStackHook.aget_build = recorded_poll  # type: ignore[method-assign]
    events: dict[str, tuple[float, str]] = {}
    watchdog = Watchdog()
    watch = asyncio.create_task(watchdog.run())
    await asyncio.sleep(0.1)
    rss_before = status_kib("VmRSS")
    peak_reset = _reset_peak()
    cpu_before = cpu_seconds()
    started = time.monotonic()
    deadline = time.time() + limit

    def make(audioform_id: str) -> AudioStackResourceTrigger:
        return AudioStackResourceTrigger(
            resource="audioform",
            resource_ids=[audioform_id],
            conn_id=CONN_ID,
            poll_interval=interval,
            deadline=deadline,
        )

    with CollectorLog() as collections:
        pending, failures = await run_triggers(
            [audioform_id for audioform_id, _ in submitted], make, events, limit
        )
    finished = time.monotonic()
    cpu = cpu_seconds() - cpu_before
    peak = status_kib("VmHWM")
    watchdog.stopped = True
    await watch
    return {
        "started": started,
        "finished": finished,
        "cpu": cpu,
        "rss_before_kib": rss_before,
        "peak_kib": peak,
        "peak_reset": peak_reset,
        "events": {audioform_id: list(value) for audioform_id, value in events.items()},
        "pending": pending,
        "failures": failures,
        "watchdog": [[at - started, late, cpu] for at, late, cpu in watchdog.samples],
        "collections": [[at - started, seconds, gen] for at, seconds, gen in collections.pauses],
        "all_polled_once": max(first_polls.values(), default=finished) - started,
        "runnable_max": 0,
    }


async def wait_with_aioz_triggers(
    prepared: list[tuple[str, float]], interval: float, limit: float
) -> dict[str, Any]:
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, MediaPage
    from airflow_provider_audio.triggers import aiozstream_shared
    from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger

    # Listing pages by the statuses they asked for (unfinished or finished media): a wrapper around
    # the hook's listing records it without changing what it does.
    pages: dict[str, int] = {}
    list_media = AiozStreamHook.alist_media

    async def recorded_list(self: AiozStreamHook, filters: Any = None) -> MediaPage:
        statuses = dict(filters or {}).get("status") or []
        kind = "finished" if "done" in statuses else "unfinished"
        pages[kind] = pages.get(kind, 0) + 1
        return await list_media(self, filters)

    AiozStreamHook.alist_media = recorded_list  # type: ignore[method-assign]
    events: dict[str, tuple[float, str]] = {}
    cpu_before = cpu_seconds()
    started = time.monotonic()
    deadline = time.time() + limit

    def make(media_id: str) -> AiozStreamTranscodeTrigger:
        return AiozStreamTranscodeTrigger(
            conn_id=AIOZ_CONN_ID, media_id=media_id, poll_interval=interval, deadline=deadline
        )

    pending, failures = await run_triggers([media_id for media_id, _ in prepared], make, events, limit)
    finished = time.monotonic()
    cpu = cpu_seconds() - cpu_before
    return {
        "started": started,
        "finished": finished,
        "cpu": cpu,
        "events": {media_id: list(value) for media_id, value in events.items()},
        "pending": pending,
        "failures": failures,
        "pages": pages,
        "pollers_left": len(aiozstream_shared._POLLERS),
    }


def wait_with_threads(
    submitted: list[tuple[str, float]], url: str, key: str, interval: float, limit: float
) -> dict[str, Any]:
    import requests

    events: dict[str, tuple[float, str]] = {}
    lock = threading.Lock()
    rss_before = status_kib("VmRSS")
    peak_reset = _reset_peak()
    cpu_before = cpu_seconds()
    started = time.monotonic()
    stop_at = started + limit

    def wait(audioform_id: str) -> None:
        # audiostack.Audioform.get(audioform_id, wait=True) of the official SDK, at `interval`.
        headers = {"x-api-key": key, "version": "2"}
        while time.monotonic() < stop_at:
            response = requests.get(f"{url}/audioforms/{audioform_id}", headers=headers, timeout=60)
            if response.status_code != 202:
                body = response.json()
                status = "success" if response.status_code == 200 and not body["data"]["errors"] else "error"
                with lock:
                    events[audioform_id] = (time.monotonic(), status)
                return
            print("Audioform build in progress, please wait...", flush=False)
            time.sleep(interval)

    # How many of this process's threads the kernel finds runnable ("R"), once a second; the
    # sampler's own CPU time is taken out of the figure.
    runnable: list[int] = []
    sampler_cpu = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            count = 0
            for task in os.listdir("/proc/self/task"):
                try:
                    with open(f"/proc/self/task/{task}/stat") as stat:
                        count += stat.read().rsplit(")", 1)[1].split()[0] == "R"
                except OSError:
                    continue
            runnable.append(count)
        sampler_cpu[0] = time.thread_time()

    sampler = threading.Thread(target=sample, name="runnable-sampler")
    sampler.start()
    with ThreadPoolExecutor(max_workers=len(submitted)) as pool:
        futures = [pool.submit(wait, audioform_id) for audioform_id, _ in submitted]
        failures = [str(error) for future in futures if (error := future.exception(timeout=limit + 60))]
    finished = time.monotonic()
    cpu = cpu_seconds() - cpu_before
    done.set()
    sampler.join(timeout=30)
    return {
        "started": started,
        "finished": finished,
        "cpu": cpu - sampler_cpu[0],
        "runnable_max": max(runnable, default=0),
        "runnable_samples": runnable,
        "rss_before_kib": rss_before,
        "peak_kib": status_kib("VmHWM"),
        "peak_reset": peak_reset,
        "events": {audioform_id: list(value) for audioform_id, value in events.items()},
        "pending": len(submitted) - len(events),
        "failures": failures[:5],
        "watchdog": [],
        "collections": [],
        "all_polled_once": 0.0,
    }


async def measure_costs(url: str, audioform_id: str, samples: int) -> dict[str, Any]:
    """CPU ms and RSS KiB of each piece a trigger pays, each measured ``samples`` times in a row."""
    import httpx

    from airflow_provider_audio.client.service import RetryPolicy
    from airflow_provider_audio.hooks.audiostack import AudioStackHook

    results: dict[str, Any] = {}

    # Everything made stays alive until the end, so freed memory is not reused by the next piece.
    kept: list[Any] = []

    async def piece(name: str, make: Any) -> None:
        kept.append(await make())  # a first one pays one-time costs (imports, caches)
        rss = status_kib("VmRSS")
        cpu = cpu_seconds()
        for _ in range(samples):
            kept.append(await make())
        results[name] = {
            "cpu_ms": (cpu_seconds() - cpu) / samples * 1000,
            "rss_kib": (status_kib("VmRSS") - rss) / samples,
        }

    hook = AudioStackHook(CONN_ID, retry_policy=RetryPolicy.no_retries())

    async def read_connection() -> Any:
        return await hook.aget_connection(CONN_ID)

    async def new_client() -> Any:
        fresh = AudioStackHook(CONN_ID, retry_policy=RetryPolicy.no_retries())
        await fresh.aget_client()
        return fresh

    async def bare_httpx() -> Any:
        return httpx.AsyncClient()

    import ssl

    shared = ssl.create_default_context()

    async def httpx_shared_ssl() -> Any:
        return httpx.AsyncClient(verify=shared)

    async def client_settings() -> Any:
        return await hook.asettings()

    await piece("aget_connection", read_connection)
    await piece("hook.aget_client (AsyncApiClient)", new_client)
    await piece("httpx.AsyncClient()", bare_httpx)
    await piece("httpx.AsyncClient(verify=shared SSLContext)", httpx_shared_ssl)
    await piece("asettings (same hook again)", client_settings)
    await hook.aget_client()

    async def poll() -> Any:
        return await hook.aget_build("audioform", audioform_id)

    await poll()  # the connection to the sandbox is open from here on
    await piece("aget_build (one poll, client reused)", poll)
    # What a trigger pays when it ends: its hook closes (and frees) its client.
    hooks = [item for item in kept if isinstance(item, AudioStackHook)]
    cpu = cpu_seconds()
    for item in hooks:
        await item.aclose()
    results["hook.aclose (a trigger ending)"] = {
        "cpu_ms": (cpu_seconds() - cpu) / max(len(hooks), 1) * 1000,
        "rss_kib": float("nan"),
    }
    for item in kept:
        if isinstance(item, httpx.AsyncClient):
            await item.aclose()
    await hook.aclose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["triggers", "threads", "costs", "aioz"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--build", type=float, default=60.0)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--public-key", default="", help="aioz: the AIOZ Stream public key of --key")
    parser.add_argument("--admin", default="", help="aioz: the sandbox's admin URL (.../_sandbox)")
    parser.add_argument(
        "--batches", type=int, default=10, help="aioz: batches of media due an interval apart"
    )
    args = parser.parse_args()
    if args.mode == "aioz":
        return main_aioz(args)
    os.environ["AIRFLOW_CONN_AUDIOSTACK_DEFAULT"] = json.dumps(
        {"conn_type": "audiostack", "host": args.url, "password": args.key}
    )
    # Both modes import the same modules, so neither is charged for the other's imports; the
    # triggerer's runner module too, so the process holds what a triggerer's runner process holds
    # (its objects are what the interpreter's full garbage collections walk).
    import airflow.jobs.triggerer_job_runner
    import airflow.sdk  # noqa: F401
    import httpx  # noqa: F401
    import requests  # noqa: F401

    import airflow_provider_audio.triggers.audiostack  # noqa: F401

    # Time the waits may take at most: the build, a few intervals, and slack for a loaded machine.
    limit = args.build + 6 * args.interval + 120
    if args.mode == "costs":
        submitted = submit(args.url, args.key, 1)
        # Before anything else, in this fresh process with the same imports as the waiting ones.
        seconds, objects = full_collection_seconds()
        report: dict[str, Any] = {
            "full_collection": {"seconds": seconds, "objects": objects},
            "costs": asyncio.run(measure_costs(args.url, submitted[0][0], 200)),
        }
    else:
        submit_started = time.monotonic()
        submitted = submit(args.url, args.key, args.count)
        submit_seconds = time.monotonic() - submit_started
        if args.mode == "triggers":
            report = asyncio.run(wait_with_triggers(submitted, args.interval, limit))
        else:
            report = wait_with_threads(submitted, args.url, args.key, args.interval, limit)
        report["submitted"] = {audioform_id: sent for audioform_id, sent in submitted}
        report["submit_seconds"] = submit_seconds
    sys.stdout.flush()
    args.report.write_text(json.dumps(report))
    return 0


def main_aioz(args: argparse.Namespace) -> int:
    """The ``aioz`` mode: prepare the media, then wait on them with one trigger each."""
    import base64

    os.environ["AIRFLOW_CONN_AIOZSTREAM_DEFAULT"] = json.dumps(
        {
            "conn_type": "aiozstream",
            "host": args.url,
            "password": args.key,
            "extra": {"public_key": args.public_key},
        }
    )
    import airflow.jobs.triggerer_job_runner
    import airflow.sdk  # noqa: F401

    import airflow_provider_audio.triggers.aiozstream  # noqa: F401

    basic = base64.b64encode(f"{args.public_key}:{args.key}".encode()).decode()
    setup_started = time.monotonic()
    prepared = prepare_media(
        args.url, {"Authorization": f"Basic {basic}"}, args.admin, args.count, args.batches, args.interval
    )
    setup_seconds = time.monotonic() - setup_started
    routes = [AIOZ_LIST_ROUTE, AIOZ_GET_ROUTE]
    before = route_counts(args.admin, routes)
    last_due = max(due for _, due in prepared)
    limit = last_due - time.monotonic() + 6 * args.interval + 120
    report = asyncio.run(wait_with_aioz_triggers(prepared, args.interval, limit))
    after = route_counts(args.admin, routes)
    report["requests"] = {route: after[route] - before[route] for route in routes}
    report["due"] = {media_id: due for media_id, due in prepared}
    report["setup_seconds"] = setup_seconds
    sys.stdout.flush()
    args.report.write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
