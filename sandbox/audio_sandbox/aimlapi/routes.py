"""
AIML API's stable-audio routes (mounted at ``/aimlapi``; real base ``https://api.aimlapi.com``),
after the vendor's OpenAPI fragments (``specs/aimlapi-*.json``).

``POST /v2/generate/audio`` queues a generation; ``GET /v2/generate/audio?generation_id=``
follows it through ``queued`` and ``generating`` to ``completed``, with a real WAV of
``seconds_total`` seconds (a chord progression) served from ``/aimlapi/files`` (``public_router``,
no auth, like the vendor's CDN). A prompt containing the word ``forbidden`` is the sandbox's way
to exercise the error path: it ends in status ``error`` with a ``ContentPolicyViolation``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from audio_sandbox.aimlapi.bodies import RequestError, parse_generation
from audio_sandbox.aimlapi.store import (
    GenerationStore,
    InsufficientCredits,
    TooManyGenerations,
)
from audio_sandbox.core.auth import require_aimlapi_key
from audio_sandbox.core.errors import Service, ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import state_of

FILES_PATH = "/files"

router = APIRouter(dependencies=[Depends(require_aimlapi_key)])
#: The generated files, public like the vendor's CDN URLs: no auth.
public_router = APIRouter()


def _store(request: Request) -> GenerationStore:
    return state_of(request).aimlapi


@router.post("/v2/generate/audio")
async def generate_audio(request: Request) -> dict[str, Any]:
    """
    ``POST /v2/generate/audio``: 200 ``{"id": "<uuid>:stable-audio", "status": "queued"}``;
    400 naming a wrong field, 403 when the credits do not cover ``seconds_total * steps * 10``
    (checked first), 429 with ``Retry-After`` past the ``aimlapi_concurrency`` limit.
    """
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ServiceError(400, "the request body is not valid JSON") from None
    try:
        generation = parse_generation(body)
    except RequestError as exc:
        raise ServiceError(400, str(exc)) from None
    settings = state_of(request).settings
    try:
        job = _store(request).submit(generation, settings.generation_seconds, settings.aimlapi_concurrency)
    except InsufficientCredits as exc:
        raise ServiceError(403, str(exc)) from None
    except TooManyGenerations as exc:
        raise ServiceError(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    return {"id": job.id, "status": "queued"}


@router.get("/v2/generate/audio")
async def get_generation(request: Request, generation_id: str | None = None) -> dict[str, Any]:
    """``GET /v2/generate/audio?generation_id=``: a generation's status and result."""
    if not generation_id:
        raise ServiceError(400, "Query parameter generation_id is required")
    store = _store(request)
    files_url = f"{str(request.base_url).rstrip('/')}{Service.AIMLAPI.prefix}{FILES_PATH}"
    return await answer_poll(
        store.get(generation_id),
        f"Generation {generation_id} not found",
        lambda job: store.settle(job, files_url),
        done=lambda _, job: job.as_dict(store.now()),
    )


@public_router.api_route(FILES_PATH + "/{file_name}", methods=["GET", "HEAD"])
async def generated_file(file_name: str, request: Request) -> Response:
    """``GET /aimlapi/files/{uuid}.wav``: a generated clip."""
    stored = _store(request).files.get(file_name)
    if stored is None:
        raise ServiceError(404, f"File {file_name} not found")
    return Response(stored.data, media_type=stored.content_type)
