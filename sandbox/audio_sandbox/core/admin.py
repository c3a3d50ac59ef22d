"""
The sandbox's own routes under ``/_sandbox`` (no auth, never faulted, never counted).

Tests drive the sandbox through them: read counters, script faults, change knobs, reset.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from audio_sandbox.core.faults import FaultSpecError, parse_fault
from audio_sandbox.core.settings import SettingsError
from audio_sandbox.core.state import state_of

router = APIRouter()


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _unprocessable(message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=422)


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    """
    Requests per ``"METHOD /route/template"``, audioform counts (created, built, failed), AIOZ
    media counts (created, parts_received, completed, done, failed, deleted), AudioPod counts
    (voices_created, trained, failed, previews, deleted, collections), AIML API counts
    (generations, completed, errors), AudioStack job counts (``audiostack_jobs``: batches, briefs,
    stories, files, scripts, speech, mixes, encodings created) and the balances left (``credits``).
    """
    return state_of(request).stats()


@router.get("/aioz/media/{media_id}", response_model=None)
async def aioz_media(media_id: str, request: Request) -> JSONResponse | dict[str, Any]:
    """
    An AIOZ media's upload as stored (deleted ones too): status, size, bytes received, the MD5 of
    the bytes assembled so far and the parts. Reading it never settles a transcoding.
    """
    media = state_of(request).aioz.get(media_id)
    if media is None:
        return JSONResponse({"detail": f"no AIOZ media {media_id}"}, status_code=404)
    return {
        "status": media.status,
        "size": media.size,
        "received_bytes": media.received,
        "md5": media.assembled_md5.hexdigest(),
        "parts": [part.as_dict() for part in media.parts],
    }


@router.get("/faults")
async def list_faults(request: Request) -> dict[str, Any]:
    """Scripted faults still waiting for requests."""
    return {"faults": state_of(request).faults.pending()}


@router.post("/faults", status_code=201, response_model=None)
async def add_fault(request: Request) -> JSONResponse | dict[str, Any]:
    """Script a fault (:func:`~audio_sandbox.core.faults.parse_fault` names the fields)."""
    try:
        fault = parse_fault(await _json_body(request))
    except FaultSpecError as exc:
        return _unprocessable(str(exc))
    state_of(request).faults.add(fault)
    return {"fault": fault.as_dict()}


@router.delete("/faults")
async def clear_faults(request: Request) -> dict[str, Any]:
    """Forget every scripted fault."""
    return {"cleared": state_of(request).faults.clear()}


@router.get("/settings")
async def get_settings(request: Request) -> dict[str, Any]:
    """The current knobs."""
    return state_of(request).settings.as_dict()


@router.patch("/settings", response_model=None)
async def patch_settings(request: Request) -> JSONResponse | dict[str, Any]:
    """Change run-time knobs (see ``settings.RUNTIME_KNOBS``)."""
    changes = await _json_body(request)
    if not isinstance(changes, dict):
        return _unprocessable("the body must be a JSON object of knobs to change")
    try:
        return state_of(request).update_settings(changes).as_dict()
    except SettingsError as exc:
        return _unprocessable(str(exc))


@router.get("/spec-judge", response_model=None)
async def spec_judge(request: Request) -> dict[str, Any] | JSONResponse:
    """
    What the vendors' specs found since the sandbox started (``--judge-specs``): exchanges checked
    per service, bodies not judged, routes the specs do not describe, and the violations.
    """
    judge = state_of(request).spec_judge
    if judge is None:
        return JSONResponse({"detail": "the sandbox was started without --judge-specs"}, status_code=404)
    return judge.report()


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    """
    Forget jobs, AIOZ media and their files, AudioStack batches, stories, scripts and library
    files (with their bytes), custom voices, collections, previews, generations, rate windows,
    counters and scripted faults; restore the balances. Keep the knobs and the
    standard voices.
    """
    state_of(request).reset()
    return {"reset": True}
