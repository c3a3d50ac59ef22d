"""
Fault injection: scripted faults (``POST /_sandbox/faults``) and random ones (the rate knobs).

:class:`FaultInjector` decides, :class:`FaultMiddleware` acts. A faulted request never reaches
its route, so nothing is created by it -- except with ``slow``, which only delays the request,
and with ``after_acting``, which lets the route act and then loses its answer (a 5xx or a cut
connection in its place), as a gateway failing after the service committed would.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import math
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from audio_sandbox.core.context import request_id_in
from audio_sandbox.core.errors import (
    ADMIN_PREFIX,
    Service,
    error_body,
    reason,
    service_for_path,
)
from audio_sandbox.core.ratelimit import VENDOR_LIMITS, Category, aioz_category
from audio_sandbox.core.settings import Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

FAULT_KINDS: tuple[str, ...] = ("500", "502", "503", "429", "drop", "slow")
#: Kinds that may replace the answer of a request the route acted on (``after_acting``).
AFTER_ACTING_KINDS: tuple[str, ...] = ("500", "502", "503", "drop")
RETRY_AFTER_HEADERS: tuple[str, ...] = ("Retry-After", "X-RateLimit-Retry-After")
DEFAULT_SLOW_DELAY = 5.0
_RANDOM_5XX = (500, 502, 503)


class FaultSpecError(ValueError):
    """A scripted fault's description is invalid; the message says which field and why."""


@dataclass
class ScriptedFault:
    """
    A fault waiting for requests that match it.

    :param match: fnmatch pattern over ``"METHOD /actual/path"``.
    :param kind: one of :data:`FAULT_KINDS`.
    :param remaining: how many more matching requests get it.
    :param retry_after: seconds advertised on a 429 (``None``: the ``retry_after`` knob).
    :param retry_after_header: header carrying them outside AIOZ (``None``: ``Retry-After``).
    :param delay: seconds a ``slow`` fault waits before normal handling.
    :param skip: matching requests to let through untouched before the fault starts (to fail,
        say, the third part of an upload and not the first two).
    :param after_acting: let the route act first, then answer with the fault instead of its own
        answer (``drop`` and the 5xx kinds only): the lost answer of a request that took effect.
    """

    match: str
    kind: str
    remaining: int
    retry_after: float | None = None
    retry_after_header: str | None = None
    delay: float = DEFAULT_SLOW_DELAY
    skip: int = 0
    after_acting: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "kind": self.kind,
            "remaining": self.remaining,
            "retry_after": self.retry_after,
            "retry_after_header": self.retry_after_header,
            "delay": self.delay,
            "skip": self.skip,
            "after_acting": self.after_acting,
        }


@dataclass(frozen=True)
class Fault:
    """
    What happens to one request.

    :param kind: one of :data:`FAULT_KINDS`.
    :param retry_after: seconds advertised on a 429.
    :param retry_after_header: header carrying them outside AIOZ.
    :param delay: seconds of a ``slow`` fault.
    :param scripted: whether it came from a scripted fault rather than the dice.
    :param after_acting: whether the route acts before the fault replaces its answer.
    """

    kind: str
    retry_after: float
    retry_after_header: str = "Retry-After"
    delay: float = 0.0
    scripted: bool = False
    after_acting: bool = False


def _number(spec: Mapping[str, Any], key: str, default: float | None, minimum: float = 0.0) -> float | None:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise FaultSpecError(f"{key} must be a number >= {minimum:g}, got {value!r}")
    return float(value)


def parse_fault(spec: Any) -> ScriptedFault:
    """Validate a ``POST /_sandbox/faults`` body into a :class:`ScriptedFault`."""
    if not isinstance(spec, dict):
        raise FaultSpecError("the body must be a JSON object")
    known = {"match", "kind", "count", "retry_after", "retry_after_header", "delay", "skip", "after_acting"}
    unknown = set(spec) - known
    if unknown:
        raise FaultSpecError(f"unknown field(s): {', '.join(sorted(unknown))}")
    match = spec.get("match")
    if not isinstance(match, str) or not match:
        raise FaultSpecError(
            "match must be a non-empty fnmatch pattern such as 'POST /audiostack/audioforms*'"
        )
    kind = str(spec.get("kind", ""))
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"kind must be one of {', '.join(FAULT_KINDS)}, got {spec.get('kind')!r}")
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultSpecError(f"count must be an integer >= 1, got {count!r}")
    skip = spec.get("skip", 0)
    if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
        raise FaultSpecError(f"skip must be an integer >= 0, got {skip!r}")
    header = spec.get("retry_after_header")
    if header is not None and header not in RETRY_AFTER_HEADERS:
        raise FaultSpecError(
            f"retry_after_header must be one of {', '.join(RETRY_AFTER_HEADERS)}, got {header!r}"
        )
    delay = _number(spec, "delay", DEFAULT_SLOW_DELAY)
    assert delay is not None
    after_acting = spec.get("after_acting", False)
    if not isinstance(after_acting, bool):
        raise FaultSpecError(f"after_acting must be true or false, got {after_acting!r}")
    if after_acting and kind not in AFTER_ACTING_KINDS:
        raise FaultSpecError(
            f"after_acting applies to kinds {', '.join(AFTER_ACTING_KINDS)} "
            f"(a {kind} says the request was not acted on), got kind {kind!r}"
        )
    return ScriptedFault(
        match=match,
        kind=kind,
        remaining=count,
        retry_after=_number(spec, "retry_after", None),
        retry_after_header=header,
        delay=delay,
        skip=skip,
        after_acting=after_acting,
    )


class FaultInjector:
    """
    Decides which requests fail: scripted faults first (oldest first), then the dice.

    :param seed: seed of the dice; ``None`` for an unseeded generator.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._scripted: list[ScriptedFault] = []
        self._dice = random.Random(seed)

    def add(self, fault: ScriptedFault) -> None:
        with self._lock:
            self._scripted.append(fault)

    def clear(self) -> int:
        """Forget every scripted fault; return how many were pending."""
        with self._lock:
            count = len(self._scripted)
            self._scripted.clear()
            return count

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.as_dict() for fault in self._scripted]

    def chance(self, rate: float) -> bool:
        """One roll of the fault dice: ``True`` with probability ``rate``."""
        if rate <= 0:
            return False
        with self._lock:
            return self._dice.random() < rate

    def decide(self, method: str, path: str, settings: Settings) -> Fault | None:
        """The fault for this request, if any; consumes one use of a matching scripted fault."""
        target = f"{method} {path}"
        with self._lock:
            for fault in self._scripted:
                if fnmatch.fnmatchcase(target, fault.match):
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._scripted.remove(fault)
                    return Fault(
                        kind=fault.kind,
                        retry_after=settings.retry_after if fault.retry_after is None else fault.retry_after,
                        retry_after_header=fault.retry_after_header or "Retry-After",
                        delay=fault.delay,
                        scripted=True,
                        after_acting=fault.after_acting,
                    )
            rates = (settings.fault_drop_rate, settings.fault_5xx_rate, settings.fault_429_rate)
            if not any(rates):
                return None
            roll = self._dice.random()
            status_5xx = self._dice.choice(_RANDOM_5XX)
        if roll < rates[0]:
            return Fault("drop", settings.retry_after)
        if roll < rates[0] + rates[1]:
            return Fault(str(status_5xx), settings.retry_after)
        if roll < sum(rates):
            return Fault("429", settings.retry_after)
        return None


async def _discard(message: Message) -> None:
    """An ASGI ``send`` that loses the answer (the route has acted all the same)."""


class ConnectionDropped(Exception):
    """Raised after a truncated response so the server closes the connection mid-body."""


class DroppedConnectionLogFilter(logging.Filter):
    """
    Keeps the server's error log free of expected tracebacks: deliberately dropped connections,
    and ``slow`` faults cancelled because the server is stopping.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionDropped | asyncio.CancelledError)


def seconds_text(seconds: float) -> str:
    """``1.0`` -> ``"1"``, ``1.5`` -> ``"1.5"``."""
    return f"{seconds:g}"


def _aioz_limit(method: str, path: str) -> int:
    """AIOZ's documented per-minute limit of the request's category, advertised on injected 429s."""
    return VENDOR_LIMITS[aioz_category(method, path) or Category.READ]


def fault_headers(fault: Fault, service: Service | None, method: str, path: str) -> dict[str, str]:
    """Headers of an injected 429: AIOZ's X-RateLimit-* trio, else the chosen retry header."""
    if fault.kind != "429":
        return {}
    if service is Service.AIOZSTREAM:
        # AIOZ's spec types these headers as integers, so a fractional wait is rounded up.
        return {
            "X-RateLimit-Limit": str(_aioz_limit(method, path)),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Retry-After": str(math.ceil(fault.retry_after)),
        }
    # Elsewhere the value goes out as configured ("1", "1.5"), so sub-second waits stay testable.
    return {fault.retry_after_header: seconds_text(fault.retry_after)}


class FaultMiddleware:
    """
    ASGI middleware applying the injector's decision to every non-admin HTTP request.

    :param app: the wrapped application.
    :param injector: decides the faults.
    :param settings: returns the current settings (rates, retry_after).
    """

    def __init__(self, app: ASGIApp, injector: FaultInjector, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.injector = injector
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        fault = self.injector.decide(method, path, self.settings())
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.after_acting:
            await self.app(scope, receive, _discard)
        if fault.kind == "slow":
            await self._slow(scope, receive, send, fault.delay)
        elif fault.kind == "drop":
            await self._drop(send)
        else:
            await self._error(scope, receive, send, fault)

    async def _slow(self, scope: Scope, receive: Receive, send: Send, delay: float) -> None:
        # The body is read before the delay, as a server that got the request and then took long
        # would have it: the request is acted on even if the client times out meanwhile.
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        await asyncio.sleep(delay)

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _error(self, scope: Scope, receive: Receive, send: Send, fault: Fault) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        service = service_for_path(path)
        status = int(fault.kind)
        message = (
            f"Too many requests; retry after {seconds_text(fault.retry_after)} s"
            if status == 429
            else f"{reason(status)} (fault injected by the audio sandbox)"
        )
        body = error_body(service, status, message, request_id=request_id_in(scope), path=path)
        headers = fault_headers(fault, service, method, path)
        await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)

    @staticmethod
    async def _drop(send: Send) -> None:
        # Promise a body, send a fragment of it, then fail: the server closes the connection and
        # the client sees a truncated response (a protocol error), never a clean status.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"status": "', "more_body": True})
        raise ConnectionDropped("connection dropped by the audio sandbox (fault injection)")
