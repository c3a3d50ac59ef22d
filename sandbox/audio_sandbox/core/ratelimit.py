"""
AIOZ Stream's rate limits: fixed windows per category of request, applied before the routes.

The vendor counts part uploads, writes and reads separately (100, 200 and 500 a minute). The
sandbox's limits are knobs (0 = off) so a test can reach them in a few requests. While a
category's limit is on, each of its answers carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``
and ``X-RateLimit-Retry-After`` (whole seconds until the window resets), as the vendor's spec
declares them on every response; past the limit the request is refused with a 429 and is not
acted on.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse

from audio_sandbox.core.context import request_id_in
from audio_sandbox.core.errors import Service, error_body
from audio_sandbox.core.settings import Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

RATE_LIMITED_MESSAGE = "rate limit exceeded"
_PART = re.compile(r"/media/[^/]+/part/?")
_COMPLETE = re.compile(r"/media/[^/]+/complete/?")


class Category(StrEnum):
    """A category of AIOZ request, limited on its own."""

    UPLOAD = "upload"
    WRITE = "write"
    READ = "read"


#: AIOZ Stream's documented limits per minute.
VENDOR_LIMITS: dict[Category, int] = {Category.UPLOAD: 100, Category.WRITE: 200, Category.READ: 500}


def aioz_category(method: str, path: str) -> Category | None:
    """
    The category of an AIOZ request; ``None`` outside AIOZ's API prefix.

    Part uploads are uploads; create, update, delete and complete are writes; everything else
    (the list search sent as ``POST /media`` included) is a read.
    """
    prefix = Service.AIOZSTREAM.prefix
    if not (path == prefix or path.startswith(prefix + "/")):
        return None
    route = path[len(prefix) :]
    if method == "POST" and _PART.fullmatch(route):
        return Category.UPLOAD
    if (
        method in ("PATCH", "DELETE")
        or (method == "POST" and route.rstrip("/") == "/media/create")
        or (method == "GET" and _COMPLETE.fullmatch(route))
    ):
        return Category.WRITE
    return Category.READ


def limit_for(category: Category, settings: Settings) -> int:
    """The configured requests per window of ``category`` (0 = no limit)."""
    if category is Category.UPLOAD:
        return settings.aioz_upload_limit
    if category is Category.WRITE:
        return settings.aioz_write_limit
    return settings.aioz_read_limit


@dataclass(frozen=True)
class Decision:
    """
    Whether one request may proceed.

    :param allowed: ``False`` when the window's limit is used up.
    :param limit: the category's limit.
    :param remaining: requests left in the window after this one.
    :param retry_after: whole seconds (>= 1) until the window resets, rounded up.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers of the answer (the spec declares all three on every one)."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Retry-After": str(self.retry_after),
        }


@dataclass
class _Window:
    started: float
    used: int = 0


class RateLimiter:
    """
    Fixed windows, one per category: the first request after a window ends opens the next one.

    :param clock: monotonic clock (seconds); replaceable in tests.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[Category, _Window] = {}

    def admit(self, category: Category, limit: int, window_seconds: float) -> Decision:
        """Count one request of ``category`` against ``limit`` per ``window_seconds``."""
        now = self._clock()
        with self._lock:
            window = self._windows.get(category)
            if window is None or now >= window.started + window_seconds:
                window = self._windows[category] = _Window(started=now)
            retry_after = max(1, math.ceil(window.started + window_seconds - now))
            if window.used >= limit:
                return Decision(False, limit, 0, retry_after)
            window.used += 1
            return Decision(True, limit, limit - window.used, retry_after)

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()


class RateLimitMiddleware:
    """
    ASGI middleware applying :class:`RateLimiter` to AIOZ requests whose category has a limit.

    :param app: the wrapped application.
    :param limiter: counts the requests.
    :param settings: returns the current settings (limits and window length).
    """

    def __init__(self, app: ASGIApp, limiter: RateLimiter, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.limiter = limiter
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        category = aioz_category(scope["method"], scope["path"]) if scope["type"] == "http" else None
        settings = self.settings()
        limit = limit_for(category, settings) if category is not None else 0
        if category is None or limit <= 0:
            await self.app(scope, receive, send)
            return
        decision = self.limiter.admit(category, limit, settings.aioz_rate_window_seconds)
        if not decision.allowed:
            body = error_body(
                Service.AIOZSTREAM,
                429,
                RATE_LIMITED_MESSAGE,
                request_id=request_id_in(scope),
                path=scope["path"],
            )
            response = JSONResponse(body, status_code=429, headers=decision.headers())
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in decision.headers().items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
