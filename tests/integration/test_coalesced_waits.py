"""
Coalesced waiting over real HTTP: many AIOZ transcode triggers run in one event loop (as in one
triggerer) against the sandbox share one listing per interval, take the media that finished from
one listing of the finished media instead of reading each alone, and each fires its own event within
two intervals of its media finishing; a wait cancelled on the way leaves the others firing.
"""

from __future__ import annotations

import asyncio
import math
import struct
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.triggers import aiozstream_shared
from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger
from airflow_provider_audio.upload.parts import MIN_PART_SIZE
from airflow_provider_audio.upload.sources import FileSource
from tests.integration.conftest import SandboxAdmin

LIST_ROUTE = "POST /aiozstream/api/media"
GET_ROUTE = "GET /aiozstream/api/media/{media_id}"
INTERVAL = 0.5
TRANSCODE_SECONDS = 1.5


@pytest.fixture
def short_transcoding(admin: SandboxAdmin) -> Iterator[None]:
    before = requests.get(admin.url + "/settings", timeout=5).json()["transcode_seconds"]
    requests.patch(admin.url + "/settings", json={"transcode_seconds": TRANSCODE_SECONDS}, timeout=5)
    yield
    requests.patch(admin.url + "/settings", json={"transcode_seconds": before}, timeout=5)


def tiny_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(struct.pack("<800h", *([1000, -1000] * 400)))
    return path


def transcoding_media(conn_id: str, count: int, source: Path) -> dict[str, float]:
    """``count`` media uploaded, then completed one after the other: when each is due to be done
    (``TRANSCODE_SECONDS`` after the answer to its completion), by id."""
    hook = AiozStreamHook(conn_id)
    ids = []
    for index in range(count):
        media = hook.create_media({"title": f"wait {index}"})
        hook.upload_parts(media.id, FileSource(source), MIN_PART_SIZE)
        ids.append(media.id)
    due = {}
    for media_id in ids:
        hook.complete_upload(media_id)
        due[media_id] = time.time() + TRANSCODE_SECONDS
    return due


@dataclass
class WaitFigures:
    """What ``count`` concurrent waits cost."""

    waits: int
    intervals: float
    listings: int
    reads: int
    events: dict[str, dict[str, Any]]
    fired_at: dict[str, float]
    cancelled: list[str]

    @property
    def listings_per_interval(self) -> float:
        return self.listings / self.intervals

    @property
    def requests_per_wait_per_interval(self) -> float:
        """Every request of the waits (listings and reads alone), per wait and interval."""
        return (self.listings + self.reads) / (self.waits * self.intervals)


async def _fire(trigger: AiozStreamTranscodeTrigger, fired_at: dict[str, float]) -> dict[str, Any]:
    async for event in trigger.run():
        fired_at[trigger.media_id] = time.time()
        payload: dict[str, Any] = event.payload
        return payload
    raise AssertionError(f"no event for {trigger.media_id}")


async def run_waits(
    conn_id: str, media_ids: list[str], cancel: set[str]
) -> tuple[dict[str, dict[str, Any]], float, dict[str, float]]:
    """Every media's trigger run concurrently; those in ``cancel`` are cancelled after one interval."""
    fired_at: dict[str, float] = {}
    tasks = {
        media_id: asyncio.create_task(
            _fire(
                AiozStreamTranscodeTrigger(
                    conn_id=conn_id, media_id=media_id, poll_interval=INTERVAL, deadline=time.time() + 30
                ),
                fired_at,
            )
        )
        for media_id in media_ids
    }
    started = time.monotonic()
    await asyncio.sleep(INTERVAL)
    for media_id in cancel:
        tasks[media_id].cancel()
    waited = [tasks[media_id] for media_id in media_ids if media_id not in cancel]
    results = await asyncio.wait_for(asyncio.gather(*waited), timeout=30)
    elapsed = time.monotonic() - started
    assert all(tasks[media_id].cancelled() for media_id in cancel)
    return {event["media_id"]: event for event in results}, elapsed, fired_at


def measure(admin: SandboxAdmin, conn_id: str, count: int, source: Path, cancel: int = 0) -> WaitFigures:
    """Run ``count`` waits (``cancel`` of them cancelled after one interval) and count their requests."""
    due = transcoding_media(conn_id, count, source)
    media_ids = list(due)
    before = admin.stats()["requests"]
    events, elapsed, fired_at = asyncio.run(run_waits(conn_id, media_ids, set(media_ids[:cancel])))
    after = admin.stats()["requests"]
    assert not aiozstream_shared._POLLERS, "the poller outlived its waits"
    for media_id, at in fired_at.items():
        # Within two intervals of being due.
        assert at - due[media_id] <= 2 * INTERVAL, (media_id, at - due[media_id])
    return WaitFigures(
        waits=count,
        intervals=elapsed / INTERVAL,
        listings=after.get(LIST_ROUTE, 0) - before.get(LIST_ROUTE, 0),
        reads=after.get(GET_ROUTE, 0) - before.get(GET_ROUTE, 0),
        events=events,
        fired_at=fired_at,
        cancelled=media_ids[:cancel],
    )


@pytest.mark.timeout(120)
def test_fifty_waits_share_their_polls(
    admin: SandboxAdmin, aioz_conn: str, short_transcoding: None, tmp_path: Path
) -> None:
    count = 50
    figures = measure(admin, aioz_conn, count, tiny_wav(tmp_path / "tone.wav"), cancel=1)
    assert len(figures.events) == count - 1
    assert not set(figures.cancelled) & (set(figures.events) | set(figures.fired_at))
    for media_id, event in figures.events.items():
        assert event["status"] == "success", event
        assert event["result"]["media_id"] == media_id
        assert event["result"]["status"] == "done"
    # About one listing of the unfinished media per interval for all waits, and one of the finished
    # media in an interval where some finished, not one read per wait per interval...
    assert figures.listings <= 2 * (math.ceil(figures.intervals) + 1), figures
    # ...and no media read alone while others were waited on: the listing of the finished media
    # showed each one that left. The last wait, once alone, is read alone (one request either way),
    # at most once an interval from the second-to-last event on.
    *_, second_last, last = sorted(figures.fired_at.values())
    assert figures.reads <= math.ceil((last - second_last) / INTERVAL) + 1, figures
    assert figures.requests_per_wait_per_interval < 0.05, figures
