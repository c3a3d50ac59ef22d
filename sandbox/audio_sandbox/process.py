"""
:class:`SandboxProcess`: ``python -m audio_sandbox`` as a child process, for benchmarks, demos and
tests that need the sandbox outside their own process (Airflow components, other interpreters).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Self

from audio_sandbox.core.served import ServedSandbox
from audio_sandbox.core.settings import flag

#: What ``python -m audio_sandbox`` prints, followed by its base URL, once it serves.
LISTENING_PREFIX = "audio sandbox listening on "
#: What it prints before that for each service at the root of its own port: ``NAME at URL``.
SERVING_PREFIX = "audio sandbox serving "
#: Lines of the log quoted in the error when the sandbox does not start.
_LOG_LINES_QUOTED = 20


class SandboxProcess(ServedSandbox):
    """
    ``python -m audio_sandbox`` on a free loopback port, in a session and process group of its own.

    ``with SandboxProcess(api_key="k", build_seconds=3) as sandbox: sandbox.service_url("audiostack")``

    The child's stdout and stderr go to ``log``: stdout is read through a pipe for the listening line,
    then copied on by a thread, so a chatty sandbox (``log_level="info"`` prints access lines) never
    fills the pipe and blocks.

    :param api_key: the key every emulated service accepts (``--api-key``).
    :param log: file for the child's output, emptied at start and named in errors; ``None``: its
        stderr is this process's and its stdout is dropped.
    :param env: the child's environment; ``None``: this process's.
    :param cwd: the child's working directory; ``None``: this process's.
    :param start_timeout: seconds :meth:`start` waits for the sandbox to serve.
    :param knobs: further flags without the dashes (``build_seconds=3`` -> ``--build-seconds 3``); a
        mapping is one flag per item (``serve={"audiopod": 0}`` -> ``--serve audiopod=0``).
    """

    def __init__(
        self,
        *,
        api_key: str,
        log: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        start_timeout: float = 30.0,
        **knobs: float | str | Mapping[str, int],
    ) -> None:
        self.api_key = api_key
        self.log = log
        self.env = env
        self.cwd = cwd
        self.start_timeout = start_timeout
        self.knobs = knobs
        self._process: subprocess.Popen[bytes] | None = None
        self._base_url: str | None = None
        self._service_ports: dict[str, int] = {}
        # Until the copying thread takes them over: the read end of the child's stdout, our fd of the log.
        self._stdout: IO[bytes] | None = None
        self._log_fd: int | None = None
        self._copier: threading.Thread | None = None

    @property
    def argv(self) -> list[str]:
        """The child's command line."""
        args = [sys.executable, "-m", "audio_sandbox", "--port", "0", "--api-key", self.api_key]
        for knob, value in self.knobs.items():
            if isinstance(value, Mapping):
                for key, item in value.items():
                    args += [flag(knob), f"{key}={item}"]
            else:
                args += [flag(knob), str(value)]
        return args

    @property
    def pid(self) -> int:
        """The child's pid, which is also its session and process group id."""
        if self._process is None:
            raise RuntimeError("the sandbox process is not started")
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """The child's exit code; ``None`` while it runs (or before :meth:`start`)."""
        return None if self._process is None else self._process.poll()

    @property
    def service_ports(self) -> dict[str, int]:
        """The ports of the services served at their own root, as the sandbox announced them."""
        if self._base_url is None:
            raise RuntimeError("the sandbox process is not serving")
        return dict(self._service_ports)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, as the sandbox announced it; only while started."""
        if self._base_url is None:
            raise RuntimeError("the sandbox process is not serving")
        return self._base_url

    def start(self) -> Self:
        """
        Start the child and wait until it serves; return ``self``.

        :raises RuntimeError: when it exits or stays silent past ``start_timeout`` (it is stopped
            first), naming its log.
        """
        if self._process is not None:
            raise RuntimeError("the sandbox process is already started")
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            # O_APPEND: the child's stderr and the copied stdout share the file without overwriting.
            self._log_fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
        try:
            self._process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._log_fd,
                env=None if self.env is None else dict(self.env),
                cwd=self.cwd,
                start_new_session=True,
            )
            self._stdout = self._process.stdout
            self._base_url = self._read_base_url()
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"{exc}{self._where_to_look()}") from None
        except BaseException:
            self.stop()
            raise
        assert self._stdout is not None
        # From here on the copying thread owns the pipe and our fd of the log, and closes them.
        self._copier = threading.Thread(
            target=_copy_until_closed,
            args=(self._stdout, self._log_fd),
            name=f"audio-sandbox-{self.pid}-stdout",
            daemon=True,
        )
        self._stdout = self._log_fd = None
        self._copier.start()
        return self

    def _read_base_url(self) -> str:
        """Read the child's stdout up to the listening line (noting the service ports announced before
        it), at most until the deadline."""
        assert self._stdout is not None
        fd = self._stdout.fileno()
        deadline = time.monotonic() + self.start_timeout
        pending = b""
        while True:
            *lines, pending = pending.split(b"\n")
            for line in lines:
                text = line.decode(errors="replace").strip()
                if text.startswith(SERVING_PREFIX):
                    name, _, url = text.removeprefix(SERVING_PREFIX).partition(" at ")
                    self._service_ports[name] = int(url.rsplit(":", 1)[1])
                if text.startswith(LISTENING_PREFIX):
                    return text.removeprefix(LISTENING_PREFIX)
            remaining = deadline - time.monotonic()
            # os.read after select, not readline: a buffered reader could hold lines select never sees.
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise RuntimeError(f"the sandbox did not serve within {self.start_timeout:g} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                assert self._process is not None
                # The child closes its stdout as it exits: its exit code follows at once.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(5)
                raise RuntimeError(f"the sandbox exited with code {self.returncode} before it served")
            if self._log_fd is not None:
                os.write(self._log_fd, chunk)
            pending += chunk

    def _where_to_look(self) -> str:
        """Where to read why the sandbox did not start: its log's path and last lines."""
        if self.log is None:
            return "; its stderr is this process's"
        lines = self.log.read_text(errors="replace").splitlines()[-_LOG_LINES_QUOTED:]
        return f"; see {self.log}:\n" + "\n".join(lines)

    def _signal_group(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signum)

    def stop(self, timeout: float = 10.0) -> None:
        """
        SIGTERM to the child's process group, up to ``timeout`` seconds to exit, then SIGKILL.
        Safe to call twice.

        :raises RuntimeError: if the child outlives SIGKILL by ``timeout`` seconds.
        """
        process = self._process
        self._base_url = None
        self._service_ports = {}
        if process is not None and process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    raise RuntimeError(f"the sandbox (pid {process.pid}) outlived SIGKILL") from None
        if self._copier is not None:
            # The pipe closes with the child; a grandchild still holding it would leave the thread be.
            self._copier.join(timeout)
            self._copier = None
        if self._stdout is not None:
            self._stdout.close()
            self._stdout = None
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None


def _copy_until_closed(stdout: IO[bytes], log_fd: int | None) -> None:
    """Copy the child's stdout to the log (or nowhere) until the child closes it; then close both."""
    try:
        while chunk := os.read(stdout.fileno(), 65536):
            if log_fd is not None:
                os.write(log_fd, chunk)
    finally:
        stdout.close()
        if log_fd is not None:
            os.close(log_fd)
