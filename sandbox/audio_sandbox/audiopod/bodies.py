"""
AudioPod's request inputs: the multipart voice uploads, the JSON bodies and the query filters.

As in a FastAPI service, a body of the wrong shape (a missing or mistyped field, a value out of
range, an unknown field where fields are fixed) is FastAPI's own 422 through the pydantic models;
content the API refuses (an empty name, text too long, a file that is not audio) is a 400 whose
``detail`` names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from audio_sandbox.audiopod.previews import MAX_PREVIEW_WORDS
from audio_sandbox.audiopod.samples import Sample, sample_format
from audio_sandbox.audiopod.voices import VOICE_TYPES
from audio_sandbox.core.audio import words_of
from audio_sandbox.core.errors import ServiceError

MAX_VOICE_FILES = 10
MAX_BATCH_VOICES = 10
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})

#: A voice named by its int id, its uuid or its voice_id.
VoiceRef = StrictStr | StrictInt


class BatchPreviewRequest(BaseModel):
    """``POST /preview/batch``: read ``text`` in each voice."""

    voice_ids: Annotated[list[VoiceRef], Field(min_length=1, max_length=MAX_BATCH_VOICES)]
    text: StrictStr
    speed: Annotated[float, Field(ge=0.5, le=2.0)] = 1.0
    pitch: Annotated[float, Field(ge=-12.0, le=12.0)] = 0.0
    format: Literal["mp3", "wav"] = "mp3"


class UpdateVoiceRequest(BaseModel):
    """``PATCH /voices/{voice_id}``: any of name, description, is_public, tags; nothing else."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = None
    description: StrictStr | None = None
    is_public: StrictBool | None = None
    tags: list[StrictStr] | None = None

    def changes(self) -> dict[str, Any]:
        """The fields given; ``null`` clears the description and leaves is_public and tags alone."""
        changes: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "name":
                changes["name"] = non_empty("name", value)
            elif name == "description":
                changes["description"] = value
            elif value is not None:
                changes[name] = list(value) if name == "tags" else value
        return changes


class CreateCollectionRequest(BaseModel):
    """``POST /collections``."""

    name: StrictStr
    description: StrictStr | None = None
    voice_ids: list[VoiceRef] = Field(default_factory=list)
    tags: list[StrictStr] = Field(default_factory=list)
    is_public: StrictBool = False


class AddVoicesRequest(BaseModel):
    """``POST /collections/{collection_id}/voices``."""

    voice_ids: Annotated[list[VoiceRef], Field(min_length=1)]


def non_empty(field: str, value: str | None) -> str:
    """``value`` stripped; a 400 naming ``field`` when it is missing or blank."""
    if value is None or not value.strip():
        raise ServiceError(400, f"{field} must not be empty")
    return value.strip()


def preview_text(text: str) -> str:
    """A batch preview's text: a 400 naming ``text`` when it is blank or too long."""
    words = len(words_of(text))
    if words == 0:
        raise ServiceError(400, "text must not be empty")
    if words > MAX_PREVIEW_WORDS:
        raise ServiceError(400, f"text has {words} words; at most {MAX_PREVIEW_WORDS} are allowed")
    return text


# -- query filters ----------------------------------------------------------------------------


def _query_error(name: str, kind: str, message: str, value: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("query", name), "msg": message, "input": value}])


def optional_bool(name: str, value: str | None) -> bool | None:
    """A query boolean where an empty value means "not given" (clients send ``is_public=``)."""
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _query_error(
        name, "bool_parsing", "Input should be a valid boolean, unable to interpret input", value
    )


def voice_type_filter(value: str | None) -> str | None:
    """``CUSTOM`` or ``STANDARD``; empty means "not given"; anything else is a 422."""
    if value is None or value == "":
        return None
    if value not in VOICE_TYPES:
        raise _query_error(
            "voice_type", "enum", f"Input should be {' or '.join(repr(t) for t in VOICE_TYPES)}", value
        )
    return value


# -- multipart uploads ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewVoice:
    """
    A valid voice upload.

    :param name: the voice's name.
    :param description: its description, when given.
    :param samples: the audio samples (one for ``/voice-profiles``, 1..10 for multi-sample).
    :param is_public: the multi-sample upload's ``is_public`` (single uploads are private).
    :param denoise: the ``denoise`` flag (accepted; the sandbox does not denoise).
    """

    name: str
    description: str | None
    samples: tuple[Sample, ...]
    is_public: bool
    denoise: bool


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def raise_if_any(self) -> None:
        if self.items:
            raise ServiceError(400, "; ".join(self.items))


def _text_field(form: FormData, name: str, problems: _Problems) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.items.append(f"{name} must be a text field, not a file")
        return None
    return value


def _bool_field(form: FormData, name: str, problems: _Problems) -> bool:
    value = _text_field(form, name, problems)
    if value is None or value == "":
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() not in _FALSE:
        problems.items.append(f"{name} must be true or false, got {value!r}")
    return False


async def _sample(value: Any, field: str, problems: _Problems) -> Sample | None:
    if not isinstance(value, UploadFile):
        problems.items.append(f"{field} must be an uploaded audio file (WAV, MP3 or M4A)")
        return None
    data = await value.read()
    filename = value.filename or "unnamed"
    if not data:
        problems.items.append(f"{field} ({filename}) is empty")
        return None
    found = sample_format(data)
    if found is None:
        problems.items.append(f"{field} ({filename}) is not a WAV, MP3 or M4A file")
        return None
    return Sample(field, filename, found, data)


async def read_voice_upload(request: Request, *, multi_sample: bool) -> NewVoice:
    """
    Validate a ``POST /voice-profiles`` (``file``) or ``/voice-profiles/multi-sample``
    (``voice_files``, repeated) form; every problem is named in one 400.
    """
    problems = _Problems()
    async with request.form() as form:
        name = _text_field(form, "name", problems)
        if name is None:
            problems.items.append("name is required")
        elif not name.strip():
            problems.items.append("name must not be empty")
        description = _text_field(form, "description", problems)
        denoise = _bool_field(form, "denoise", problems)
        is_public = _bool_field(form, "is_public", problems) if multi_sample else False
        samples: list[Sample | None] = []
        if multi_sample:
            files = form.getlist("voice_files")
            if not files:
                problems.items.append(f"voice_files is required: upload 1 to {MAX_VOICE_FILES} audio files")
            elif len(files) > MAX_VOICE_FILES:
                problems.items.append(
                    f"voice_files has {len(files)} files; at most {MAX_VOICE_FILES} are allowed"
                )
            else:
                samples = [
                    await _sample(value, f"voice_files[{i}]", problems) for i, value in enumerate(files)
                ]
        elif form.get("file") is None:
            problems.items.append("file is required: upload a WAV, MP3 or M4A voice sample")
        else:
            samples = [await _sample(form.get("file"), "file", problems)]
    problems.raise_if_any()
    return NewVoice(
        name=(name or "").strip(),
        description=description,
        samples=tuple(sample for sample in samples if sample is not None),
        is_public=is_public,
        denoise=denoise,
    )
