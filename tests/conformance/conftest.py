"""
One sandbox for the conformance tests of AudioPod, AIML API and AIOZ Stream: every service also at
the root of a port of its own, as the vendors' clients expect their hosts to be.

The key starts with ``ap_`` because the official AudioPod client refuses any other key before
sending anything; the other services accept any key, so one key serves all four.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import requests

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

CONFORMANCE_KEY = "ap_conformance-5c2e9d41"
AIOZ_PUBLIC_KEY = "conformance-public-7b1f"
#: The JWT access token the sandbox accepts as AIOZ's ``Authorization: Bearer`` (header.payload.signature).
AIOZ_ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjb25mb3JtYW5jZSJ9.c2FuZGJveC1zaWduYXR1cmU"
SERVICES = ("audiostack", "aiozstream", "audiopod", "aimlapi")


@pytest.fixture(scope="session")
def conformance_sandbox() -> Iterator[SandboxServer]:
    """The sandbox with short waits (training, generation, transcoding) and a root port per service."""
    from audio_sandbox import SandboxServer

    with SandboxServer(
        api_key=CONFORMANCE_KEY,
        aioz_public_key=AIOZ_PUBLIC_KEY,
        aioz_access_token=AIOZ_ACCESS_TOKEN,
        serve=dict.fromkeys(SERVICES, 0),
        training_seconds=0.2,
        generation_seconds=0.3,
        transcode_seconds=0.2,
        build_seconds=0.2,
    ) as server:
        yield server


@pytest.fixture
def fresh_sandbox(conformance_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The conformance sandbox reset before a test, its run-time knobs restored after it."""
    admin = f"{conformance_sandbox.base_url}/_sandbox"
    knobs = requests.get(f"{admin}/settings", timeout=5).json()
    requests.post(f"{admin}/reset", timeout=5).raise_for_status()
    yield conformance_sandbox
    restored = {name: knobs[name] for name in ("audiopod_credits_cents", "aimlapi_credits")}
    requests.patch(f"{admin}/settings", json=restored, timeout=5).raise_for_status()
    requests.delete(f"{admin}/faults", timeout=5).raise_for_status()


def set_knobs(sandbox: SandboxServer, **knobs: float) -> None:
    """Change run-time knobs through ``PATCH /_sandbox/settings``, as an operator of the sandbox would."""
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json=knobs, timeout=5).raise_for_status()


def add_fault(sandbox: SandboxServer, match: str, kind: str, count: int = 1) -> None:
    """Script a fault (``POST /_sandbox/faults``) for the next ``count`` requests matching ``match``."""
    fault = {"match": match, "kind": kind, "count": count}
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()


def request_count(sandbox: SandboxServer, route: str) -> int:
    """Requests the sandbox counted for ``"METHOD /route/template"``."""
    stats = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    return int(stats["requests"].get(route, 0))
