"""
AIML API's generations: submitted, then ``queued`` for the first third of ``generation_seconds``,
``generating`` for the rest, then ``completed`` (the first read renders the audio for real) or
``error`` (a prompt the content filter refuses). Also the balance, the concurrency limit, the
rendered files and the counters.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from audio_sandbox.aimlapi.bodies import GenerationRequest
from audio_sandbox.core.audio import encode_wav, render_music
from audio_sandbox.core.files import WAV_CONTENT_TYPE, FileShelf
from audio_sandbox.core.wallet import Wallet

#: Counters reported under ``"aimlapi"`` by ``GET /_sandbox/stats``.
COUNTERS: tuple[str, ...] = ("generations", "completed", "errors")
CONTENT_POLICY_ERROR: dict[str, str] = {
    "name": "ContentPolicyViolation",
    "message": "the prompt was refused by the content filter",
}


class InsufficientCredits(Exception):
    """
    The balance does not cover a generation.

    :param required: its cost.
    :param available: the balance.
    """

    def __init__(self, required: int, available: int) -> None:
        super().__init__(
            f"Insufficient credits: this generation costs {required} credits and {available} are left"
        )
        self.required = required
        self.available = available


class TooManyGenerations(Exception):
    """
    The concurrency limit is reached.

    :param limit: unfinished generations allowed.
    :param retry_after: whole seconds until the next one finishes.
    """

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            f"Too many concurrent generations: at most {limit} may be unfinished at once; "
            f"retry after {retry_after} s"
        )
        self.limit = limit
        self.retry_after = retry_after


@dataclass
class Generation:
    """
    One generation.

    :param id: ``<uuid>:stable-audio``.
    :param request: what was asked.
    :param queued_until: monotonic time it starts ``generating``.
    :param finish_at: monotonic time it ends.
    :param charged: credits taken at submission (a refused prompt costs nothing).
    :param status: ``queued``/``generating`` until it settles, then ``completed`` or ``error``.
    :param audio_file: the result's ``audio_file`` once completed.
    """

    id: str
    request: GenerationRequest
    queued_until: float
    finish_at: float
    charged: int
    status: str = "queued"
    audio_file: dict[str, Any] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)

    @property
    def settled(self) -> bool:
        return self.status in ("completed", "error")

    def as_dict(self, now: float) -> dict[str, Any]:
        """The API's generation object as of ``now``."""
        status = self.status
        if not self.settled:
            status = "queued" if now < self.queued_until else "generating"
        return {
            "id": self.id,
            "status": status,
            "audio_file": self.audio_file,
            "error": dict(CONTENT_POLICY_ERROR) if status == "error" else None,
            "meta": {"usage": {"credits_used": self.charged}} if status == "completed" else None,
        }


class GenerationStore:
    """
    Every generation of one sandbox.

    :param credits: the starting balance.
    :param clock: monotonic clock (seconds).
    """

    def __init__(self, credits: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.wallet = Wallet(credits)
        #: Rendered audio, served at ``/aimlapi/files/{name}``.
        self.files = FileShelf()
        self._jobs: dict[str, Generation] = {}
        self._counts = dict.fromkeys(COUNTERS, 0)

    def now(self) -> float:
        return self._clock()

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def get(self, generation_id: str) -> Generation | None:
        with self._lock:
            return self._jobs.get(generation_id)

    def submit(self, request: GenerationRequest, seconds: float, concurrency: int) -> Generation:
        """
        Queue a generation taking ``seconds``: charged, unless the filter will refuse it.

        :raises InsufficientCredits: when the balance does not cover it (checked first).
        :raises TooManyGenerations: when ``concurrency`` (> 0) generations are unfinished.
        """
        with self._lock:
            now = self._clock()
            available = self.wallet.balance
            if request.credits > available:
                raise InsufficientCredits(request.credits, available)
            unfinished = [job.finish_at for job in self._jobs.values() if now < job.finish_at]
            if concurrency and len(unfinished) >= concurrency:
                raise TooManyGenerations(concurrency, max(1, math.ceil(min(unfinished) - now)))
            charged = 0 if request.refused else request.credits
            if charged:
                self.wallet.charge(charged)
            job = Generation(
                id=f"{uuid.uuid4()}:{request.model}",
                request=request,
                queued_until=now + seconds / 3.0,
                finish_at=now + seconds,
                charged=charged,
            )
            self._jobs[job.id] = job
            self._counts["generations"] += 1
            return job

    async def settle(self, job: Generation, files_url: str) -> Generation:
        """
        End ``job`` if its time has come: ``error`` for a refused prompt, else render its audio
        (in a worker thread), shelve it and link it from ``audio_file``. Returns it.

        :param files_url: absolute URL the files are served under.
        """
        if job.settled or self._clock() < job.finish_at:
            return job
        async with job.lock:
            if job.settled:
                return job
            if job.request.refused:
                job.status = "error"
                self._count("errors", job)
                return job
            request = job.request
            key = zlib.crc32(request.prompt.encode())
            data = await asyncio.to_thread(lambda: encode_wav(render_music(request.seconds_total, key)))
            name = f"{uuid.uuid4()}.wav"
            self.files.put(name, data, WAV_CONTENT_TYPE)
            job.audio_file = {
                "url": f"{files_url}/{name}",
                "content_type": WAV_CONTENT_TYPE,
                "file_name": name,
                "file_size": len(data),
            }
            job.status = "completed"
            self._count("completed", job)
        return job

    def _count(self, name: str, job: Generation) -> None:
        with self._lock:
            # A generation dropped by a reset while it rendered is no longer counted.
            if self._jobs.get(job.id) is job:
                self._counts[name] += 1

    def reset(self, credits: int) -> None:
        """Forget every generation and file; zero the counters; restore the balance."""
        with self._lock:
            self._jobs.clear()
            self._counts = dict.fromkeys(COUNTERS, 0)
        self.files.clear()
        self.wallet.set(credits)
