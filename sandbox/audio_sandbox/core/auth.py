"""
Each service's authentication, as FastAPI dependencies that answer 401 in the service's shape.

The first credential form present decides: a request carrying a wrong ``x-api-key`` is refused
even if it also carries a right bearer token, so a client that sends a stale header is caught.
"""

from __future__ import annotations

import base64
import binascii
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


def _unauthorized(message: str, scheme: str = "Bearer") -> ServiceError:
    return ServiceError(401, message, headers={"WWW-Authenticate": scheme})


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


_AIOZ_PAIR_HINT = (
    "send the secret key with its public key: HTTP Basic public:secret, "
    "or stream-public-key + stream-secret-key"
)


def _check_aioz_pair(public: str, secret: str, expected_public: str, expected_secret: str) -> bool:
    # Both are compared, so a wrong public key is refused even with the right secret.
    public_ok = _same(public, expected_public)
    secret_ok = _same(secret, expected_secret)
    return public_ok and secret_ok


def require_aioz_keys(request: Request) -> None:
    """
    AIOZ Stream, as its spec declares (``BasicAuth`` and a ``Bearer`` JWT) and its API reference
    documents (the header pair):

    - ``Authorization: Basic base64(public:secret)``, what the official Go client sends;
    - ``stream-public-key`` + ``stream-secret-key``;
    - ``Authorization: Bearer <JWT>``: the account's access token, the ``aioz_access_token`` knob
      (none by default, so every Bearer token is refused). A secret key is not a token: sent alone
      as one, it is refused with a message that says so.
    """
    settings = state_of(request).settings
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "basic":
            try:
                public, colon, secret = base64.b64decode(credentials, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                colon = ""
            if not colon:
                raise _unauthorized(
                    "Malformed Basic credentials: expected base64(public_key:secret_key)", "Basic"
                )
            if not _check_aioz_pair(public, secret, settings.aioz_public_key, settings.api_key):
                raise _unauthorized("Invalid public key / secret key pair", "Basic")
            return
        if scheme.lower() != "bearer":
            raise _unauthorized(f"Unsupported Authorization scheme {scheme!r}; use Basic or Bearer", "Basic")
        if _same(credentials, settings.api_key):
            raise _unauthorized(f"A secret key is not a Bearer token; {_AIOZ_PAIR_HINT}")
        token = settings.aioz_access_token
        if token is None or not _same(credentials, token):
            raise _unauthorized("Invalid bearer token")
        return
    public_header = request.headers.get("stream-public-key")
    secret_header = request.headers.get("stream-secret-key")
    if public_header is None and secret_header is None:
        raise _unauthorized(
            "Missing credentials: send Authorization: Basic public:secret, stream-public-key + "
            "stream-secret-key, or Authorization: Bearer with an access token",
            "Basic",
        )
    if public_header is None or secret_header is None:
        raise _unauthorized("Both stream-public-key and stream-secret-key are required", "Basic")
    if not _check_aioz_pair(public_header, secret_header, settings.aioz_public_key, settings.api_key):
        raise _unauthorized("Invalid stream-public-key / stream-secret-key pair", "Basic")
