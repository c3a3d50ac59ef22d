"""
AIML API's audio routes (mounted at ``/aimlapi``; real base ``https://api.aimlapi.com``).

This round serves the generation lookup (unknown ids answer 404, which makes it a cheap
authenticated probe); submitting generations joins this router later.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from airflow_provider_audio.sandbox.auth import require_aimlapi_key
from airflow_provider_audio.sandbox.errors import ServiceError
from airflow_provider_audio.sandbox.state import state_of

router = APIRouter(dependencies=[Depends(require_aimlapi_key)])


@router.get("/v2/generate/audio")
async def get_generation(request: Request, generation_id: str | None = None) -> dict[str, Any]:
    """``GET /v2/generate/audio?generation_id=``: a generation's status and result."""
    if not generation_id:
        raise ServiceError(400, "Query parameter generation_id is required")
    generation = state_of(request).generations.get(generation_id)
    if generation is None:
        raise ServiceError(404, f"Generation {generation_id} not found")
    return generation
