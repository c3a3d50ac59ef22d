"""
The sandbox's memory: settings, jobs, credits, AIOZ media, AudioPod voices, AIML API generations,
rate windows, request counters and scripted faults.

One :class:`SandboxState` per app, shared by the event loop and the build pool's threads that
render audioforms, so every read and write goes through a lock.
"""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from starlette.requests import Request

from audio_sandbox.aimlapi.store import GenerationStore
from audio_sandbox.aiozstream.store import AiozStore
from audio_sandbox.audiopod.store import AudioPodStore
from audio_sandbox.audiostack import audioform as audioforms
from audio_sandbox.audiostack.jobs import AudioStackJobs
from audio_sandbox.core.context import request_id_in
from audio_sandbox.core.faults import FaultInjector
from audio_sandbox.core.ratelimit import RateLimiter
from audio_sandbox.core.settings import RUNTIME_KNOBS, Settings, SettingsError, runtime_value
from audio_sandbox.core.spec_judge import SpecJudge

#: Audioforms rendered at the same time.
BUILD_WORKERS = 4
#: Credits an account starts with (and gets back on reset).
STARTING_CREDITS = 100_000.0


@dataclass
class AudioformJob:
    """
    A submitted audioform.

    :param audioform_id: its id.
    :param audioform: the audioform as submitted.
    :param submitted_at: monotonic time of submission.
    :param ready_at: monotonic time from which it may be rendered (submission + ``build_seconds``).
    :param build: the rendering, started by the first poll after ``ready_at``.
    """

    audioform_id: str
    audioform: dict[str, Any]
    submitted_at: float
    ready_at: float
    build: Future[audioforms.BuildOutcome] | None = field(default=None, repr=False)

    @property
    def outcome(self) -> audioforms.BuildOutcome | None:
        """The build's outcome once rendering has finished, else ``None``."""
        if self.build is None or not self.build.done() or self.build.cancelled():
            return None
        return self.build.result()


class SandboxState:
    """
    Everything the sandbox remembers between requests.

    :param settings: the starting knobs.
    :param clock: monotonic clock (seconds); replaceable in tests.
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.RLock()
        self._settings = settings
        self._clock = clock
        self.faults = FaultInjector(settings.seed)
        self._requests: dict[str, int] = {}
        self._refusals: dict[str, int] = {}
        self._audioforms: dict[str, AudioformJob] = {}
        self._audioform_counts = {"created": 0, "built": 0, "failed": 0}
        self._credits = STARTING_CREDITS
        self._builds: ThreadPoolExecutor | None = None
        #: When this sandbox started, ISO 8601 UTC (account creation dates and the like).
        self.started_at_iso = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        #: AudioPod's voices, collections, previews, usage and balance.
        self.audiopod = AudioPodStore(settings.audiopod_credits_cents, clock)
        #: AIML API's generations, files and balance.
        self.aimlapi = GenerationStore(settings.aimlapi_credits, clock)
        #: AIOZ Stream's media and their files.
        self.aioz = AiozStore(settings.data_dir, clock)
        #: The vendors' specs judging AIOZ Stream and AIML API exchanges (``--judge-specs``); its
        #: verdicts are the whole run's, a reset keeps them.
        self.spec_judge = SpecJudge(Path(settings.judge_specs)) if settings.judge_specs else None
        #: AIOZ Stream's rate-limit windows.
        self.rate_limiter = RateLimiter(clock)
        #: AudioStack's batches, briefs, stories, files, scripts, speech, mixes and encodings.
        self.audiostack = AudioStackJobs(settings.data_dir, clock)

    @property
    def settings(self) -> Settings:
        with self._lock:
            return self._settings

    def update_settings(self, changes: Mapping[str, Any]) -> Settings:
        """
        Change run-time knobs. Setting a credits knob sets that service's balance.

        :raises SettingsError: for a knob that cannot change at run time or an invalid value.
        """
        fixed = set(changes) - RUNTIME_KNOBS
        if fixed:
            raise SettingsError(
                f"cannot change {', '.join(sorted(fixed))} at run time; "
                f"changeable: {', '.join(sorted(RUNTIME_KNOBS))}"
            )
        converted = {name: runtime_value(name, value) for name, value in changes.items()}
        with self._lock:
            self._settings = self._settings.replace(**converted)
            if "audiopod_credits_cents" in converted:
                self.audiopod.wallet.set(self._settings.audiopod_credits_cents)
            if "aimlapi_credits" in converted:
                self.aimlapi.wallet.set(self._settings.aimlapi_credits)
            return self._settings

    def now(self) -> float:
        return self._clock()

    # -- request counters -------------------------------------------------------------------

    def count_request(self, key: str) -> None:
        with self._lock:
            self._requests[key] = self._requests.get(key, 0) + 1

    def count_refusal(self, key: str, status: int) -> None:
        """Count an answer of ``status`` >= 400 to a request counted under ``key``."""
        with self._lock:
            name = f"{key} {status}"
            self._refusals[name] = self._refusals.get(name, 0) + 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(sorted(self._requests.items())),
                "refusals": dict(sorted(self._refusals.items())),
                "audioforms": dict(self._audioform_counts),
                "aioz": self.aioz.counts(),
                "aioz_listings": self.aioz.listings(),
                "audiopod": self.audiopod.counts(),
                "aimlapi": self.aimlapi.counts(),
                "audiostack_jobs": self.audiostack.counts(),
                "credits": {
                    "audiostack": self._credits,
                    "audiopod_cents": self.audiopod.wallet.balance,
                    "aimlapi": self.aimlapi.wallet.balance,
                },
            }

    # -- audioforms -------------------------------------------------------------------------

    def submit_audioform(self, audioform: dict[str, Any], credits: float) -> tuple[AudioformJob, float]:
        """Store a new job; return it and the credits left after charging ``credits``."""
        now = self.now()
        with self._lock:
            job = AudioformJob(
                audioform_id=str(uuid.uuid4()),
                audioform=audioform,
                submitted_at=now,
                ready_at=now + self._settings.build_seconds,
            )
            self._audioforms[job.audioform_id] = job
            self._audioform_counts["created"] += 1
            self._credits = round(self._credits - credits, 4)
            return job, self._credits

    def charge_audiostack(self, credits: float) -> float:
        """Take ``credits`` from the AudioStack balance (0 just reads it); return what is left."""
        with self._lock:
            self._credits = round(self._credits - credits, 4)
            return self._credits

    def audioform(self, audioform_id: str) -> AudioformJob | None:
        with self._lock:
            return self._audioforms.get(audioform_id)

    def is_ready(self, job: AudioformJob) -> bool:
        return self.now() >= job.ready_at

    def start_build(self, job: AudioformJob) -> Future[audioforms.BuildOutcome]:
        """Start rendering ``job`` in the build pool (once); return the build's future."""
        with self._lock:
            # A build cancelled by close() (server stopped before it ran) starts again.
            if job.build is None or job.build.cancelled():
                if self._builds is None:
                    self._builds = ThreadPoolExecutor(BUILD_WORKERS, thread_name_prefix="audio-sandbox-build")
                job.build = self._builds.submit(self._build, job)
            return job.build

    def _build(self, job: AudioformJob) -> audioforms.BuildOutcome:
        outcome = audioforms.build(job.audioform, self.settings.words_per_minute)
        with self._lock:
            # A job dropped by a reset while it rendered is no longer counted.
            if self._audioforms.get(job.audioform_id) is job:
                self._audioform_counts["built" if outcome.succeeded else "failed"] += 1
        return outcome

    def close(self) -> None:
        """
        Stop the build pool (builds not yet started are cancelled; a later build starts a new one)
        and drop the AIOZ media with their files (a temporary data directory is removed).
        """
        with self._lock:
            builds, self._builds = self._builds, None
        if builds is not None:
            builds.shutdown(wait=False, cancel_futures=True)
        self.aioz.close()
        self.audiostack.close()

    # -- reset ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget jobs, AIOZ media (and files), custom voices, collections, previews, generations,
        rate windows, counters, credits spent and scripted faults; keep the settings and the
        standard voices."""
        with self._lock:
            self._requests.clear()
            self._refusals.clear()
            self._audioforms.clear()
            self._audioform_counts = {"created": 0, "built": 0, "failed": 0}
            self._credits = STARTING_CREDITS
            settings = self._settings
        self.audiopod.reset(settings.audiopod_credits_cents)
        self.aimlapi.reset(settings.aimlapi_credits)
        self.aioz.reset()
        self.audiostack.reset()
        self.rate_limiter.reset()
        self.faults.clear()


def state_of(request: Request) -> SandboxState:
    """The :class:`SandboxState` of the app serving ``request``."""
    return cast(SandboxState, request.app.state.sandbox)


def request_id_of(request: Request) -> str:
    """The id the request-context middleware gave this request (also in ``x-request-id``)."""
    return request_id_in(request.scope)
