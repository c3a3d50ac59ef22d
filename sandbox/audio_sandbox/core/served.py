"""
:class:`ServedSandbox`: what :class:`~audio_sandbox.core.server.SandboxServer` (in this process) and
:class:`~audio_sandbox.process.SandboxProcess` (a child process) have in common.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from audio_sandbox.core.errors import SERVICE_NAMES


class ServedSandbox(ABC):
    """The sandbox served on a loopback port: started, reached by its URL, stopped; a context manager."""

    @property
    @abstractmethod
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; only while started."""

    def service_url(self, name: str) -> str:
        """
        A service's base URL on the sandbox, to use as a connection's host.

        :param name: ``audiostack``, ``aiozstream``, ``audiopod`` or ``aimlapi``.
        """
        try:
            service = SERVICE_NAMES[name]
        except KeyError:
            raise ValueError(f"unknown service {name!r}; known: {', '.join(SERVICE_NAMES)}") from None
        return self.base_url + service.prefix

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
