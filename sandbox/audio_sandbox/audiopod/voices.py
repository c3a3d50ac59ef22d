"""
An AudioPod voice as the sandbox keeps it and as the API shows it, and the catalogue of
:data:`STANDARD_VOICE_COUNT` pre-built public voices every sandbox starts with.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from audio_sandbox.audiopod.samples import Sample

CUSTOM = "CUSTOM"
STANDARD = "STANDARD"
VOICE_TYPES: tuple[str, ...] = (CUSTOM, STANDARD)
PROCESSING = "PROCESSING"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
STANDARD_VOICE_COUNT = 57
#: When the catalogue's voices were made (a fixed date, so the catalogue is the same every run).
STANDARD_CREATED_AT = "2024-01-01T00:00:00Z"

# 19 speakers x 3 styles = 57 voices.
_SPEAKERS: tuple[tuple[str, str, str], ...] = (
    ("Sarah", "female", "en"),
    ("James", "male", "en"),
    ("Amelia", "female", "en"),
    ("Oliver", "male", "en"),
    ("Sofia", "female", "es"),
    ("Mateo", "male", "es"),
    ("Chloe", "female", "fr"),
    ("Lucas", "male", "fr"),
    ("Hana", "female", "ja"),
    ("Kenji", "male", "ja"),
    ("Priya", "female", "hi"),
    ("Arjun", "male", "hi"),
    ("Lena", "female", "de"),
    ("Felix", "male", "de"),
    ("Giulia", "female", "it"),
    ("Marco", "male", "it"),
    ("Ines", "female", "pt"),
    ("Tiago", "male", "pt"),
    ("Alex", "neutral", "en"),
)
_STYLES: tuple[tuple[str, float], ...] = (("professional", 0.0), ("casual", 1.0), ("narrative", -1.0))
_GENDER_SEMITONES: dict[str, float] = {"female": 4.0, "male": -3.0, "neutral": 0.0}


def utc_now_iso() -> str:
    """``2024-05-01T12:00:00Z``."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Preview:
    """
    A voice's preview in one format.

    :param url: where it is served (absolute).
    :param duration: its length in seconds.
    :param format: ``mp3`` or ``wav``.
    """

    url: str
    duration: float
    format: str


@dataclass
class Voice:
    """
    A voice profile.

    :param id: sequential integer id.
    :param uuid: its UUID.
    :param voice_id: ``voice_<12 hex>``.
    :param name: display name.
    :param description: free text, or ``None``.
    :param voice_type: ``CUSTOM`` (made by the account) or ``STANDARD`` (the catalogue's).
    :param status: ``PROCESSING``, ``COMPLETED`` or ``FAILED``.
    :param is_public: whether other accounts see it.
    :param language: language code, when known.
    :param gender: ``female``, ``male`` or ``neutral``, when known.
    :param category: the catalogue's style, or ``custom``.
    :param tags: tags.
    :param created_at: ISO 8601 UTC.
    :param semitones: the pitch it speaks at, relative to the renderer's default voice.
    :param samples: the uploads it trains on (dropped once training has ended).
    :param sample_count: how many samples it was made from.
    :param ready_at: monotonic time from which its training may end.
    :param error_message: why it failed, when it did.
    :param processed_at: ISO 8601 UTC end of a successful training.
    :param previews: its previews by format.
    :param preview_url: the URL of its latest preview.
    :param deleted: whether it was deleted (then every read answers 404).
    """

    id: int
    uuid: str
    voice_id: str
    name: str
    description: str | None
    voice_type: str
    status: str
    is_public: bool
    language: str | None
    gender: str | None
    category: str
    tags: list[str]
    created_at: str
    semitones: float
    samples: tuple[Sample, ...] = ()
    sample_count: int = 0
    ready_at: float | None = None
    error_message: str | None = None
    processed_at: str | None = None
    previews: dict[str, Preview] = field(default_factory=dict)
    preview_url: str | None = None
    deleted: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)

    @property
    def is_custom(self) -> bool:
        return self.voice_type == CUSTOM

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Every string a path parameter may name it by: the int id, the uuid, the voice_id."""
        return (str(self.id), self.uuid, self.voice_id)


def voice_json(voice: Voice) -> dict[str, Any]:
    """The voice object the API returns."""
    return {
        "id": voice.id,
        "uuid": voice.uuid,
        "voice_id": voice.voice_id,
        "name": voice.name,
        "description": voice.description,
        "voice_type": voice.voice_type,
        "status": voice.status,
        "training_status": voice.status.lower(),
        "error_message": voice.error_message,
        "is_public": voice.is_public,
        "is_custom": voice.is_custom,
        "language": voice.language,
        "gender": voice.gender,
        "category": voice.category,
        "tags": list(voice.tags),
        "preview_url": voice.preview_url,
        "sample_count": voice.sample_count,
        "created_at": voice.created_at,
        "processed_at": voice.processed_at,
    }


def standard_voices() -> list[Voice]:
    """The catalogue: ids 1..57, the same names, ids and pitches on every run."""
    voices: list[Voice] = []
    for first_name, gender, language in _SPEAKERS:
        for style, style_semitones in _STYLES:
            number = len(voices) + 1
            digest = hashlib.sha256(f"audio-sandbox:audiopod:standard:{number}".encode()).hexdigest()
            voices.append(
                Voice(
                    id=number,
                    uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"audio-sandbox:audiopod:standard:{number}")),
                    voice_id=f"voice_{digest[:12]}",
                    name=f"{first_name} {style.capitalize()}",
                    description=f"A {gender} {language} voice with a {style} delivery.",
                    voice_type=STANDARD,
                    status=COMPLETED,
                    is_public=True,
                    language=language,
                    gender=gender,
                    category=style,
                    tags=[style, language, gender],
                    created_at=STANDARD_CREATED_AT,
                    semitones=_GENDER_SEMITONES[gender] + style_semitones,
                    processed_at=STANDARD_CREATED_AT,
                )
            )
    assert len(voices) == STANDARD_VOICE_COUNT
    return voices


def custom_voice(
    number: int,
    name: str,
    description: str | None,
    samples: tuple[Sample, ...],
    is_public: bool,
    ready_at: float,
) -> Voice:
    """A new custom voice, ``PROCESSING`` until ``ready_at``; its pitch follows from its uuid."""
    voice_uuid = str(uuid.uuid4())
    return Voice(
        id=number,
        uuid=voice_uuid,
        voice_id=f"voice_{uuid.uuid4().hex[:12]}",
        name=name,
        description=description,
        voice_type=CUSTOM,
        status=PROCESSING,
        is_public=is_public,
        language=None,
        gender=None,
        category="custom",
        tags=[],
        created_at=utc_now_iso(),
        semitones=float(zlib.crc32(voice_uuid.encode()) % 13 - 6),
        samples=samples,
        sample_count=len(samples),
        ready_at=ready_at,
    )
