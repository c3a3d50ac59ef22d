"""
Integration tests: the provider's hooks and clients against the live sandbox, over real HTTP.

Every test starts from a reset sandbox (no jobs, no counters, no faults) with the fault dice
switched off, and leaves no scripted fault behind for the next one.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import pytest
import requests

from airflow_provider_audio.client.http import ApiResponse
from airflow_provider_audio.client.routes.audiostack import BuildState, BuildStatus
from airflow_provider_audio.client.service import Endpoint, RetryPolicy
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.base import AudioServiceHook
from tests.conftest import SANDBOX_KEY

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

Mode = Literal["sync", "async"]
MODES: tuple[Mode, ...] = ("sync", "async")

WRONG_KEY = "wrong-key-0b5e17d2"
#: Tight enough that a whole retry sequence takes well under a second, unless a service asks for more.
FAST_RETRIES = RetryPolicy(max_attempts=4, initial_wait=0.05, max_wait=0.2, jitter=0)
#: Backoff before attempts 2, 3 and 4 of FAST_RETRIES: 0.05, then doubled, capped at 0.2.
FAST_RETRIES_TOTAL_BACKOFF = 0.05 + 0.1 + 0.2

VALID_AUDIOFORM: dict[str, Any] = {
    "header": {"version": "1"},
    "assets": {"speech": {"type": "tts", "text": "Hello there. This is a test.", "voice": "sara"}},
    "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
    "delivery": {"encoderPreset": "wav"},
}

# The knobs the session sandbox starts with (tests/conftest.py), restored around every test here.
_DEFAULT_KNOBS = {
    "build_seconds": 0.5,
    "fault_5xx_rate": 0.0,
    "fault_429_rate": 0.0,
    "fault_drop_rate": 0.0,
    "retry_after": 1.0,
}


class SandboxAdmin:
    """The sandbox's ``/_sandbox`` routes, for scripting faults and reading counters."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.url = server.base_url + "/_sandbox"

    def fault(self, match: str, kind: str, count: int = 1, **options: Any) -> None:
        """Script ``count`` faults of ``kind`` for requests matching ``match``."""
        body = {"match": match, "kind": kind, "count": count, **options}
        response = requests.post(self.url + "/faults", json=body, timeout=5)
        assert response.status_code == 201, response.text

    def pending_faults(self) -> list[dict[str, Any]]:
        response = requests.get(self.url + "/faults", timeout=5)
        response.raise_for_status()
        faults: list[dict[str, Any]] = response.json()["faults"]
        return faults

    def stats(self) -> dict[str, Any]:
        response = requests.get(self.url + "/stats", timeout=5)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def count(self, route_key: str) -> int:
        """Requests the sandbox received for ``"METHOD /route/template"`` (faulted ones included)."""
        requests_by_route: dict[str, int] = self.stats()["requests"]
        return requests_by_route.get(route_key, 0)

    def audioforms(self, counter: str = "created") -> int:
        count: int = self.stats()["audioforms"][counter]
        return count

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Poll ``predicate`` until it holds or ``timeout`` passes; return its last value."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return predicate()
            time.sleep(0.05)
        return True


@pytest.fixture(autouse=True)
def admin(sandbox_reset: SandboxServer) -> Iterator[SandboxAdmin]:
    """A reset sandbox with default knobs; scripted faults a test did not use are cleared after it."""
    helper = SandboxAdmin(sandbox_reset)
    requests.patch(helper.url + "/settings", json=_DEFAULT_KNOBS, timeout=5).raise_for_status()
    yield helper
    requests.delete(helper.url + "/faults", timeout=5).raise_for_status()


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, conn_type: str, **fields: Any) -> str:
    """Define Airflow connection ``conn_id`` through its ``AIRFLOW_CONN_*`` variable; return the id."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": conn_type, **fields}))
    return conn_id


@pytest.fixture
def audiostack_conn(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> str:
    return set_connection(
        monkeypatch,
        "audiostack_it",
        "audiostack",
        host=sandbox.service_url("audiostack"),
        password=SANDBOX_KEY,
    )


@pytest.fixture
def aioz_conn(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> str:
    """AIOZ Stream with the public/secret key pair."""
    return set_connection(
        monkeypatch,
        "aiozstream_it",
        "aiozstream",
        host=sandbox.service_url("aiozstream"),
        password=SANDBOX_KEY,
        extra={"public_key": sandbox.settings.aioz_public_key},
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound by a socket that never listens: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


H = TypeVar("H", bound=AudioServiceHook)


class HookFactory:
    """Builds hooks for one test and closes their async clients after it."""

    def __init__(self) -> None:
        self.made: list[AudioServiceHook] = []

    def __call__(self, hook_class: type[H], conn_id: str, **kwargs: Any) -> H:
        hook = hook_class(conn_id, **kwargs)
        self.made.append(hook)
        return hook

    async def aclose(self) -> None:
        for hook in self.made:
            await hook.aclose()


@pytest.fixture
async def make_hook() -> AsyncIterator[HookFactory]:
    factory = HookFactory()
    yield factory
    await factory.aclose()


async def call(mode: Mode, hook: AudioServiceHook, endpoint: Endpoint, **kwargs: Any) -> ApiResponse:
    """
    One call through the hook's sync client (in a worker thread, as a task would make it) or
    through its async client (in this event loop, as a trigger would).
    """
    if mode == "sync":
        return await asyncio.to_thread(lambda: hook.get_conn().call(endpoint, **kwargs))
    client = await hook.aget_client()
    return await client.call(endpoint, **kwargs)


def wait_built(hook: AudioStackHook, audioform_id: str, timeout: float = 15.0) -> BuildStatus:
    """Poll ``hook.get_audioform`` until the build has finished; fail the test past ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        status = hook.get_audioform(audioform_id)
        if status.state is not BuildState.BUILDING:
            return status
        assert time.monotonic() < deadline, f"audioform {audioform_id} not built within {timeout} s"
        time.sleep(0.1)
