"""
The AIOZ Stream media the sandbox holds, their assembled files, and their lifecycle.

Media live in memory; their uploaded bytes live in one file per media in the data directory
(``--data-dir``, or a temporary directory removed when the server stops). A media goes
``new`` -> (upload completes) ``transcoding`` -> (``transcode_seconds`` later, on the first read)
``done`` or ``fail``; ``deleted`` at any time. Transcoding ends when it was due, whenever it is
first read: its ``updated_at`` is that moment, as the vendor's object changed then.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio_sandbox.aiozstream.bodies import CreateMedia
from audio_sandbox.aiozstream.media import Media, UploadPart
from audio_sandbox.aiozstream.transcode import AudioProbe, NotAudio, probe
from audio_sandbox.core.datadir import DataDirectory

if TYPE_CHECKING:
    from _hashlib import HASH

#: Counters reported under ``"aioz"`` by ``GET /_sandbox/stats``.
COUNTERS: tuple[str, ...] = ("created", "parts_received", "completed", "done", "failed", "deleted")
_TEMP_PREFIX = "audio-sandbox-aioz-"


class AiozStore:
    """
    Every AIOZ media of one sandbox, safe to use from the event loop and worker threads.

    :param data_dir: directory for the assembled files; ``None`` for a temporary one, created on
        first use and removed by :meth:`close`.
    :param clock: monotonic clock (seconds) deciding when transcoding ends.
    """

    def __init__(self, data_dir: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._directory = DataDirectory(Path(data_dir) if data_dir else None, _TEMP_PREFIX)
        self._clock = clock
        self._lock = threading.RLock()
        self._media: dict[str, Media] = {}
        self._sequence = itertools.count(1)
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._listings: dict[str, int] = {}
        self._last_stamp = datetime.datetime.fromtimestamp(0, datetime.UTC)

    # -- clocks -----------------------------------------------------------------------------

    def now(self) -> float:
        return self._clock()

    def _timestamp(self) -> datetime.datetime:
        """Wall-clock UTC now, strictly after every earlier stamp (so ``updated_at`` always moves)."""
        with self._lock:
            stamp = datetime.datetime.now(datetime.UTC)
            if stamp <= self._last_stamp:
                stamp = self._last_stamp + datetime.timedelta(microseconds=1)
            self._last_stamp = stamp
            return stamp

    def _due_stamp(self, media: Media, due: float) -> datetime.datetime:
        """Wall-clock UTC at the monotonic moment ``due`` (past), after every earlier stamp of ``media``."""
        stamp = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=max(0.0, self.now() - due))
        return max(stamp, media.updated_at + datetime.timedelta(microseconds=1))

    # -- lookups ----------------------------------------------------------------------------

    def get(self, media_id: str) -> Media | None:
        """A media by id, deleted ones included."""
        with self._lock:
            return self._media.get(media_id)

    def live(self, media_id: str) -> Media | None:
        """A media by id unless it is unknown or deleted."""
        media = self.get(media_id)
        return None if media is None or media.status == "deleted" else media

    def all(self) -> list[Media]:
        """Every media, deleted ones included, in creation order."""
        with self._lock:
            return list(self._media.values())

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def count_listing(self, shape: str) -> None:
        """Count a ``POST /media`` listing by what it filters on (:meth:`ListQuery.shape`)."""
        with self._lock:
            self._listings[shape] = self._listings.get(shape, 0) + 1

    def listings(self) -> dict[str, int]:
        """Listings made, by what they filtered on."""
        with self._lock:
            return dict(sorted(self._listings.items()))

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    # -- lifecycle --------------------------------------------------------------------------

    def create(self, request: CreateMedia, user_id: str) -> Media:
        """Store a new media (status ``new``) with an empty file for its parts."""
        media_id = str(uuid.uuid4())
        path = self._directory.path() / f"{media_id}.source"
        path.touch()
        stamp = self._timestamp()
        media = Media(
            id=media_id,
            user_id=user_id,
            sequence=next(self._sequence),
            title=request.title,
            description=request.description,
            is_public=request.is_public,
            metadata=request.metadata,
            tags=request.tags,
            qualities=request.qualities,
            created_at=stamp,
            updated_at=stamp,
            path=path,
        )
        with self._lock:
            self._media[media_id] = media
            self._counts["created"] += 1
        return media

    def update(self, media: Media, changes: dict[str, Any]) -> None:
        """Apply validated ``PATCH`` changes; ``updated_at`` moves even when nothing else does."""
        with self._lock:
            for name, value in changes.items():
                setattr(media, name, value)
            media.updated_at = self._timestamp()

    def delete(self, media: Media) -> None:
        """Mark ``media`` deleted and drop its file (its bookkeeping stays for the admin view)."""
        with self._lock:
            media.status = "deleted"
            media.updated_at = self._timestamp()
            self._counts["deleted"] += 1
        media.path.unlink(missing_ok=True)

    def commit_part(self, media: Media, part: UploadPart, total: int, assembled: HASH) -> None:
        """Record a part whose bytes were appended to the media's file."""
        with self._lock:
            media.parts.append(part)
            media.received = part.end + 1
            media.total = total
            media.assembled_md5 = assembled
            self._counts["parts_received"] += 1

    def complete(self, media: Media, transcode_seconds: float) -> None:
        """The upload is whole: transcoding until ``transcode_seconds`` from now."""
        with self._lock:
            media.status = media.quality_status = "transcoding"
            media.size = media.received
            media.transcode_ready_at = self.now() + transcode_seconds
            media.updated_at = self._timestamp()
            self._counts["completed"] += 1

    async def settle(self, media: Media) -> Media:
        """
        Finish transcoding ``media`` if its time has come: probe the file (in a worker thread),
        then ``done`` with its duration, or ``fail`` when it holds no recognisable audio. Returns it.
        """
        ready_at = media.transcode_ready_at
        if media.status != "transcoding" or ready_at is None or self.now() < ready_at:
            return media
        async with media.lock:
            if media.status != "transcoding":
                return media
            found: AudioProbe | None
            try:
                found = await asyncio.to_thread(probe, media.path)
            except (NotAudio, OSError):
                found = None
            with self._lock:
                if media.status != "transcoding":  # deleted meanwhile
                    return media
                media.probe = found
                media.status = media.quality_status = "done" if found is not None else "fail"
                if found is not None:
                    media.duration = found.duration
                media.updated_at = self._due_stamp(media, ready_at)
                self._counts["done" if found is not None else "failed"] += 1
        return media

    # -- reset ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every media and remove their files; zero the counters."""
        with self._lock:
            media, self._media = list(self._media.values()), {}
            self._counts = dict.fromkeys(COUNTERS, 0)
            self._listings = {}
        for item in media:
            item.path.unlink(missing_ok=True)

    def close(self) -> None:
        """:meth:`reset`, and remove the temporary data directory if the store made one."""
        self.reset()
        self._directory.remove_temporary()
