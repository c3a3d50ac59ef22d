"""
AIOZ Stream's routes (mounted at ``/aiozstream/api``; real base ``https://api.aiozstream.network/api``).

Every success body is ``{"status": "success", "data": ...}``. This round serves the account read
used by ``test_connection``; media routes join this router later.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from airflow_provider_audio.sandbox.auth import require_aioz_keys
from airflow_provider_audio.sandbox.state import state_of

router = APIRouter(dependencies=[Depends(require_aioz_keys)])


def success(data: Any, status_code: int = 200) -> JSONResponse:
    """AIOZ's success envelope."""
    return JSONResponse({"status": "success", "data": data}, status_code=status_code)


@router.get("/user/me")
async def user_me(request: Request) -> JSONResponse:
    """
    ``GET /user/me``: the sandbox account, identified by the configured public key.

    The vendor spec (``GetMeResponse``) nests the account under ``data.user`` with
    ``first_name``/``last_name``; the seed summarises it as ``data.{id, email, name}``. Both are
    served, so a client written to either finds its fields.
    """
    state = state_of(request)
    public_key = state.settings.aioz_public_key
    user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"audio-sandbox:aiozstream:{public_key}"))
    email = "sandbox@aiozstream.invalid"
    user = {
        "id": user_id,
        "email": email,
        "first_name": "Audio",
        "last_name": "Sandbox",
        "created_at": state.started_at_iso,
        "updated_at": state.started_at_iso,
        "balance": "100",
        "debt": "0",
    }
    return success({"id": user_id, "email": email, "name": "Audio Sandbox", "user": user})
