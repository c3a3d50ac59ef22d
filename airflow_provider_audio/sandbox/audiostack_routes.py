"""
AudioStack's routes beyond the single audioform, gathered for the app to mount after
:mod:`~airflow_provider_audio.sandbox.audiostack` (whose ``/files/file-categories`` must match
before ``/files/{fileId}``): batches, creator (brief, story), files, usage, the classic pipeline.

``router`` needs the AudioStack key; ``public_router`` (upload URLs, downloads, rendered media)
does not: its URLs are credentials in themselves, like the real service's presigned links.
"""

from __future__ import annotations

from fastapi import APIRouter

from airflow_provider_audio.sandbox import (
    audiostack_batches,
    audiostack_classic,
    audiostack_creator,
    audiostack_delivery,
    audiostack_files,
    audiostack_production,
    audiostack_usage,
)

router = APIRouter()
for _module in (
    audiostack_batches,
    audiostack_creator,
    audiostack_files,
    audiostack_usage,
    audiostack_classic,
    audiostack_production,
):
    router.include_router(_module.router)

public_router = APIRouter()
public_router.include_router(audiostack_files.public_router)
public_router.include_router(audiostack_delivery.public_router)
