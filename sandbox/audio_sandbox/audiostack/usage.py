"""
AudioStack's usage report, ``GET /v2/analytics/usage`` -- known only from the API reference's index
(https://docs.audiostack.ai/reference/getanalyticsusage; no spec or SDK shape was found), so its
shape is the sandbox's own: counts of what was made since the last reset, and the credits used and
left.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack.classic import metadata
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.state import STARTING_CREDITS, state_of

router = APIRouter(dependencies=[Depends(require_audiostack_key)])


@router.get("/v2/analytics/usage")
async def usage(request: Request) -> JSONResponse:
    """``GET /v2/analytics/usage``: audioforms created/built/failed, other jobs created, credits."""
    state = state_of(request)
    stats = state.stats()
    jobs = stats["audiostack_jobs"]
    remaining = state.charge_audiostack(0)
    data = {
        "audioforms": dict(stats["audioforms"]),
        "batches": jobs["batches"],
        "stories": jobs["stories"],
        "files": jobs["files"],
        "speech": jobs["speech"],
        "mixes": jobs["mixes"],
        "encodings": jobs["encodings"],
        "credits": {"used": round(STARTING_CREDITS - remaining, 4), "remaining": remaining},
    }
    return JSONResponse({"metadata": metadata(request), "data": data})
