"""
AudioStack's routes (mounted at ``/audiostack``; real base ``https://v2.api.audio``).

Routes follow the vendor's OpenAPI spec and SDK (no ``/v2`` prefix). An audioform counts as
building for ``build_seconds`` after submission; the first poll after that starts rendering it
for real (in the build pool) and the result is kept, so a poll never reports a file that does
not exist yet: a poll answers 202 until the render has finished. A poll's ``version`` header
chooses the format version of the answer (:mod:`~audio_sandbox.audiostack.versions`).
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack import audioform as audioforms
from audio_sandbox.audiostack.delivery import DELIVERY_ROUTE_NAME, delivery_of
from audio_sandbox.audiostack.versions import as_version, built_result, requested_version
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import AudioformJob, SandboxState, request_id_of, state_of

API_VERSION = "2"
#: How long a poll waits for a running render before answering 202.
RENDER_WAIT_SECONDS = 0.5

router = APIRouter(dependencies=[Depends(require_audiostack_key)])
#: Delivered files are public URLs, like the real service's CDN links: no auth.
public_router = APIRouter()


def _metadata(request: Request, **extra: Any) -> dict[str, Any]:
    return {"requestId": request_id_of(request), "version": API_VERSION, **extra}


async def submit_audioform(request: Request) -> JSONResponse:
    """``POST /audioforms`` (and ``/audioforms/``): validate, charge, store; build later."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ServiceError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict) or "audioform" not in body:
        raise ServiceError(400, "Request body must be a JSON object with an 'audioform' field")
    problems = audioforms.validate_audioform(body["audioform"])
    if problems:
        raise ServiceError(422, "Validation error", errors=problems)
    audioform: dict[str, Any] = copy.deepcopy(body["audioform"])
    credits = audioforms.credits_for(audioform)
    job, remaining = state_of(request).submit_audioform(audioform, credits)
    return JSONResponse(
        status_code=202,
        content={
            "metadata": _metadata(request, creditUsed=credits, creditsRemaining=remaining),
            "warnings": audioforms.submission_warnings(audioform),
            "message": "Audioform submitted",
            "data": {"audioformId": job.audioform_id},
        },
    )


router.add_api_route("/audioforms", submit_audioform, methods=["POST"], status_code=202)
router.add_api_route(
    "/audioforms/", submit_audioform, methods=["POST"], status_code=202, include_in_schema=False
)


def audioforms_or_404(
    state: SandboxState, audioform_ids: Sequence[str], not_found: str
) -> list[AudioformJob]:
    """The audioforms a batch or a story is made of; a 404 when a reset dropped one while it was read."""
    jobs = [state.audioform(audioform_id) for audioform_id in audioform_ids]
    found = [job for job in jobs if job is not None]
    if len(found) != len(jobs):
        raise ServiceError(404, not_found)
    return found


async def settle_audioforms(
    state: SandboxState, jobs: Sequence[AudioformJob]
) -> list[audioforms.BuildOutcome | None]:
    """
    Each job's outcome, ``None`` while it builds: the renders of those whose build time has passed
    are started (once) and waited for up to :data:`RENDER_WAIT_SECONDS` first. Each outcome is read
    once, so what a caller reports of a job (its status, its result) always agrees.
    """
    renders = [
        asyncio.wrap_future(state.start_build(job))
        for job in jobs
        if job.outcome is None and state.is_ready(job)
    ]
    # Short renders finish within the wait and answer at once; a long one (a ten-minute article at
    # 320 kbps takes seconds) keeps answering "building" until its file really exists.
    if renders:
        await asyncio.wait(renders, timeout=RENDER_WAIT_SECONDS)
    return [job.outcome for job in jobs]


def _building(job: AudioformJob, metadata: dict[str, Any]) -> JSONResponse:
    body = {"message": "Audioform is being built", "audioformId": job.audioform_id, "metadata": metadata}
    return JSONResponse(body, status_code=202)


def _built(
    request: Request,
    job: AudioformJob,
    outcome: audioforms.BuildOutcome,
    metadata: dict[str, Any],
    version: str,
) -> JSONResponse:
    data: dict[str, Any] = {"audioformId": job.audioform_id, "audioform": as_version(job.audioform, version)}
    delivery = delivery_of(request, job.audioform_id, outcome)
    if delivery is None:
        # The vendor's failed build: HTTP 200, an empty result, the reasons as texts.
        data.update(result={}, errors=outcome.errors)
        return JSONResponse({"message": "Audioform build failed", "metadata": metadata, "data": data})
    data.update(result=built_result(job.audioform, version, job.audioform_id, outcome, delivery), errors=[])
    return JSONResponse({"message": "Audioform built", "metadata": metadata, "data": data})


@router.get("/audioforms/{audioform_id}")
async def get_audioform(audioform_id: str, request: Request) -> JSONResponse:
    """``GET /audioforms/{id}``: 202 while building, then 200 with the result or the build errors."""
    version = requested_version(request)
    state = state_of(request)
    metadata = {"requestId": request_id_of(request), "version": version}

    async def settle(job: AudioformJob) -> audioforms.BuildOutcome | None:
        [outcome] = await settle_audioforms(state, [job])
        return outcome

    return await answer_poll(
        state.audioform(audioform_id),
        f"Audioform {audioform_id} not found",
        settle,
        done=lambda job, outcome: _built(request, job, outcome, metadata, version),
        working=lambda job: _building(job, metadata),
    )


@public_router.api_route("/delivery/{filename}", methods=["GET", "HEAD"], name=DELIVERY_ROUTE_NAME)
async def delivery(filename: str, request: Request) -> Response:
    """``GET /delivery/{audioformId}.{ext}``: a built audioform's file."""
    audioform_id, _, extension = filename.rpartition(".")
    job = state_of(request).audioform(audioform_id)
    outcome = job.outcome if job is not None else None
    if outcome is None or outcome.file is None or outcome.file.extension != extension:
        raise ServiceError(404, f"No delivered file {filename}")
    return Response(content=outcome.file.data, media_type=outcome.file.content_type)
