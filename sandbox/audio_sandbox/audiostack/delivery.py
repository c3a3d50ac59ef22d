"""
Where AudioStack's finished files are: built audioforms' delivery objects, and the public
``/_media/{name}`` route serving the classic pipeline's rendered files (no auth, like a CDN).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from audio_sandbox.audiostack.audioform import BuildOutcome
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.state import state_of

#: The name of the route serving built audioforms' files (``GET /delivery/{audioformId}.{ext}``).
DELIVERY_ROUTE_NAME = "audiostack_delivery"
MEDIA_ROUTE_NAME = "audiostack_media"

public_router = APIRouter()


def delivery_of(request: Request, audioform_id: str, outcome: BuildOutcome) -> dict[str, Any] | None:
    """The ``delivery`` object of a built audioform (``None`` when its build failed)."""
    if not outcome.succeeded or outcome.file is None:
        return None
    filename = f"{audioform_id}.{outcome.file.extension}"
    return {
        "uri": str(request.url_for(DELIVERY_ROUTE_NAME, filename=filename)),
        "extension": outcome.file.extension,
        "encoderPreset": outcome.encoder_preset,
        "loudnessPreset": outcome.loudness_preset,
        "public": outcome.public,
    }


def media_url(request: Request, name: str) -> str:
    """The public URL of a rendered file on the shelf."""
    return str(request.url_for(MEDIA_ROUTE_NAME, name=name))


@public_router.api_route("/_media/{name}", methods=["GET", "HEAD"], name=MEDIA_ROUTE_NAME)
async def media(name: str, request: Request) -> Response:
    """``GET /_media/{name}``: a file the classic pipeline rendered (speech, mix, encoding)."""
    stored = state_of(request).audiostack.shelf.get(name)
    if stored is None:
        raise ServiceError(404, f"No rendered file {name}")
    return Response(content=stored.data, media_type=stored.content_type)
