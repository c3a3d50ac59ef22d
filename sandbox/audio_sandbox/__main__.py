"""
``python -m audio_sandbox [--port N] [--serve NAME=PORT ...] [...]``: serve the sandbox until
SIGTERM/SIGINT.

Once it serves it prints a line ``audio sandbox serving NAME at http://127.0.0.1:M`` for each
service given to ``--serve``, then ``audio sandbox listening on http://127.0.0.1:N`` (ports given
as 0 are named as the system picked them).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from audio_sandbox.core.server import SandboxServer
from audio_sandbox.core.settings import SettingsError, settings_from_sources
from audio_sandbox.process import LISTENING_PREFIX, SERVING_PREFIX


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox; return the process exit code."""
    try:
        settings = settings_from_sources(argv)
    except SettingsError as exc:
        print(f"audio sandbox: error: {exc}", file=sys.stderr)
        return 2
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        server = SandboxServer(settings).start()
    except (OSError, RuntimeError) as exc:
        ports = ", ".join(str(port) for port in (settings.port, *settings.serve.values()))
        print(f"audio sandbox: error: cannot serve on {settings.host} ports {ports}: {exc}", file=sys.stderr)
        return 1
    try:
        for name in server.service_ports:
            print(f"{SERVING_PREFIX}{name} at {server.service_root_url(name)}", flush=True)
        print(f"{LISTENING_PREFIX}{server.base_url}", flush=True)
        # A timed wait so the signal handler gets to run promptly on every platform.
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
