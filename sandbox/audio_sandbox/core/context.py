"""
Per-request context: a request id on every response, and a counter per route.

It runs outside the fault middleware, so faulted requests are counted and carry an id too.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders
from starlette.routing import Match

from audio_sandbox.core.errors import ADMIN_PREFIX

if TYPE_CHECKING:
    from starlette.routing import Router
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from audio_sandbox.core.state import SandboxState

REQUEST_ID_HEADER = "x-request-id"


def request_id_in(scope: Scope) -> str:
    """The id :class:`RequestContextMiddleware` gave the request of ``scope`` (``""`` outside it)."""
    return str(scope.get("state", {}).get("request_id", ""))


def route_key(router: Router, scope: Scope) -> str:
    """
    ``"METHOD /route/template"`` of the request, e.g. ``"GET /audiostack/audioforms/{audioform_id}"``.

    A trailing slash is dropped so ``/audioforms/`` and ``/audioforms`` share a key; a path no
    route serves is counted under itself.
    """
    method: str = scope["method"]
    template: str | None = None
    for route in router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            template = getattr(route, "path", None)
            break
        if match is Match.PARTIAL and template is None:
            template = getattr(route, "path", None)
    path = template or scope["path"]
    if len(path) > 1:
        path = path.rstrip("/")
    return f"{method} {path}"


class RequestContextMiddleware:
    """
    ASGI middleware: give each HTTP request an id and count it by route.

    :param app: the wrapped application.
    :param router: the app's router, to find route templates.
    :param state: where the counters live.
    """

    def __init__(self, app: ASGIApp, router: Router, state: SandboxState) -> None:
        self.app = app
        self.router = router
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope["state"] = {**scope.get("state", {}), "request_id": request_id}
        path: str = scope["path"]
        counted = not (path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"))
        key = route_key(self.router, scope) if counted else ""
        if counted:
            self.state.count_request(key)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                if counted and message["status"] >= 400:
                    self.state.count_refusal(key, message["status"])
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in headers:
                    headers.append(REQUEST_ID_HEADER, request_id)
            await send(message)

        await self.app(scope, receive, send_with_id)
