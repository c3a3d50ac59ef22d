"""The two HTTP paths that execute endpoint descriptions: ``requests`` in tasks, ``httpx`` in triggers.

Both share :class:`BaseApiClient`: how a call is prepared, how an answer is read, and when a failed
call is tried again. What may be retried, and why:

- a 429 means the service refused without acting, and a refused connection (or connect timeout)
  means the request never arrived: both are retried on every route, billed ones included;
- a 5xx, a dropped connection or a read timeout may come after the service started the work:
  they are retried only on routes whose :attr:`Endpoint.resend_after_loss` says a second request
  has the effect of one.

Waits grow exponentially with jitter, honour the service's own ``Retry-After`` (AIOZ's
``X-RateLimit-Retry-After``), and are bounded in attempts and in time (:class:`RetryPolicy`).

Before any of that, a route of a service with published rate limits waits its turn in the key's
:class:`~airflow_provider_audio.client.ratelimit.RateBudget` (every attempt does), and every answer
updates the budget from the server's ``X-RateLimit-*`` count, so 429s stay rare instead of retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import json
import logging
import random
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, TypedDict, Unpack

import httpx
import requests
import urllib3.exceptions
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)

from airflow_provider_audio.client.errors import error_for_status
from airflow_provider_audio.client.ratelimit import (
    RateBudget,
    RateSettings,
    rate_settings_from_extra,
    shared_budget,
)
from airflow_provider_audio.client.service import ClientSettings, Credentials, Endpoint, RetryPolicy
from airflow_provider_audio.exceptions import (
    AudioServiceError,
    AudioServiceRateLimitError,
    AudioServiceServerError,
    AudioServiceTransportError,
)

log = logging.getLogger(__name__)

USER_AGENT = "airflow-provider-audio"

# Multipart files as (field name, (file name, bytes, content type)); a field may repeat.
FormFiles = Sequence[tuple[str, tuple[str, bytes, str]]]


@dataclass(frozen=True)
class PreparedCall:
    """
    Everything needed to send one request, independent of the HTTP library.

    :param endpoint: the endpoint being called.
    :param url: absolute URL without the query string.
    :param path: the filled-in route, used in error messages (never the host, never a query).
    :param headers: all headers, authentication included.
    :param params: query parameters.
    :param json_body: a JSON body, or ``None``.
    :param form: multipart form fields, or ``None``.
    :param files: multipart files as ``(field, (filename, bytes, content type))`` pairs, or ``None``.
    :param content: a raw body (bytes, or a re-iterable of chunks with a length), or ``None``.
    """

    endpoint: Endpoint
    url: str
    path: str
    headers: Mapping[str, str] = field(repr=False)
    params: Mapping[str, Any] | None = None
    json_body: Any = None
    form: Mapping[str, str] | None = None
    files: FormFiles | None = field(default=None, repr=False)
    content: Any = field(default=None, repr=False)


@dataclass(frozen=True)
class ApiResponse:
    """
    A successful (or "still working") answer.

    :param status: HTTP status.
    :param body: parsed JSON, text, or ``None`` for an empty body.
    :param headers: response headers.
    :param pending: the status is one the endpoint uses for "accepted, still working".
    """

    status: int
    body: Any
    headers: Mapping[str, str]
    pending: bool

    def json_object(self) -> dict[str, Any]:
        """The body, which must be a JSON object."""
        if not isinstance(self.body, dict):
            raise ValueError(f"expected a JSON object, got {type(self.body).__name__}")
        return self.body


class CallOptions(TypedDict, total=False):
    """
    What a call may carry besides its endpoint, for both HTTP paths.

    :param path_params: values of the route's ``{placeholders}``.
    :param params: query parameters (``None`` values are left out).
    :param json_body: a JSON body.
    :param headers: extra headers.
    :param form: multipart form fields.
    :param files: multipart files.
    :param content: a raw body (bytes, or a re-iterable of chunks with a length).
    """

    path_params: dict[str, str] | None
    params: Mapping[str, Any] | None
    json_body: Any
    headers: Mapping[str, str] | None
    form: Mapping[str, str] | None
    files: FormFiles | None
    content: Any


def parse_body(content: bytes) -> Any:
    """The body as JSON when it is JSON, else as text (``None`` when empty)."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def may_retry(error: BaseException, resend_after_loss: bool) -> bool:
    """Whether ``error`` may be retried on a route whose ``resend_after_loss`` is given."""
    if isinstance(error, AudioServiceRateLimitError):
        return True
    if isinstance(error, AudioServiceTransportError):
        return not error.request_sent or resend_after_loss
    if isinstance(error, AudioServiceServerError):
        return resend_after_loss
    return False


def _wait_seconds(policy: RetryPolicy, retry_state: RetryCallState) -> float:
    """The wait before the next attempt: the service's own ``Retry-After`` if it gave one."""
    error = retry_state.outcome.exception() if retry_state.outcome else None
    asked = error.retry_after if isinstance(error, AudioServiceError) else None
    backoff = min(policy.max_wait, policy.initial_wait * (2 ** max(0, retry_state.attempt_number - 1)))
    wait = asked if asked is not None else backoff
    return wait + random.uniform(0, policy.jitter * max(wait, policy.initial_wait))


def _log_retry(retry_state: RetryCallState) -> None:
    error = retry_state.outcome.exception() if retry_state.outcome else None
    log.warning(
        "Attempt %d failed (%s); retrying in %.2f s",
        retry_state.attempt_number,
        error,
        retry_state.upcoming_sleep,
    )


def retry_arguments(policy: RetryPolicy, *, resend_after_loss: bool) -> dict[str, Any]:
    """
    Keyword arguments for ``tenacity.Retrying`` / ``AsyncRetrying`` for one call.

    :param policy: the bounds.
    :param resend_after_loss: whether the request may be sent again after its answer was lost.
    """
    return {
        "retry": retry_if_exception(lambda error: may_retry(error, resend_after_loss)),
        "wait": lambda retry_state: _wait_seconds(policy, retry_state),
        "stop": stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_elapsed),
        "before_sleep": _log_retry,
        "reraise": True,
    }


# Failures that prove the request never reached the server: even a billed call may be sent again.
_NOT_SENT_URLLIB3 = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
_NOT_SENT_HTTPX = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _requests_error_not_sent(error: requests.RequestException) -> bool:
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = error.args[0] if error.args else None
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reason = reason.reason
        return isinstance(reason, _NOT_SENT_URLLIB3)
    return False


# -- one pooled httpx.AsyncClient per event loop, shared by every async API client in it -------------

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


class BaseApiClient:
    """
    What both HTTP paths share: preparing a call, reading its answer, and the retry rule.

    :param settings: base URL, credentials, timeouts and retry bounds (from the hook's connection).
    """

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self.service = settings.service
        self.base_url = settings.base_url
        self.credentials: Credentials = settings.credentials
        self.timeouts = settings.timeouts
        self.retry_policy = settings.retry_policy
        # Only a service that publishes limits is paced, or reads the pacing extras.
        self.rate_settings: RateSettings | None = None
        if settings.service.rate_limits:
            self.rate_settings = rate_settings_from_extra(settings.service, settings.extra)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(service={self.service.name!r}, base_url={self.base_url!r})"

    def _prepare(self, endpoint: Endpoint, options: CallOptions) -> PreparedCall:
        path = endpoint.path(options.get("path_params"))
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **self.credentials.headers}
        headers.update(options.get("headers") or {})
        params = {key: value for key, value in (options.get("params") or {}).items() if value is not None}
        return PreparedCall(
            endpoint=endpoint,
            url=self.base_url.rstrip("/") + path,
            path=path,
            headers=headers,
            params=params or None,
            json_body=options.get("json_body"),
            form=options.get("form"),
            files=options.get("files"),
            content=options.get("content"),
        )

    def _budget(self, endpoint: Endpoint) -> RateBudget | None:
        """The process's shared rate budget of this key for ``endpoint``'s class, if it is paced."""
        if endpoint.rate_class is None or self.rate_settings is None:
            return None
        return shared_budget(self.base_url, self.credentials, endpoint.rate_class, self.rate_settings)

    def _retrying(self, endpoint: Endpoint) -> dict[str, Any]:
        return retry_arguments(self.retry_policy, resend_after_loss=endpoint.resend_after_loss)

    def _answer(
        self, call: PreparedCall, status: int, headers: Mapping[str, str], content: bytes
    ) -> ApiResponse:
        """Turn a raw answer into an :class:`ApiResponse`, or raise the typed error for it."""
        body = parse_body(content)
        if status >= 400:
            error = error_for_status(
                service=self.service.name,
                method=call.endpoint.method,
                route=call.path,
                status=status,
                headers=headers,
                body=body,
                retry_after_headers=self.service.retry_after_headers,
            )
            error.api_message = self.credentials.scrub(error.api_message)
            error.args = tuple(self.credentials.scrub(str(arg)) for arg in error.args)
            raise error
        return ApiResponse(
            status=status, body=body, headers=headers, pending=status in call.endpoint.pending_statuses
        )

    def _transport_error(
        self, call: PreparedCall, error: Exception, *, sent: bool
    ) -> AudioServiceTransportError:
        name = type(error).__name__
        return AudioServiceTransportError(
            request_sent=sent,
            service=self.service.name,
            method=call.endpoint.method,
            route=call.path,
            api_message=self.credentials.scrub(f"{name}: {error}" if str(error) else name),
        )


class SyncApiClient(BaseApiClient):
    """
    Executes endpoint descriptions over ``requests``, in tasks.

    :param settings: base URL, credentials, timeouts and retry bounds.
    :param session: a ``requests.Session`` to reuse; one is made when not given.
    """

    def __init__(self, settings: ClientSettings, *, session: requests.Session | None = None) -> None:
        super().__init__(settings)
        self.session = session or requests.Session()

    def call(self, endpoint: Endpoint, **options: Unpack[CallOptions]) -> ApiResponse:
        """
        Call ``endpoint``; retries as the policy allows, then returns or raises a typed error.

        A raw ``content`` body that is an iterable must yield its chunks anew on every iteration,
        since a retry sends it again.
        """
        response: ApiResponse = Retrying(**self._retrying(endpoint))(
            self._send, self._prepare(endpoint, options)
        )
        return response

    def _send(self, call: PreparedCall) -> ApiResponse:
        budget = self._budget(call.endpoint)
        if budget is not None:
            wait = budget.reserve()
            if wait > 0:
                log.debug("Rate budget of %s %s: waiting %.2f s", self.service.name, call.endpoint.name, wait)
                time.sleep(wait)
        try:
            raw = self.session.request(
                call.endpoint.method,
                call.url,
                headers=dict(call.headers),
                params=call.params,
                json=call.json_body,
                data=call.content if call.content is not None else call.form,
                files=call.files,
                timeout=(self.timeouts.connect, self.timeouts.read),
            )
        except requests.RequestException as error:
            raise self._transport_error(call, error, sent=not _requests_error_not_sent(error)) from None
        if budget is not None:
            budget.observe(raw.headers, admitted=raw.status_code != 429)
        return self._answer(call, raw.status_code, raw.headers, raw.content)

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()


class AsyncApiClient(BaseApiClient):
    """
    Executes the same endpoint descriptions over ``httpx``, in the triggerer's event loop.

    Without a transport, requests go through the running loop's shared connection pool
    (:func:`acquire_shared_pool`); triggers use settings with
    ``RetryPolicy.no_retries()``, because their poll loop already retries.

    :param settings: base URL, credentials, timeouts and retry bounds.
    :param transport: an ``httpx`` transport to use instead of the network (unit tests).
    """

    def __init__(
        self, settings: ClientSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings)
        self._timeout = httpx.Timeout(self.timeouts.read, connect=self.timeouts.connect)
        self._own_http = httpx.AsyncClient(transport=transport) if transport is not None else None
        self._shared_pool: SharedPool | None = None

    async def __aenter__(self) -> AsyncApiClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def call(self, endpoint: Endpoint, **options: Unpack[CallOptions]) -> ApiResponse:
        """:meth:`SyncApiClient.call`, awaited."""
        retrying = AsyncRetrying(**self._retrying(endpoint))
        response: ApiResponse = await retrying(self._send, self._prepare(endpoint, options))
        return response

    async def _send(self, call: PreparedCall) -> ApiResponse:
        budget = self._budget(call.endpoint)
        if budget is not None:
            wait = budget.reserve()
            if wait > 0:  # before taking a turn in the shared pool: waiting holds no connection slot
                log.debug("Rate budget of %s %s: waiting %.2f s", self.service.name, call.endpoint.name, wait)
                await asyncio.sleep(wait)
        try:
            if self._own_http is not None:
                raw = await self._request(self._own_http, call)
            else:
                if self._shared_pool is None:
                    self._shared_pool = acquire_shared_pool()
                async with self._shared_pool.turn(self._timeout.pool) as http:
                    raw = await self._request(http, call)
        except httpx.TransportError as error:
            raise self._transport_error(call, error, sent=not isinstance(error, _NOT_SENT_HTTPX)) from None
        if budget is not None:
            budget.observe(raw.headers, admitted=raw.status_code != 429)
        return self._answer(call, raw.status_code, raw.headers, raw.content)

    async def _request(self, http: httpx.AsyncClient, call: PreparedCall) -> httpx.Response:
        return await http.request(
            call.endpoint.method,
            call.url,
            headers=dict(call.headers),
            params=dict(call.params) if call.params else None,
            json=call.json_body,
            data=call.form,
            files=call.files,
            timeout=self._timeout,
        )

    async def aclose(self) -> None:
        """Close this client's connections, or give back its share of the loop's pool."""
        if self._own_http is not None:
            await self._own_http.aclose()
        if self._shared_pool is not None:
            shared, self._shared_pool = self._shared_pool, None
            await release_shared_pool(shared)
