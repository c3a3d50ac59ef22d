"""
A service at the root of a port of its own, for clients that drop the path of the base URL they
are given (the official AudioPod client joins ``/api/v1/voice/...`` to the bare host).

The first segment of a service's sandbox prefix stands for the vendor's host: ``/audiopod`` for
``https://api.audiopod.ai``, ``/aiozstream`` for ``https://api.aiozstream.network``. On a service's
own port every path is the vendor's path, so :class:`ServicePortRouter` puts that segment in front
of it and hands the request to the one app every port shares: a job made through one port is seen
through the other, and errors, faults, rate limits and counters work as on the prefixed port.
A path already under the segment is left alone, so the URLs the sandbox hands out (preview files,
streams, players, downloads) work on either port.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from audio_sandbox.core.errors import Service

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send


def host_mount(service: Service) -> str:
    """The part of ``service``'s prefix that stands for the vendor's host: ``/audiopod``."""
    return "/" + service.prefix.split("/")[1]


def api_path(service: Service) -> str:
    """The rest of the prefix, the vendor's base path on its host: ``/api/v1/voice`` for AudioPod."""
    return service.prefix.removeprefix(host_mount(service))


class ServicePortRouter:
    """
    ASGI middleware: a request that came in on a service's own port is routed as if it had come in
    under that service's host mount on the shared port.

    :param app: the sandbox app every port shares.
    :param services_by_port: the services served at the root of a port, by local port number.
    """

    def __init__(self, app: ASGIApp, services_by_port: Mapping[int, Service]) -> None:
        self.app = app
        self.mounts = {port: host_mount(service) for port, service in services_by_port.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            server = scope.get("server")
            mount = self.mounts.get(server[1]) if server else None
            path: str = scope["path"]
            if mount is not None and not (path == mount or path.startswith(mount + "/")):
                raw_path: bytes = scope.get("raw_path") or path.encode()
                scope = {**scope, "path": mount + path, "raw_path": mount.encode() + raw_path}
        await self.app(scope, receive, send)
