"""
What the fault tests share: driving the sandbox, running example DAGs, and the invariants every
test asserts (nothing submitted twice, no partial or corrupt file, uploaded bytes hash to the source).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import logging
import re
import struct
import sys
import time
import wave
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.conftest import SANDBOX_AIOZ_HEADERS, sandbox_connection

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

#: Sandbox timers short enough that a whole pipeline runs in seconds (restored after each test).
QUICK_TIMERS: dict[str, float] = {
    "build_seconds": 0.3,
    "transcode_seconds": 0.3,
    "training_seconds": 0.3,
    "generation_seconds": 0.3,
    "file_processing_seconds": 0.2,
    "story_seconds": 0.3,
}

# Request counter keys (``METHOD /route/{template}``) of the sandbox's /_sandbox/stats.
SUBMIT_AUDIOFORM = "POST /audiostack/audioforms"
POLL_AUDIOFORM = "GET /audiostack/audioforms/{audioform_id}"
DELIVERY = "GET /audiostack/delivery/{filename}"
CREATE_MEDIA = "POST /aiozstream/api/media/create"
LIST_MEDIA = "POST /aiozstream/api/media"
GET_MEDIA = "GET /aiozstream/api/media/{media_id}"
UPLOAD_PART = "POST /aiozstream/api/media/{media_id}/part"
COMPLETE = "GET /aiozstream/api/media/{media_id}/complete"

# fnmatch patterns of scripted faults (over ``METHOD /actual/path``).
MATCH_SUBMIT_AUDIOFORM = "POST /audiostack/audioforms"
MATCH_POLL_AUDIOFORM = "GET /audiostack/audioforms/*"
MATCH_DELIVERY = "GET /audiostack/delivery/*"
MATCH_CREATE_MEDIA = "POST /aiozstream/api/media/create"
MATCH_LIST_MEDIA = "POST /aiozstream/api/media"
MATCH_GET_MEDIA = "GET /aiozstream/api/media/????????-????-????-????-????????????"  # not .../complete
MATCH_UPLOAD_PART = "POST /aiozstream/api/media/*/part"
MATCH_COMPLETE = "GET /aiozstream/api/media/*/complete"
MATCH_PATCH_MEDIA = "PATCH /aiozstream/api/media/*"

#: The client read timeout of "slower than the client" tests, and how late the slow answers come.
READ_TIMEOUT = 1.0
SLOW_DELAY = 2.5

#: Waits asked for on injected 429s: long enough to tell apart from the client's own first backoff
#: (0.5 s plus at most 25 % jitter), short enough to keep the suite quick.
ASKED_WAIT = 2


class FaultSandbox:
    """
    The session sandbox seen through its admin routes, plus the test's connections.

    :param server: the running sandbox.
    :param monkeypatch: to change connection env vars for one test.
    :param tmp_path: the test's folder (storage and outputs live under it).
    """

    def __init__(
        self,
        server: SandboxServer,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        self.server = server
        self.monkeypatch = monkeypatch
        self.tmp_path = tmp_path
        self.admin = server.base_url + "/_sandbox"
        self.touched: set[str] = set()

    # -- admin routes ----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        response = requests.get(self.admin + "/stats", timeout=5)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def count(self, route_key: str) -> int:
        """Requests the sandbox received on one route (faulted ones included)."""
        return int(self.stats()["requests"].get(route_key, 0))

    def fault(self, match: str, kind: str, count: int = 1, **options: Any) -> None:
        """Script ``count`` faults of ``kind`` on requests matching ``match``."""
        body = {"match": match, "kind": kind, "count": count, **options}
        response = requests.post(self.admin + "/faults", json=body, timeout=5)
        assert response.status_code == 201, response.text

    def pending_faults(self) -> list[dict[str, Any]]:
        response = requests.get(self.admin + "/faults", timeout=5)
        response.raise_for_status()
        pending: list[dict[str, Any]] = response.json()["faults"]
        return pending

    def clear_faults(self) -> None:
        requests.delete(self.admin + "/faults", timeout=5).raise_for_status()

    def settings(self) -> dict[str, Any]:
        response = requests.get(self.admin + "/settings", timeout=5)
        response.raise_for_status()
        settings: dict[str, Any] = response.json()
        return settings

    def patch(self, **knobs: Any) -> None:
        """Change knobs; the ``faults`` fixture puts back every knob changed here."""
        self.touched.update(knobs)
        response = requests.patch(self.admin + "/settings", json=knobs, timeout=5)
        assert response.status_code == 200, response.text

    def media(self, media_id: str) -> dict[str, Any]:
        """An AIOZ media as the sandbox stored it: status, size, MD5 of the bytes, parts."""
        response = requests.get(f"{self.admin}/aioz/media/{media_id}", timeout=5)
        response.raise_for_status()
        media: dict[str, Any] = response.json()
        return media

    def aioz_media_ids(self) -> list[str]:
        """Every media AIOZ lists (any status)."""
        response = requests.post(
            self.server.service_url("aiozstream") + "/media",
            json={"status": ["new", "transcoding", "done", "fail"], "limit": 100},
            headers=SANDBOX_AIOZ_HEADERS,
            timeout=5,
        )
        response.raise_for_status()
        return [str(item["id"]) for item in response.json()["data"]["media"]]

    def stats_after_slow_requests(self, run_ended: float) -> dict[str, Any]:
        """
        The stats once every ``slow`` request has been acted on: a slow request arrived before the
        run ended (its client gave up on it), so ``SLOW_DELAY`` after the end it has done its work.
        """
        time.sleep(max(0.0, run_ended + SLOW_DELAY + 0.3 - time.monotonic()))
        return self.stats()

    def run_operator(self, operator: str, kwargs: dict[str, Any], errors: TaskErrors) -> Any:
        """One operator (``package.module.Class``) as the one task ``run`` of a DAG, under ``dag.test()``."""
        self.monkeypatch.setenv("AUDIO_TEST_OPERATOR", operator)
        self.monkeypatch.setenv("AUDIO_TEST_OPERATOR_KWARGS", json.dumps(kwargs))
        sys.modules.pop("tests.system.dags.operator_under_test", None)
        dag = importlib.import_module("tests.system.dags.operator_under_test").dag
        return errors.watch(dag).test()

    # -- connections ------------------------------------------------------------------------

    def limit_client(self, service: str, **extra: float) -> None:
        """Give one service's default connection client limits (``read_timeout``, ``max_attempts``...)."""
        self.monkeypatch.setenv(
            f"AIRFLOW_CONN_{service.upper()}_DEFAULT",
            json.dumps(sandbox_connection(service, self.server.service_url(service), **extra)),
        )


def fetch(url: str) -> bytes:
    """A public file (delivery, preview, generation) as the sandbox serves it, with no fault possible
    beyond what a test scripted (call it after the run, once faults are used up)."""
    response = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    response.raise_for_status()
    return response.content


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class RetryLog(logging.Handler):
    """Warnings of the provider's loggers, e.g. ``Attempt N failed (...); retrying in S s``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def waits_after(self, fragment: str) -> list[float]:
        """Seconds waited after each failure whose message contains ``fragment``."""
        found = (re.search(r"retrying in ([0-9.]+) s$", m) for m in self.messages if fragment in m)
        return [float(match.group(1)) for match in found if match]


# -- running DAGs -------------------------------------------------------------------------------


def _callbacks(given: Any) -> list[Any]:
    """A task's callbacks as a list (Airflow takes one callable, a list, or None)."""
    if given is None:
        return []
    return list(given) if isinstance(given, list | tuple) else [given]


class TaskErrors:
    """
    The exceptions tasks failed with (each try, retried or final), as ``"Type: message"`` lines.

    Collected through the tasks' failure and retry callbacks, which ``dag.test()`` runs in this
    process: unlike the printed log, they cannot be lost to a closed output stream.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, context: Any) -> None:
        error = context.get("exception")
        ti = context["ti"]
        self.lines.append(
            f"{ti.task_id}[{ti.map_index}] try {ti.try_number}: {type(error).__name__}: {error}"
        )

    def watch(self, dag: Any) -> Any:
        """Record every task's failures and retries, beside the DAG's own callbacks; return ``dag``."""
        for task in dag.tasks:
            task.on_failure_callback = [*_callbacks(task.on_failure_callback), self]
            task.on_retry_callback = [*_callbacks(task.on_retry_callback), self]
        return dag

    def named(self, *fragments: str) -> str:
        """The error naming every fragment (a task failed with it); fails the test if none does."""
        for line in self.lines:
            if all(fragment in line for fragment in fragments):
                return line
        raise AssertionError(f"no task error names {fragments}; errors seen: {self.lines}")


def load_dag(
    module: str, retries: int = 0, errors: TaskErrors | None = None, on_lost_submit: str | None = None
) -> Any:
    """
    A fresh import of an example DAG.

    :param retries: every task's retries, each immediate, whatever the DAG's ``default_args`` say
        (0: a fault the test injects fails its task at once).
    :param errors: collects the tasks' errors.
    :param on_lost_submit: the job operators' policy for a submit whose answer was lost.
    """
    sys.modules.pop(f"dags_examples.{module}", None)
    dag = importlib.import_module(f"dags_examples.{module}").dag
    for task in dag.tasks:
        task.retries = retries
        task.retry_delay = timedelta(0)
        if on_lost_submit is not None and hasattr(task, "on_lost_submit"):
            task.on_lost_submit = on_lost_submit
    return errors.watch(dag) if errors is not None else dag


def task_states(run: Any) -> dict[str, list[str]]:
    """Every task's state(s) in a finished run (one per map index), by task id."""
    states: dict[str, list[str]] = {}
    for ti in sorted(run.get_task_instances(), key=lambda ti: (ti.task_id, ti.map_index)):
        states.setdefault(ti.task_id, []).append(str(ti.state))
    return states


def try_numbers(run: Any, task_id: str) -> list[int]:
    return [
        int(ti.try_number)
        for ti in sorted(run.get_task_instances(), key=lambda ti: ti.map_index)
        if ti.task_id == task_id
    ]


def xcoms_of(run: Any, task_id: str, key: str = "return_value") -> list[Any]:
    """A task's XComs in a finished ``dag.test()`` run, one per map index, in map-index order."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = XComModel.get_many(run_id=run.run_id, key=key, dag_ids=run.dag_id, task_ids=task_id)
        rows: list[Any] = sorted(session.scalars(query).all(), key=lambda row: row.map_index)
        return [XComModel.deserialize_value(row) for row in rows]


# -- invariants ---------------------------------------------------------------------------------


def assert_wav_bytes(data: bytes, name: str = "wav") -> None:
    """A whole, parseable WAV: RIFF size matches, every chunk (the data chunk above all) is complete."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", f"{name}: not a RIFF/WAVE file"
    (riff_size,) = struct.unpack("<I", data[4:8])
    assert riff_size + 8 == len(data), f"{name}: RIFF says {riff_size + 8} bytes, the file has {len(data)}"
    offset, data_bytes = 12, None
    while offset + 8 <= len(data):
        chunk_id, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        assert offset + 8 + size <= len(data), f"{name}: chunk {chunk_id!r} is cut short"
        if chunk_id == b"data":
            data_bytes = size
        offset += 8 + size + (size & 1)
    assert data_bytes, f"{name}: no audio data"
    with wave.open(io.BytesIO(data), "rb") as audio:
        frames = audio.getnframes()
        frame_bytes = audio.getnchannels() * audio.getsampwidth()
        assert frames > 0 and audio.getframerate() > 0
        assert len(audio.readframes(frames)) == frames * frame_bytes == data_bytes, f"{name}: short data"


_MP3_BITRATES = {
    1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],  # MPEG-1 layer III
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],  # MPEG-2/2.5 layer III
}
_MP3_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def assert_mp3_bytes(data: bytes, name: str = "mp3") -> None:
    """Whole MPEG layer III: frames follow each other by frame sync to the very last byte."""
    offset = 0
    if data[:3] == b"ID3":
        size = data[6:10]
        offset = 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
    end = len(data) - 128 if data[-128:-125] == b"TAG" else len(data)
    frames = 0
    while offset < end:
        assert offset + 4 <= end, f"{name}: {end - offset} stray bytes after frame {frames}"
        header = int.from_bytes(data[offset : offset + 4], "big")
        assert header >> 21 == 0x7FF, f"{name}: no frame sync at byte {offset} (frame {frames})"
        version, layer = (header >> 19) & 3, (header >> 17) & 3
        bitrate_index, rate_index, padding = (header >> 12) & 15, (header >> 10) & 3, (header >> 9) & 1
        assert version != 1 and layer == 1 and 0 < bitrate_index < 15 and rate_index < 3, (
            f"{name}: bad frame header at byte {offset}"
        )
        bitrate = _MP3_BITRATES[1 if version == 3 else 2][bitrate_index] * 1000
        rate = _MP3_RATES[version][rate_index]
        length = (144 if version == 3 else 72) * bitrate // rate + padding
        assert offset + length <= end, (
            f"{name}: the last frame is cut short ({end - offset} of {length} bytes)"
        )
        offset += length
        frames += 1
    assert frames > 0, f"{name}: no MPEG frames"


def assert_audio_file(path: Path) -> None:
    data = path.read_bytes()
    if path.suffix == ".wav":
        assert_wav_bytes(data, str(path))
    elif path.suffix == ".mp3":
        assert_mp3_bytes(data, str(path))
    else:
        raise AssertionError(f"unexpected file {path}")


def assert_no_partial_files(*roots: Path) -> list[Path]:
    """No temporary or hidden file anywhere under ``roots``, every file whole audio; return the files."""
    files = sorted(path for root in roots if root.exists() for path in root.rglob("*") if path.is_file())
    leftovers = [path for path in files if path.name.startswith(".") or path.suffix == ".part"]
    assert not leftovers, f"partial files left behind: {leftovers}"
    for path in files:
        assert_audio_file(path)
    return files


def assert_created(stats: dict[str, Any], **expected: int) -> None:
    """Job counters, e.g. ``audioforms=1, aioz=1``: each service created exactly that many jobs."""
    counters = {
        "audioforms": stats["audioforms"]["created"],
        "aioz": stats["aioz"]["created"],
        "aioz_completed": stats["aioz"]["completed"],
        "voices": stats["audiopod"]["voices_created"],
        "previews": stats["audiopod"]["previews"],
        "generations": stats["aimlapi"]["generations"],
        **{f"audiostack_{name}": count for name, count in stats["audiostack_jobs"].items()},
    }
    seen = {name: counters[name] for name in expected}
    assert seen == expected, f"jobs created {seen}, expected {expected}"


def assert_published_as_delivered(sandbox: FaultSandbox, run: Any, articles: int) -> list[dict[str, Any]]:
    """
    Every article's AIOZ media holds exactly the bytes AudioStack delivered for it: same MD5, same
    size, parts 1..n once each, transcoded; and the delivered file itself is a whole WAV.
    """
    builds = xcoms_of(run, "publish.article.build_audio")
    streamed = xcoms_of(run, "publish.article.stream_audio")
    assert len(builds) == len(streamed) == articles, (builds, streamed)
    media = []
    for build, published in zip(builds, streamed, strict=True):
        delivered = fetch(build["uri"])
        assert_wav_bytes(delivered, build["uri"])
        stored = sandbox.media(published["media_id"])
        assert stored["status"] == "done", stored
        assert stored["md5"] == md5(delivered), (
            f"media {published['media_id']} differs from the delivery: {stored['size']} bytes stored, {len(delivered)} delivered, {stored['status']}"
        )
        assert stored["size"] == stored["received_bytes"] == len(delivered)
        assert [part["index"] for part in stored["parts"]] == list(range(1, len(stored["parts"]) + 1))
        media.append(stored)
    assert sorted(sandbox.aioz_media_ids()) == sorted(p["media_id"] for p in streamed)
    return media
