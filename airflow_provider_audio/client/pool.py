"""One pooled ``httpx.AsyncClient`` per event loop, shared by every async API client running in it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import ssl
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

# Requests in flight at once through one loop's pool: 50 answers of 200 ms each is 250 polls a
# second, five times what 1,000 triggers at the default 10 s interval need. httpcore's pool scans
# its queued requests against its connections on every request, so a request is only handed to it
# when a connection is free for it: beyond 50, requests wait their turn on a semaphore, in order.
# Every connection may stay open: closing the surplus after a burst only reopened it at the next
# (measured: 1,900 connects for 5,000 polls with 20 kept alive, 10% more CPU).
MAX_REQUESTS_IN_FLIGHT = 50
POOL_LIMITS = httpx.Limits(
    max_connections=MAX_REQUESTS_IN_FLIGHT,
    max_keepalive_connections=MAX_REQUESTS_IN_FLIGHT,
    keepalive_expiry=30.0,
)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """
    One TLS context for the process.

    A context of its own per client would load the CA bundle again (measured: 22 ms of CPU and
    835 KiB each, so 1,000 triggers starting together blocked the triggerer's event loop for 22 s).
    """
    return httpx.create_ssl_context()


def preload_async_path() -> None:
    """
    Do now what the first async request of the process would otherwise do inside the event loop:
    load the TLS context (about 22 ms) and anyio's asyncio backend, which httpcore imports when it
    opens its first connection (about 50 ms). Trigger modules call this as they are imported, which
    the triggerer does when it loads a trigger class, before any trigger runs.
    """
    shared_ssl_context()
    with contextlib.suppress(ImportError):  # a private module of anyio: only a head start if it moved
        importlib.import_module("anyio._backends._asyncio")


def _no_cookies() -> httpx.Cookies:
    """A cookie jar that keeps nothing: the shared client serves many connections and keys."""
    return httpx.Cookies(CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))


@dataclass
class SharedPool:
    """
    The running loop's shared client, and the turns to send through it.

    :param http: the client; credentials and timeouts are given per request, cookies are refused.
    :param users: async API clients holding it; the last to let go closes it.
    """

    http: httpx.AsyncClient
    users: int = 0
    turns: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_REQUESTS_IN_FLIGHT))

    @asynccontextmanager
    async def turn(self, wait_seconds: float | None) -> AsyncIterator[httpx.AsyncClient]:
        """
        Hold one of the in-flight slots while a request is sent and its answer read.

        :param wait_seconds: how long to wait for a slot; past it, ``httpx.PoolTimeout`` (nothing sent).
        """
        try:
            async with asyncio.timeout(wait_seconds):
                await self.turns.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(f"no free connection slot within {wait_seconds} s") from None
        try:
            yield self.http
        finally:
            self.turns.release()


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedPool] = weakref.WeakKeyDictionary()


def acquire_shared_pool() -> SharedPool:
    """
    The running loop's shared pool; every call must be paired with :func:`release_shared_pool`.

    Sharing keeps one connection pool for all triggers of a triggerer: 1,000 triggers polling the
    same host use a few keep-alive connections instead of one each. Nothing per connection or key
    lives on it: credentials and timeouts travel with each request, and cookies are refused.
    """
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None or pool.http.is_closed:
        pool = SharedPool(
            httpx.AsyncClient(verify=shared_ssl_context(), limits=POOL_LIMITS, cookies=_no_cookies())
        )
        _pools[loop] = pool
    pool.users += 1
    return pool


async def release_shared_pool(pool: SharedPool) -> None:
    """Give back a pool from :func:`acquire_shared_pool`; the last user closes its connections."""
    loop = asyncio.get_running_loop()
    if _pools.get(loop) is not pool:
        # Not this loop's shared pool (its loop is gone, or it was closed and replaced): it is no
        # longer shared with anyone here, so it only needs closing.
        await pool.http.aclose()
        return
    pool.users -= 1
    if pool.users <= 0:
        del _pools[loop]
        await pool.http.aclose()


def shared_pool_users() -> int:
    """How many async API clients of the running loop hold the shared pool (0 when none)."""
    pool = _pools.get(asyncio.get_running_loop())
    return pool.users if pool is not None else 0
