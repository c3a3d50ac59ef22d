"""
:class:`ServedSandbox`: what :class:`~audio_sandbox.core.server.SandboxServer` (in this process) and
:class:`~audio_sandbox.process.SandboxProcess` (a child process) have in common.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from audio_sandbox.core.errors import SERVICE_NAMES, Service
from audio_sandbox.core.service_ports import api_path


class ServedSandbox(ABC):
    """The sandbox served on a loopback port: started, reached by its URL, stopped; a context manager."""

    @property
    @abstractmethod
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; only while started."""

    @property
    @abstractmethod
    def service_ports(self) -> dict[str, int]:
        """The services also served at the root of a port of their own, name -> port; only while started."""

    def service_url(self, name: str, *, own_port: bool = False) -> str:
        """
        A service's base URL on the sandbox, to use as a connection's host: under its prefix on the
        shared port (``http://127.0.0.1:P/audiopod/api/v1/voice``), or on its own port
        (``http://127.0.0.1:Q/api/v1/voice``, as on the vendor's host).

        :param name: ``audiostack``, ``aiozstream``, ``audiopod`` or ``aimlapi``.
        :param own_port: the URL on the service's own port (it must be served there: ``serve``).
        """
        service = _service(name)
        if own_port:
            return self.service_root_url(name) + api_path(service)
        return self.base_url + service.prefix

    def service_root_url(self, name: str) -> str:
        """
        The root of a service's own port, where it answers as the vendor's host does
        (``http://127.0.0.1:Q`` for ``https://api.audiopod.ai``): the base URL to give a vendor's client.

        :param name: a service given to ``serve``.
        :raises ValueError: when the service is not served on a port of its own.
        """
        _service(name)
        port = self.service_ports.get(name)
        if port is None:
            raise ValueError(
                f"{name} is not served on a port of its own; start the sandbox with serve={{{name!r}: 0}}"
            )
        host = self.base_url.rsplit(":", 1)[0]
        return f"{host}:{port}"

    @abstractmethod
    def start(self) -> Self:
        """Start serving and return ``self`` once the sandbox answers."""

    @abstractmethod
    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving, waiting up to ``timeout`` seconds. Safe to call twice."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _service(name: str) -> Service:
    try:
        return SERVICE_NAMES[name]
    except KeyError:
        raise ValueError(f"unknown service {name!r}; known: {', '.join(SERVICE_NAMES)}") from None
