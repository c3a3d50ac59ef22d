"""
AudioPod AI's voice routes (mounted at ``/audiopod/api/v1/voice``; real base
``https://api.audiopod.ai/api/v1/voice``): voice profiles, their training, previews, updates and
deletion. Collections and usage analytics are in :mod:`~audio_sandbox.audiopod.library`.

AudioPod is a FastAPI service, so its errors are FastAPI's own ``{"detail": ...}`` and malformed
queries and bodies answer FastAPI's 422. Only the vendor's documentation page (https://docs.audiopod.ai)
describes these routes; where it is silent the sandbox's choices are written next to the route.
Previews are served from public URLs under ``/audiopod/previews`` (``public_router``), like the
vendor's CDN links.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from audio_sandbox.audiopod.bodies import (
    BatchPreviewRequest,
    NewVoice,
    UpdateVoiceRequest,
    optional_bool,
    preview_text,
    read_voice_upload,
    voice_type_filter,
)
from audio_sandbox.audiopod.lookup import live_voice, named_voices, store_of
from audio_sandbox.audiopod.previews import PREVIEW_SENTENCE, cost_cents, render_preview
from audio_sandbox.audiopod.voices import COMPLETED, Preview, Voice, voice_json
from audio_sandbox.core.audio import EncoderUnavailable
from audio_sandbox.core.auth import require_audiopod_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.state import state_of

#: Voices in one page: the documentation's "limit: max 50".
MAX_PAGE_SIZE = 50
#: The largest ``limit`` accepted. The official client asks for 100 when called with its defaults
#: (audiopod 2.12.0 ``services/voice.py`` ``list_voices``), which production must take; the page it
#: gets still holds at most :data:`MAX_PAGE_SIZE`, and ``hasMore`` says that more follow.
MAX_LIMIT = 100
#: Where rendered previews are served (no auth).
PREVIEWS_PREFIX = "/audiopod/previews"

router = APIRouter(dependencies=[Depends(require_audiopod_key)])
#: The preview files, public like the vendor's CDN URLs: no auth.
public_router = APIRouter()


# -- helpers ----------------------------------------------------------------------------------


def _require_owned(voice: Voice) -> None:
    if not voice.is_custom:
        raise ServiceError(403, "cannot modify a voice you do not own")


def _require_ready(voice: Voice) -> None:
    if voice.status != COMPLETED:
        raise ServiceError(400, f"voice {voice.voice_id} is not ready: status {voice.status}")


def _charge(request: Request, cents: int) -> None:
    """Take ``cents`` from the balance, or answer 402 with the amounts and take nothing."""
    charge = store_of(request).wallet.charge(cents)
    if not charge.accepted:
        raise ServiceError(
            402,
            "Insufficient credits",
            detail={
                "message": "Insufficient credits",
                "required_cents": charge.required,
                "available_cents": charge.available,
            },
        )


async def _generate(
    request: Request, voice: Voice, text: str, audio_format: str, speed: float = 1.0, pitch: float = 0.0
) -> Preview:
    """Render ``text`` in ``voice`` (in a worker thread), shelve the file, count the generation."""
    store = store_of(request)
    words_per_minute = state_of(request).settings.words_per_minute * speed
    try:
        rendered = await asyncio.to_thread(
            render_preview, text, words_per_minute, voice.semitones + pitch, audio_format
        )
    except EncoderUnavailable as exc:
        raise ServiceError(500, str(exc)) from None
    name = f"{uuid.uuid4()}.{audio_format}"
    store.files.put(name, rendered.data, rendered.content_type)
    store.record_generation(voice, len(text), rendered.duration)
    url = f"{str(request.base_url).rstrip('/')}{PREVIEWS_PREFIX}/{name}"
    return Preview(url, rendered.duration, audio_format)


def _create(request: Request, upload: NewVoice) -> dict[str, Any]:
    settings = state_of(request).settings
    voice = store_of(request).create(
        upload.name, upload.description, upload.samples, upload.is_public, settings.training_seconds
    )
    return voice_json(voice)


# -- voice profiles ---------------------------------------------------------------------------


@router.get("/voice-profiles")
async def list_voice_profiles(
    request: Request,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_PAGE_SIZE,
    voice_type: str | None = None,
    is_public: str | None = None,
    include_public: str | None = None,
) -> dict[str, Any]:
    """
    ``GET /voice-profiles``: the account's custom voices, plus the public ones unless
    ``include_public=false``; then narrowed by ``voice_type`` and ``is_public``. By id.
    Empty query values count as not given. ``limit`` may be up to :data:`MAX_LIMIT`; a page holds
    at most :data:`MAX_PAGE_SIZE` voices.
    """
    kind = voice_type_filter(voice_type)
    public = optional_bool("is_public", is_public)
    with_public = optional_bool("include_public", include_public) is not False
    voices = [
        voice for voice in store_of(request).voices() if voice.is_custom or (with_public and voice.is_public)
    ]
    if kind is not None:
        voices = [voice for voice in voices if voice.voice_type == kind]
    if public is not None:
        voices = [voice for voice in voices if voice.is_public is public]
    page = voices[skip : skip + min(limit, MAX_PAGE_SIZE)]
    return {
        "voices": [voice_json(voice) for voice in page],
        "total": len(voices),
        "hasMore": skip + len(page) < len(voices),
    }


@router.post("/voice-profiles")
async def create_voice_profile(request: Request) -> dict[str, Any]:
    """``POST /voice-profiles`` (multipart ``name``, ``description``, ``denoise``, ``file``): a
    new private custom voice, ``PROCESSING``. Free, as the vendor's pricing table says."""
    return _create(request, await read_voice_upload(request, multi_sample=False))


@router.post("/voice-profiles/multi-sample")
async def create_multi_sample_voice_profile(request: Request) -> dict[str, Any]:
    """``POST /voice-profiles/multi-sample`` (multipart ``name``, ``description``, ``is_public``,
    ``denoise``, ``voice_files`` x 1..10): a new custom voice, ``PROCESSING``."""
    return _create(request, await read_voice_upload(request, multi_sample=True))


@router.get("/voices/{voice_id}/status")
async def voice_status(voice_id: str, request: Request) -> dict[str, Any]:
    """``GET /voices/{voice_id}/status``: the voice (its training ends on the first read after
    ``training_seconds``)."""
    return voice_json(await live_voice(request, voice_id))


@router.patch("/voices/{voice_id}")
async def update_voice(voice_id: str, body: UpdateVoiceRequest, request: Request) -> dict[str, Any]:
    """``PATCH /voices/{voice_id}``: change name, description, is_public or tags of a custom voice."""
    voice = await live_voice(request, voice_id)
    _require_owned(voice)
    return voice_json(store_of(request).update(voice, body.changes()))


@router.delete("/voices/{voice_id}", status_code=204, response_class=Response)
async def delete_voice(voice_id: str, request: Request) -> Response:
    """``DELETE /voices/{voice_id}``: 204; the voice is gone for every later request."""
    voice = await live_voice(request, voice_id)
    _require_owned(voice)
    store_of(request).delete(voice)
    return Response(status_code=204)


# -- previews ---------------------------------------------------------------------------------


@router.get("/voice-profiles/{voice_identifier}/preview")
async def voice_preview(
    voice_identifier: str,
    request: Request,
    audio_format: Literal["mp3", "wav"] = "mp3",
    generate_if_missing: bool = True,
) -> dict[str, Any]:
    """
    ``GET /voice-profiles/{id}/preview``: the voice's preview in ``audio_format``, reading
    :data:`PREVIEW_SENTENCE`. A missing one is generated (at a cent per word) unless
    ``generate_if_missing=false`` (then 404); an existing one is returned free.
    ``generate_if_missing`` defaults to true (the vendor's examples always send it).
    """
    voice = await live_voice(request, voice_identifier)
    _require_ready(voice)
    async with voice.lock:
        preview = voice.previews.get(audio_format)
        if preview is None:
            if not generate_if_missing:
                raise ServiceError(
                    404,
                    f"voice {voice.voice_id} has no {audio_format} preview; "
                    "ask with generate_if_missing=true to generate one",
                )
            cents = cost_cents(PREVIEW_SENTENCE)
            _charge(request, cents)
            try:
                preview = await _generate(request, voice, PREVIEW_SENTENCE, audio_format)
            except ServiceError:
                store_of(request).wallet.refund(cents)
                raise
            store_of(request).add_preview(voice, preview)
    return {"audio_url": preview.url, "duration": preview.duration, "format": preview.format}


@router.post("/preview/batch")
async def batch_preview(body: BatchPreviewRequest, request: Request) -> dict[str, Any]:
    """
    ``POST /preview/batch``: ``text`` read in each voice (at ``speed`` and ``pitch``). Every voice
    must exist (404) and be trained (400); the whole batch is paid up front (a cent per word per
    voice) or refused with 402.
    """
    text = preview_text(body.text)
    voices = named_voices(request, body.voice_ids)
    for voice in voices:
        _require_ready(voice)
    cents = cost_cents(text) * len(voices)
    _charge(request, cents)
    previews: list[dict[str, Any]] = []
    try:
        for voice in voices:
            preview = await _generate(request, voice, text, body.format, body.speed, body.pitch)
            previews.append(
                {
                    "voice_id": voice.voice_id,
                    "voice_name": voice.name,
                    "audio_url": preview.url,
                    "duration": preview.duration,
                }
            )
    except ServiceError:
        store_of(request).wallet.refund(cents)
        raise
    return {"previews": previews}


@public_router.api_route("/{file_name}", methods=["GET", "HEAD"])
async def preview_file(file_name: str, request: Request) -> Response:
    """``GET /audiopod/previews/{uuid}.{mp3|wav}``: a rendered preview."""
    stored = store_of(request).files.get(file_name)
    if stored is None:
        raise ServiceError(404, f"no preview file {file_name}")
    return Response(stored.data, media_type=stored.content_type)
