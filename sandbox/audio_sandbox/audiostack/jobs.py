"""
What AudioStack remembers beyond audioforms: batches, briefs, stories, files, scripts, and the
classic pipeline's speech, mixes and encodings, with one render pool for the latter.

Batches, briefs and stories are made of ordinary audioforms (kept by the sandbox's state); this
store keeps what ties them together. Speech, mixes and encodings are :class:`TimedJob` s: each
may render once ``ready_at`` (submission + ``build_seconds``, fixed then) has passed, and renders
the first time it is read after that -- never before, so no file exists ahead of its time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from audio_sandbox.audiostack.library import FileLibrary
from audio_sandbox.audiostack.render import EncodingOutcome, MixOutcome, SpeechOutcome, encode, mix, speak
from audio_sandbox.audiostack.scripts import Script, Section
from audio_sandbox.core.audio import RenderedAudio
from audio_sandbox.core.files import FileShelf

#: Counters reported under ``"audiostack_jobs"`` by ``GET /_sandbox/stats`` (created counts).
COUNTERS: tuple[str, ...] = (
    "batches",
    "briefs",
    "stories",
    "files",
    "scripts",
    "speech",
    "mixes",
    "encodings",
)
#: Classic jobs rendered at the same time.
RENDER_WORKERS = 2
#: How long a read waits for a running render before answering "still building".
RENDER_WAIT_SECONDS = 0.5

T = TypeVar("T")


class Registry(Generic[T]):
    """Records by id, counting how many were ever added (since the last clear); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, T] = {}
        self._created = 0

    def add(self, key: str, item: T) -> T:
        with self._lock:
            self._items[key] = item
            self._created += 1
        return item

    def get(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)

    def remove(self, key: str) -> T | None:
        with self._lock:
            return self._items.pop(key, None)

    def values(self) -> list[T]:
        with self._lock:
            return list(self._items.values())

    @property
    def created(self) -> int:
        with self._lock:
            return self._created

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._created = 0


@dataclass(frozen=True)
class BatchItem:
    """
    One named audioform of a batch.

    :param name: its name in the batch.
    :param audioform_id: the audioform built for it.
    """

    name: str
    audioform_id: str


@dataclass(frozen=True)
class BatchJob:
    """
    A batch of audioforms.

    :param batch_id: its id.
    :param items: its items, in submission order.
    """

    batch_id: str
    items: list[BatchItem]


@dataclass(frozen=True)
class BriefJob:
    """
    A brief and the ads (audioforms) written from it.

    :param brief_id: its id (the sandbox's own; the API does not return it).
    :param audioform_ids: the ads.
    """

    brief_id: str
    audioform_ids: list[str]


@dataclass(frozen=True)
class StoryJob:
    """
    A story: one audioform per chapter, or a reason it fails.

    :param story_id: its id.
    :param ready_at: monotonic time its build ends (submission + ``story_seconds``).
    :param chapter_ids: the chapters' audioforms (empty when it fails).
    :param failure: why it fails, reported once its build time has passed; ``None`` when it does not.
    """

    story_id: str
    ready_at: float
    chapter_ids: list[str]
    failure: str | None


@dataclass(kw_only=True)
class TimedJob(ABC, Generic[T]):
    """
    A job that renders once its time has come.

    :param job_id: its id.
    :param ready_at: monotonic time from which it may render.
    :param render: the rendering, started by the first read after ``ready_at``.
    """

    job_id: str
    ready_at: float
    render: Future[T] | None = field(default=None, repr=False)

    @property
    def outcome(self) -> T | None:
        """The render's outcome once it has finished, else ``None``."""
        if self.render is None or not self.render.done() or self.render.cancelled():
            return None
        return self.render.result()

    @abstractmethod
    def rendered_on(self, shelf: FileShelf) -> T:
        """Render the job (in the render pool), its files put on ``shelf``."""


@dataclass(kw_only=True)
class SpeechJob(TimedJob[SpeechOutcome]):
    """
    Text to speech of a script, as it read when the job was submitted.

    :param script_id: the script.
    :param voice: the voice asked for.
    :param sections: the script's sections.
    :param rate: words per minute (the knob times ``speed``, fixed at submission).
    """

    script_id: str
    voice: str
    sections: list[Section]
    rate: float

    def rendered_on(self, shelf: FileShelf) -> SpeechOutcome:
        return speak(self.job_id, self.voice, self.sections, self.rate, shelf)


@dataclass(kw_only=True)
class MixJob(TimedJob[MixOutcome]):
    """
    A mix of finished speech.

    :param speech_id: the speech mixed.
    :param sections: its sections.
    :param rate: its speech rate.
    :param sound_template: the bed asked for (``None``: speech only).
    :param mastering_preset: the mastering preset asked for (recorded).
    """

    speech_id: str
    sections: list[Section]
    rate: float
    sound_template: str | None
    mastering_preset: str | None

    def rendered_on(self, shelf: FileShelf) -> MixOutcome:
        return mix(self.job_id, self.sections, self.rate, self.sound_template is not None, shelf)


@dataclass(kw_only=True)
class EncodingJob(TimedJob[EncodingOutcome]):
    """
    An encoding of a finished mix.

    :param production_id: the mix encoded.
    :param rendered: the mix's audio.
    :param preset: the encoder preset asked for.
    :param loudness_preset: the loudness preset asked for (recorded, not applied).
    :param public: the ``public`` flag asked for.
    """

    production_id: str
    rendered: RenderedAudio = field(repr=False)
    preset: str
    loudness_preset: str | None
    public: bool

    def rendered_on(self, shelf: FileShelf) -> EncodingOutcome:
        return encode(self.job_id, self.rendered, self.preset, shelf)


class AudioStackJobs:
    """
    AudioStack's batches, briefs, stories, files, scripts and classic jobs for one sandbox.

    :param data_dir: the sandbox's data directory (for the file library's bytes).
    :param clock: monotonic clock (seconds).
    """

    def __init__(self, data_dir: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self.files = FileLibrary(data_dir, clock)
        #: Files the classic pipeline rendered, served by the public ``/_media/{name}`` route.
        self.shelf = FileShelf()
        self.batches: Registry[BatchJob] = Registry()
        self.briefs: Registry[BriefJob] = Registry()
        self.stories: Registry[StoryJob] = Registry()
        self.scripts: Registry[Script] = Registry()
        self.speech: Registry[SpeechJob] = Registry()
        self.mixes: Registry[MixJob] = Registry()
        self.encodings: Registry[EncodingJob] = Registry()

    def now(self) -> float:
        return self._clock()

    def _registries(self) -> dict[str, Registry[Any]]:
        return {
            "batches": self.batches,
            "briefs": self.briefs,
            "stories": self.stories,
            "scripts": self.scripts,
            "speech": self.speech,
            "mixes": self.mixes,
            "encodings": self.encodings,
        }

    def counts(self) -> dict[str, int]:
        """Created counts, by :data:`COUNTERS`."""
        counts = {name: registry.created for name, registry in self._registries().items()}
        counts["files"] = self.files.created
        return {name: counts[name] for name in COUNTERS}

    def start(self, job: TimedJob[T]) -> Future[T] | None:
        """Start rendering ``job`` (once) if its time has come; return the render."""
        if self.now() < job.ready_at:
            return None
        with self._lock:
            # A render cancelled by close() (server stopped before it ran) starts again.
            if job.render is None or job.render.cancelled():
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(RENDER_WORKERS, thread_name_prefix="audio-sandbox-render")
                job.render = self._pool.submit(job.rendered_on, self.shelf)
            return job.render

    async def settle(self, job: TimedJob[T]) -> T | None:
        """
        ``job``'s outcome: started if its time has come, waited for briefly; ``None`` while it is
        not ready or still rendering.
        """
        render = self.start(job)
        if render is None:
            return None
        await asyncio.wait([asyncio.wrap_future(render)], timeout=RENDER_WAIT_SECONDS)
        return job.outcome

    def reset(self) -> None:
        """Forget everything (files and their bytes included) and zero the counters."""
        for registry in self._registries().values():
            registry.clear()
        self.shelf.clear()
        self.files.reset()

    def close(self) -> None:
        """Stop the render pool (a later render starts a new one) and drop the files."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self.files.close()
