"""
:class:`SandboxServer`: the sandbox served by uvicorn in a background thread, on loopback only:
every service under its prefix on one port, and the services of ``Settings.serve`` each also at the
root of a port of its own (one uvicorn server, one app, one state for all of them).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any, Self

import uvicorn
from fastapi import FastAPI

from audio_sandbox.core.app import create_app
from audio_sandbox.core.errors import SERVICE_NAMES
from audio_sandbox.core.faults import DroppedConnectionLogFilter
from audio_sandbox.core.served import ServedSandbox
from audio_sandbox.core.service_ports import ServicePortRouter
from audio_sandbox.core.settings import Settings
from audio_sandbox.core.state import SandboxState

_VERBOSE_LEVELS = ("info", "debug", "trace")


class SandboxServer(ServedSandbox):
    """
    Serve the sandbox on 127.0.0.1 (or another loopback address) from a background thread.

    ``with SandboxServer(build_seconds=0.2) as sandbox: sandbox.service_url("audiostack")``;
    ``SandboxServer(serve={"audiopod": 0})`` also serves AudioPod at ``sandbox.service_root_url("audiopod")``.

    :param settings: knobs; when ``None``, the defaults except ``port=0`` (a free port).
    :param start_timeout: seconds :meth:`start` waits for uvicorn to be serving.
    :param knobs: overrides applied on top of ``settings`` (e.g. ``build_seconds=0.3``).
    """

    def __init__(
        self, settings: Settings | None = None, *, start_timeout: float = 10.0, **knobs: Any
    ) -> None:
        base = settings if settings is not None else Settings(port=0)
        self.settings = base.replace(**knobs) if knobs else base
        self.start_timeout = start_timeout
        self.app: FastAPI = create_app(self.settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self._port: int | None = None
        self._service_ports: dict[str, int] = {}

    @property
    def state(self) -> SandboxState:
        """The live :class:`SandboxState` (jobs, counters, faults) of this server's app."""
        state: SandboxState = self.app.state.sandbox
        return state

    @property
    def port(self) -> int:
        """The port listened on (the system's pick when started with port 0); only while started."""
        if self._port is None:
            raise RuntimeError("the sandbox server is not started")
        return self._port

    @property
    def service_ports(self) -> dict[str, int]:
        """The ports of the services served at their own root (``Settings.serve``); only while started."""
        if self._port is None:
            raise RuntimeError("the sandbox server is not started")
        return dict(self._service_ports)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (IPv6 loopback in brackets)."""
        host = "127.0.0.1" if self.settings.host == "localhost" else self.settings.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def _bind(self, port: int) -> socket.socket:
        host = "127.0.0.1" if self.settings.host == "localhost" else self.settings.host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        self._sockets.append(sock)
        return sock

    def _bind_all(self) -> ServicePortRouter:
        """Bind the shared port and each service's own; the app routed by the port a request came in on."""
        try:
            self._port = int(self._bind(self.settings.port).getsockname()[1])
            for name, port in self.settings.serve.items():
                self._service_ports[name] = int(self._bind(port).getsockname()[1])
        except OSError:
            self._cleanup()
            raise
        services = {port: SERVICE_NAMES[name] for name, port in self._service_ports.items()}
        return ServicePortRouter(self.app, services)

    def start(self) -> Self:
        """Bind, start uvicorn in a daemon thread and wait until it serves; return ``self``."""
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already started")
        routed = self._bind_all()
        config = uvicorn.Config(
            routed,
            log_level=self.settings.log_level,
            access_log=self.settings.log_level in _VERBOSE_LEVELS,
            lifespan="off",
            # A request held by a "slow" fault must not hold up stop() for its whole delay.
            timeout_graceful_shutdown=1,
        )
        # uvicorn.Config configures logging; the filter goes on after that.
        error_logger = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, DroppedConnectionLogFilter) for f in error_logger.filters):
            error_logger.addFilter(DroppedConnectionLogFilter())
        server = uvicorn.Server(config)
        self._server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": list(self._sockets)}, name="audio-sandbox", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not server.started:
            if not thread.is_alive():
                self._cleanup()
                raise RuntimeError("the sandbox server stopped while starting; see the log above")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox server did not start within {self.start_timeout} s")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, wait for its thread, release the socket. Safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"the sandbox server did not stop within {timeout} s")
        self._cleanup()
        self.state.close()

    def _cleanup(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []
        self._server = None
        self._thread = None
        self._port = None
        self._service_ports = {}
