"""
The four services, where they are mounted, and each one's own shape of an error body.

Everything that answers with an error (auth, validation, faults, rate limits, unknown routes)
goes through :func:`error_body`, so a service's error shape is written down once.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any


class Service(StrEnum):
    """An emulated service; the value is its mount prefix on the sandbox."""

    AUDIOSTACK = "/audiostack"
    AIOZSTREAM = "/aiozstream/api"
    AUDIOPOD = "/audiopod/api/v1/voice"
    AIMLAPI = "/aimlapi"

    @property
    def prefix(self) -> str:
        return self.value


#: ``ServedSandbox.service_url`` names -> services.
SERVICE_NAMES: dict[str, Service] = {
    "audiostack": Service.AUDIOSTACK,
    "aiozstream": Service.AIOZSTREAM,
    "audiopod": Service.AUDIOPOD,
    "aimlapi": Service.AIMLAPI,
}

ADMIN_PREFIX = "/_sandbox"

_HTTP_REASONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def reason(status: int) -> str:
    """The usual reason phrase of ``status``."""
    return _HTTP_REASONS.get(status, "Error")


def service_for_path(path: str) -> Service | None:
    """The service whose mount prefix starts ``path``, or ``None`` (admin and unknown paths)."""
    for service in Service:
        if path == service.prefix or path.startswith(service.prefix + "/"):
            return service
    return None


class ServiceError(Exception):
    """
    Raised by a route to answer with an error in the service's own shape.

    :param status: HTTP status.
    :param message: the human message (AudioPod: the ``detail`` when ``detail`` is not given).
    :param errors: AudioStack's validation problems: texts, or ``{"loc": [...], "msg": ...}`` objects
        that :func:`error_body` writes as texts.
    :param detail: AudioPod's structured ``detail`` object, when it is not just the message.
    :param headers: extra response headers.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Sequence[str | Mapping[str, Any]] | None = None,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.detail = detail
        self.headers = headers or {}


def problem_text(problem: str | Mapping[str, Any]) -> str:
    """A validation problem as one line: ``"audioform.assets: must be ..."`` from ``{loc, msg}``."""
    if isinstance(problem, str):
        return problem
    loc = ".".join(str(part) for part in problem.get("loc") or [])
    msg = str(problem.get("msg", ""))
    return f"{loc}: {msg}" if loc else msg


def error_body(
    service: Service | None,
    status: int,
    message: str,
    *,
    request_id: str,
    path: str,
    errors: Sequence[str | Mapping[str, Any]] | None = None,
    detail: Any = None,
) -> dict[str, Any]:
    """
    The error body ``service`` would send.

    :param path: the request path on the sandbox; AIML API reports it without the mount prefix.
    """
    if service is Service.AUDIOSTACK:
        # The official client raises a 403's message alone and joins other 4xx ``errors`` as text
        # (audiostack 4.0.0 helpers/request_interface.py:76-97): an object there makes it crash.
        if status == 403:
            return {"message": message}
        return {"message": message, "errors": [problem_text(error) for error in errors or []]}
    if service is Service.AIOZSTREAM:
        return {"status": "error", "message": message}
    if service is Service.AIMLAPI:
        return {
            "message": message,
            "path": path.removeprefix(service.prefix) or "/",
            "requestId": request_id,
            "statusCode": status,
            "timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }
    # AudioPod is a FastAPI service; the admin routes and unknown paths use the same style.
    return {"detail": message if detail is None else detail}
