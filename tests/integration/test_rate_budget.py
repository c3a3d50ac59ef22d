"""
The rate budget over real HTTP: the sandbox counts AIOZ reads in short windows (its limits switched
on), and several clients at once ask for more than a window allows: threads of sync clients (as
the tasks of one process would), coroutines of async clients (as the triggers of one triggerer),
and processes of their own (as tasks on Celery workers, each in a process).

Paced, they get next to no 429 and take about the rate-limit floor (requests / limit * window);
with pacing off, the same load is a storm of 429s, each retried after the wait the server asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from audio_sandbox import SandboxServer

from airflow_provider_audio.client.http import AsyncApiClient, SyncApiClient
from airflow_provider_audio.client.ratelimit import forget_budgets
from airflow_provider_audio.client.routes import aiozstream as routes
from airflow_provider_audio.client.service import ClientSettings, Credentials, RetryPolicy
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from tests.conftest import SANDBOX_KEY
from tests.integration.conftest import HookFactory, SandboxAdmin, set_connection

LIMIT = 50  # reads per window
WINDOW = 1.0  # seconds (AIOZ: 60)
CLIENTS = 10
PER_CLIENT = 15
REQUESTS = CLIENTS * PER_CLIENT
FLOOR = REQUESTS / LIMIT * WINDOW  # 3 s
ROUTE = "GET /aiozstream/api/user/me"
# Enough attempts that the unpaced storm still ends in answers: the test counts 429s, not failures.
PATIENT = RetryPolicy(max_attempts=30, max_elapsed=60.0)


@dataclass
class Figures:
    requests: int
    rate_limited: int
    wall: float

    def line(self, label: str) -> str:
        share = self.rate_limited / (self.requests + self.rate_limited)
        return (
            f"{label}: {self.requests} reads, {self.rate_limited} 429s ({share:.1%} of requests sent), "
            f"wall {self.wall:.2f} s, floor {FLOOR:.2f} s ({self.wall / FLOOR:.2f}x)"
        )


@pytest.fixture
def limited(admin: SandboxAdmin, sandbox: SandboxServer) -> Iterator[SandboxAdmin]:
    """The sandbox counting AIOZ reads, LIMIT per WINDOW; a process with no budget yet."""
    # A read through each client first, uncounted: the first exchange of a process and of the
    # sandbox (the spec judge reads the vendor's spec then) is slow once, and not what is measured.
    settings = ClientSettings(
        routes.SERVICE,
        sandbox.service_url("aiozstream"),
        Credentials.basic(sandbox.settings.aioz_public_key, SANDBOX_KEY),
    )
    with contextlib.closing(SyncApiClient(settings)) as client:
        client.call(routes.GET_ME)

    async def async_read() -> None:
        async with AsyncApiClient(settings) as client:
            await client.call(routes.GET_ME)

    asyncio.run(async_read())
    forget_budgets()
    knobs = {"aioz_read_limit": LIMIT, "aioz_rate_window_seconds": WINDOW}
    requests.patch(admin.url + "/settings", json=knobs, timeout=5).raise_for_status()
    requests.post(admin.url + "/reset", timeout=5).raise_for_status()
    yield admin
    off = {"aioz_read_limit": 0, "aioz_rate_window_seconds": 60.0}
    requests.patch(admin.url + "/settings", json=off, timeout=5).raise_for_status()
    forget_budgets()


def connection(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, *, paced: bool) -> str:
    return set_connection(
        monkeypatch,
        "aiozstream_budget",
        "aiozstream",
        host=sandbox.service_url("aiozstream"),
        password=SANDBOX_KEY,
        extra={
            "public_key": sandbox.settings.aioz_public_key,
            "rate_pacing": paced,
            "rate_limit_read": LIMIT,
            "rate_window_seconds": WINDOW,
        },
    )


def rate_limited(admin: SandboxAdmin) -> int:
    """The sandbox's 429s: every read it received beyond the ones answered."""
    return admin.count(ROUTE) - REQUESTS


def threads(conn_id: str) -> float:
    hooks = [AiozStreamHook(conn_id, retry_policy=PATIENT) for _ in range(CLIENTS)]
    clients = [hook.get_conn() for hook in hooks]

    def reads(client_index: int) -> None:
        for _ in range(PER_CLIENT):
            assert clients[client_index].call(routes.GET_ME).status == 200

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(reads, range(CLIENTS)))
    wall = time.monotonic() - started
    for client in clients:
        client.close()
    return wall


async def coroutines(conn_id: str, make_hook: HookFactory) -> float:
    clients = [
        await make_hook(AiozStreamHook, conn_id, retry_policy=PATIENT).aget_client() for _ in range(CLIENTS)
    ]

    async def reads(client_index: int) -> None:
        for _ in range(PER_CLIENT):
            assert (await clients[client_index].call(routes.GET_ME)).status == 200

    started = time.monotonic()
    await asyncio.gather(*(reads(index) for index in range(CLIENTS)))
    return time.monotonic() - started


@pytest.mark.parametrize("paced", [True, False], ids=["paced", "unpaced"])
def test_threads_of_sync_clients(
    paced: bool, limited: SandboxAdmin, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer
) -> None:
    wall = threads(connection(monkeypatch, sandbox, paced=paced))
    check(Figures(REQUESTS, rate_limited(limited), wall), paced, CLIENTS, "sync clients, threads")


@pytest.mark.parametrize("paced", [True, False], ids=["paced", "unpaced"])
async def test_coroutines_of_async_clients(
    paced: bool,
    limited: SandboxAdmin,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: SandboxServer,
    make_hook: HookFactory,
) -> None:
    wall = await coroutines(connection(monkeypatch, sandbox, paced=paced), make_hook)
    check(Figures(REQUESTS, rate_limited(limited), wall), paced, CLIENTS, "async clients, tasks")


# A process of its own per client: its budget is its own, only the server's count is shared.
PROCESSES = 5
_CHILD = """
import json, sys, time
from airflow_provider_audio.client.http import SyncApiClient
from airflow_provider_audio.client.routes import aiozstream as routes
from airflow_provider_audio.client.service import ClientSettings, Credentials, RetryPolicy

base_url, public_key, key, extra, count = json.loads(sys.argv[1])
client = SyncApiClient(ClientSettings(routes.SERVICE, base_url, Credentials.basic(public_key, key),
    retry_policy=RetryPolicy(max_attempts=30, max_elapsed=60.0), extra=extra))
print("ready", flush=True)
sys.stdin.readline()
started = time.monotonic()
for _ in range(count):
    assert client.call(routes.GET_ME).status == 200
print(time.monotonic() - started, flush=True)
"""


def test_processes_share_the_budget_through_the_servers_count(
    limited: SandboxAdmin, sandbox: SandboxServer
) -> None:
    # Paced only: unpaced, processes fare as threads do (each client waits out its own 429s).
    paced = True
    extra = {"rate_pacing": paced, "rate_limit_read": LIMIT, "rate_window_seconds": WINDOW}
    argument = json.dumps(
        [
            sandbox.service_url("aiozstream"),
            sandbox.settings.aioz_public_key,
            SANDBOX_KEY,
            extra,
            REQUESTS // PROCESSES,
        ]
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, argument],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.getcwd()},
        )
        for _ in range(PROCESSES)
    ]
    try:
        for child in children:  # every child imported and its client built: then all start at once
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        walls = []
        for child in children:
            out, err = child.communicate(timeout=60)
            assert child.returncode == 0, err[-2000:]
            walls.append(float(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    # Measured 1.04-1.20x; five processes and the sandbox share this machine's two cores.
    check(
        Figures(REQUESTS, rate_limited(limited), max(walls)), paced, PROCESSES, "sync clients, processes", 2.5
    )


# The tight figure (1.03-1.2x the floor) is a benchmark's to state; here the bound only catches a
# limiter that throttles far below the limit, and holds on a loaded machine (3.9 s seen at 1.25x
# while a distributed test shared the two cores).
def check(figures: Figures, paced: bool, clients: int, label: str, slowest: float = 2.0) -> None:
    print("\n" + figures.line(f"{clients} {label}, {'paced' if paced else 'unpaced'}"))
    sent = figures.requests + figures.rate_limited
    if paced:
        assert figures.rate_limited <= 0.01 * sent
        # Not faster than the server allows (its first window opens with the first read), and
        # not much slower than the floor.
        assert FLOOR - WINDOW <= figures.wall <= slowest * FLOOR
    else:
        # The load is more than a window allows: every client runs into the limit, window after
        # window (each then waits the X-RateLimit-Retry-After the 429 asked for).
        assert figures.rate_limited >= clients
