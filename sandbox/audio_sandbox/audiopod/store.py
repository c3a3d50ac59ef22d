"""
AudioPod's memory: voices (the standard catalogue and the account's own), collections, the usage
of generated previews, the rendered preview files, the balance and the counters.

A custom voice is ``PROCESSING`` until ``training_seconds`` after its creation; the first read
after that trains it for real (see :mod:`~audio_sandbox.audiopod.samples`) and it becomes ``COMPLETED`` or
``FAILED``.
"""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audio_sandbox.audiopod.analytics import UsageRecord
from audio_sandbox.audiopod.samples import Sample, assess
from audio_sandbox.audiopod.voices import (
    COMPLETED,
    FAILED,
    PROCESSING,
    Preview,
    Voice,
    custom_voice,
    standard_voices,
    utc_now_iso,
)
from audio_sandbox.core.files import FileShelf
from audio_sandbox.core.wallet import Wallet

#: Counters reported under ``"audiopod"`` by ``GET /_sandbox/stats``.
COUNTERS: tuple[str, ...] = ("voices_created", "trained", "failed", "previews", "deleted", "collections")


@dataclass
class Collection:
    """
    A named group of voices.

    :param collection_id: ``collection_<hex>``.
    :param name: its name.
    :param description: free text, or ``None``.
    :param members: its voices as ``(int id, identifier as the client first gave it)``, each
        voice once, in the order added.
    :param tags: tags.
    :param is_public: whether other accounts see it.
    :param created_at: ISO 8601 UTC.
    """

    collection_id: str
    name: str
    description: str | None
    members: list[tuple[int, str]]
    tags: list[str]
    is_public: bool
    created_at: str

    @property
    def voice_ids(self) -> list[str]:
        """The voices as the client named them (int id, uuid or voice_id), as strings."""
        return [reference for _, reference in self.members]

    def as_dict(self) -> dict[str, Any]:
        return {
            "collection_id": self.collection_id,
            "name": self.name,
            "description": self.description,
            "voice_ids": self.voice_ids,
            "tags": list(self.tags),
            "is_public": self.is_public,
            "created_at": self.created_at,
        }


#: A voice as a request named it: the identifier given, and the voice it names.
Member = tuple[str, Voice]


class AudioPodStore:
    """
    Everything AudioPod remembers, safe to use from the event loop and worker threads.

    :param credits_cents: the starting balance.
    :param clock: monotonic clock (seconds) deciding when training ends.
    """

    def __init__(self, credits_cents: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.wallet = Wallet(credits_cents)
        #: Rendered previews, served at ``/audiopod/previews/{name}``.
        self.files = FileShelf()
        self._voices: dict[int, Voice] = {}
        self._by_identifier: dict[str, Voice] = {}
        self._collections: dict[str, Collection] = {}
        self._usage: list[UsageRecord] = []
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._seed()

    def _seed(self) -> None:
        for voice in standard_voices():
            self._add(voice)

    def _add(self, voice: Voice) -> None:
        self._voices[voice.id] = voice
        for identifier in voice.identifiers:
            self._by_identifier[identifier.lower()] = voice

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    # -- voices -----------------------------------------------------------------------------

    def find(self, identifier: str | int) -> Voice | None:
        """A live voice by its int id, uuid or voice_id (``None`` when unknown or deleted)."""
        with self._lock:
            voice = self._by_identifier.get(str(identifier).strip().lower())
        return None if voice is None or voice.deleted else voice

    def voices(self) -> list[Voice]:
        """Every live voice, by id, each with its training settled if due."""
        with self._lock:
            live = [voice for voice in self._voices.values() if not voice.deleted]
        for voice in live:
            self.settle(voice)
        return live

    def create(
        self, name: str, description: str | None, samples: tuple[Sample, ...], is_public: bool, seconds: float
    ) -> Voice:
        """A new custom voice, training for ``seconds``."""
        with self._lock:
            number = max(self._voices, default=0) + 1
            voice = custom_voice(number, name, description, samples, is_public, self._clock() + seconds)
            self._add(voice)
            self._counts["voices_created"] += 1
            return voice

    def settle(self, voice: Voice) -> Voice:
        """End ``voice``'s training if its time has come: train on its samples, then drop them."""
        with self._lock:
            if voice.status != PROCESSING or voice.ready_at is None or self._clock() < voice.ready_at:
                return voice
            outcome = assess(voice.samples)
            voice.samples = ()
            if outcome.succeeded:
                voice.status = COMPLETED
                voice.processed_at = utc_now_iso()
                self._counts["trained"] += 1
            else:
                voice.status = FAILED
                voice.error_message = outcome.error_message
                self._counts["failed"] += 1
            return voice

    def update(self, voice: Voice, changes: dict[str, Any]) -> Voice:
        """Apply validated changes (name, description, is_public, tags)."""
        with self._lock:
            for name, value in changes.items():
                setattr(voice, name, value)
            return voice

    def delete(self, voice: Voice) -> None:
        """Delete ``voice``: every read answers 404 from now on, and collections drop it."""
        with self._lock:
            voice.deleted = True
            voice.samples = ()
            for collection in self._collections.values():
                collection.members = [member for member in collection.members if member[0] != voice.id]
            self._counts["deleted"] += 1

    # -- previews and usage -----------------------------------------------------------------

    def add_preview(self, voice: Voice, preview: Preview) -> None:
        """Keep ``voice``'s own preview in one format; it becomes its ``preview_url``."""
        with self._lock:
            voice.previews[preview.format] = preview
            voice.preview_url = preview.url

    def record_generation(self, voice: Voice, characters: int, duration: float) -> None:
        """Count one generated preview (its own or a batch's) in the stats and the analytics."""
        with self._lock:
            day = datetime.datetime.now(datetime.UTC).date()
            self._usage.append(UsageRecord(day, voice.id, characters, duration))
            self._counts["previews"] += 1

    def usage(self, voice: Voice | None) -> list[UsageRecord]:
        """The generations of ``voice`` (of every voice when ``None``)."""
        with self._lock:
            return [record for record in self._usage if voice is None or record.voice == voice.id]

    # -- collections ------------------------------------------------------------------------

    def create_collection(
        self, name: str, description: str | None, members: Sequence[Member], tags: list[str], is_public: bool
    ) -> Collection:
        with self._lock:
            collection = Collection(
                collection_id=f"collection_{uuid.uuid4().hex[:12]}",
                name=name,
                description=description,
                members=[],
                tags=list(tags),
                is_public=is_public,
                created_at=utc_now_iso(),
            )
            self._extend(collection, members)
            self._collections[collection.collection_id] = collection
            self._counts["collections"] += 1
            return collection

    def collections(self) -> list[Collection]:
        """Every collection, oldest first."""
        with self._lock:
            return list(self._collections.values())

    def collection(self, collection_id: str) -> Collection | None:
        with self._lock:
            return self._collections.get(collection_id)

    def add_to_collection(self, collection: Collection, members: Sequence[Member]) -> Collection:
        """Add the voices not already in ``collection`` (whichever identifier named them before)."""
        with self._lock:
            self._extend(collection, members)
            return collection

    @staticmethod
    def _extend(collection: Collection, members: Sequence[Member]) -> None:
        present = {voice_number for voice_number, _ in collection.members}
        for reference, voice in members:
            if voice.id not in present:
                collection.members.append((voice.id, reference))
                present.add(voice.id)

    # -- reset ------------------------------------------------------------------------------

    def reset(self, credits_cents: int) -> None:
        """Back to the starting catalogue: no custom voices, previews, collections or usage."""
        with self._lock:
            self._voices.clear()
            self._by_identifier.clear()
            self._collections.clear()
            self._usage.clear()
            self._counts = dict.fromkeys(COUNTERS, 0)
            self._seed()
        self.files.clear()
        self.wallet.set(credits_cents)
