"""
Each service's authentication, as FastAPI dependencies that answer 401 in the service's shape.

The first credential form present decides: a request carrying a wrong ``x-api-key`` is refused
even if it also carries a right bearer token, so a client that sends a stale header is caught.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.state import state_of


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _unauthorized(message: str) -> ServiceError:
    return ServiceError(401, message, headers={"WWW-Authenticate": "Bearer"})


def _check_key_or_bearer(request: Request, key_header: str) -> None:
    expected = state_of(request).settings.api_key
    key = request.headers.get(key_header)
    if key is not None:
        if not _same(key, expected):
            raise _unauthorized(f"Invalid API key in {key_header}")
        return
    token = bearer_token(request)
    if token is None:
        raise _unauthorized(f"Missing API key: send {key_header} or Authorization: Bearer")
    if not _same(token, expected):
        raise _unauthorized("Invalid API key in Authorization")


def require_audiostack_key(request: Request) -> None:
    """AudioStack: ``x-api-key: KEY`` or ``Authorization: Bearer KEY`` (``x-assume-org`` is optional)."""
    _check_key_or_bearer(request, "x-api-key")


def require_audiopod_key(request: Request) -> None:
    """AudioPod AI: ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``."""
    _check_key_or_bearer(request, "x-api-key")


def require_aimlapi_key(request: Request) -> None:
    """AIML API: ``Authorization: Bearer KEY`` only."""
    token = bearer_token(request)
    if token is None:
        raise _unauthorized("Missing Authorization: Bearer header")
    if not _same(token, state_of(request).settings.api_key):
        raise _unauthorized("Invalid API key")


def require_aioz_keys(request: Request) -> None:
    """AIOZ Stream: ``Authorization: Bearer KEY``, or ``stream-public-key`` + ``stream-secret-key``."""
    settings = state_of(request).settings
    token = bearer_token(request)
    if token is not None:
        if not _same(token, settings.api_key):
            raise _unauthorized("Invalid bearer token")
        return
    public = request.headers.get("stream-public-key")
    secret = request.headers.get("stream-secret-key")
    if public is None and secret is None:
        raise _unauthorized(
            "Missing credentials: send Authorization: Bearer or stream-public-key + stream-secret-key"
        )
    if public is None or secret is None:
        raise _unauthorized("Both stream-public-key and stream-secret-key are required")
    # Both are compared, so a wrong public key is refused even with the right secret.
    public_ok = _same(public, settings.aioz_public_key)
    secret_ok = _same(secret, settings.api_key)
    if not (public_ok and secret_ok):
        raise _unauthorized("Invalid stream-public-key / stream-secret-key pair")
