"""
AudioPod AI's collections and usage analytics (mounted with the voice routes at
``/audiopod/api/v1/voice``). Only https://docs.audiopod.ai describes them; the sandbox follows it.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from audio_sandbox.audiopod.analytics import usage_report
from audio_sandbox.audiopod.bodies import (
    AddVoicesRequest,
    CreateCollectionRequest,
    non_empty,
)
from audio_sandbox.audiopod.lookup import VOICE_NOT_FOUND, named_members, store_of
from audio_sandbox.core.auth import require_audiopod_key
from audio_sandbox.core.errors import ServiceError

MAX_PAGE_SIZE = 50

router = APIRouter(dependencies=[Depends(require_audiopod_key)])


@router.post("/collections", status_code=201)
async def create_collection(body: CreateCollectionRequest, request: Request) -> dict[str, Any]:
    """
    ``POST /collections``: 201 with the new collection. Its ``voice_ids`` echo the identifiers
    given (as strings), each voice once: a voice named twice, even by two different identifiers,
    keeps the first.
    """
    name = non_empty("name", body.name)
    members = named_members(request, body.voice_ids)
    collection = store_of(request).create_collection(
        name, body.description, members, body.tags, body.is_public
    )
    return collection.as_dict()


@router.get("/collections")
async def list_collections(
    request: Request,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """``GET /collections``: a page of the account's collections, oldest first."""
    collections = store_of(request).collections()
    page = collections[skip : skip + limit]
    return {
        "collections": [collection.as_dict() for collection in page],
        "total": len(collections),
        "hasMore": skip + len(page) < len(collections),
    }


@router.post("/collections/{collection_id}/voices")
async def add_collection_voices(
    collection_id: str, body: AddVoicesRequest, request: Request
) -> dict[str, Any]:
    """``POST /collections/{id}/voices``: add voices (those already in it, by any identifier, are not
    repeated)."""
    store = store_of(request)
    collection = store.collection(collection_id)
    if collection is None:
        raise ServiceError(404, "Collection not found")
    members = named_members(request, body.voice_ids)
    return store.add_to_collection(collection, members).as_dict()


@router.get("/analytics/usage")
async def usage_analytics(
    request: Request,
    voice_id: str | None = None,
    period: Literal["7d", "30d", "90d", "1y"] = "30d",
    breakdown: Literal["daily", "weekly", "monthly"] = "daily",
) -> dict[str, Any]:
    """
    ``GET /analytics/usage``: the previews the sandbox generated (for ``voice_id``, or for every
    voice), summed per day, week or month over the period. ``avg_rating`` is always null: the
    sandbox has no ratings.
    """
    store = store_of(request)
    voice = None
    if voice_id:
        voice = store.find(voice_id)
        if voice is None:
            raise ServiceError(404, VOICE_NOT_FOUND)
    return usage_report(
        store.usage(voice),
        voice_id=voice.voice_id if voice is not None else None,
        period=period,
        breakdown=breakdown,
        today=datetime.datetime.now(datetime.UTC).date(),
    )
