"""
AudioPod AI's voice routes (mounted at ``/audiopod/api/v1/voice``; real base
``https://api.audiopod.ai/api/v1/voice``).

AudioPod is a FastAPI service, so its errors are FastAPI's own ``{"detail": ...}`` and its query
validation answers FastAPI's 422. This round serves the voice-profile listing (the read used by
``test_connection``); creating voices joins this router later.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from airflow_provider_audio.sandbox.auth import require_audiopod_key
from airflow_provider_audio.sandbox.state import state_of

MAX_PAGE_SIZE = 50
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})

router = APIRouter(dependencies=[Depends(require_audiopod_key)])


def _optional_bool(name: str, value: str | None) -> bool | None:
    """Query booleans where an empty value means "not given" (clients send ``is_public=``)."""
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise RequestValidationError(
        [
            {
                "type": "bool_parsing",
                "loc": ("query", name),
                "msg": "Input should be a valid boolean, unable to interpret input",
                "input": value,
            }
        ]
    )


@router.get("/voice-profiles")
async def list_voice_profiles(
    request: Request,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
    voice_type: str | None = None,
    is_public: str | None = None,
    include_public: str | None = None,
) -> dict[str, Any]:
    """``GET /voice-profiles``: a page of the account's voices (plus public ones if asked)."""
    public = _optional_bool("is_public", is_public)
    with_public = _optional_bool("include_public", include_public)
    voices = list(state_of(request).voice_profiles.values())
    if voice_type:
        voices = [voice for voice in voices if voice.get("voice_type") == voice_type]
    if public is not None:
        voices = [voice for voice in voices if bool(voice.get("is_public")) is public]
    elif not with_public:
        voices = [voice for voice in voices if not voice.get("is_public")]
    page = voices[skip : skip + limit]
    return {"voices": page, "total": len(voices), "hasMore": skip + len(page) < len(voices)}
