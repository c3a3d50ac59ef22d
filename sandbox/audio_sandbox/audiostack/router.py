"""
All of AudioStack's routes, gathered for the app to mount: audioforms, batches, creator (brief,
story), files (``/files/file-categories`` is declared there before ``/files/{fileId}``), folders,
usage, the classic pipeline and the lists of voices and sound templates.

``router`` needs the AudioStack key; ``public_router`` (delivered files, upload URLs, downloads,
rendered media) does not: its URLs are credentials in themselves, like the real service's
presigned links.
"""

from __future__ import annotations

from fastapi import APIRouter

from audio_sandbox.audiostack import (
    audioforms,
    batches,
    classic,
    creator,
    delivery,
    files,
    folders,
    listings,
    production,
    usage,
)

router = APIRouter()
for _module in (audioforms, batches, creator, files, folders, usage, classic, production, listings):
    router.include_router(_module.router)

public_router = APIRouter()
for _module in (audioforms, files, delivery):
    public_router.include_router(_module.public_router)
