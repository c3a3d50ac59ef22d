"""
A service's rate limits as a budget the client paces itself to, instead of a 429 to recover from.

A service that publishes limits (AIOZ Stream: part uploads, writes and reads per minute) counts them
per key, so the budget belongs to the key, not to a task: every client of one process that calls the
same base URL with the same credentials, for a route of the same class, takes its turns from one
:class:`RateBudget` (sync clients in threads and async clients in the triggerer's loop alike). Two
things set the pace:

- the declared limit, before any answer is seen: one request every ``window / limit`` seconds (a
  token bucket that holds one token). A bucket that saved up a burst would let the burst and the
  refill land in the same fixed window of the server, twice the limit;
- the server's own count, on every answer that carries it: ``X-RateLimit-Remaining`` requests are
  left until the window resets (``X-RateLimit-Retry-After``, whole seconds), so the next requests
  are spaced to make them last until then, and none is sent once only a spare is left. The server
  counts every process that uses the key (each Airflow task runs in a process of its own), so this
  is what makes other workers and triggerers slow this one down: the faster the count falls, the
  wider the spacing, and each process on the key (as the count's fall shows them) keeps one spare
  for the request another may send before it reads the count.
  ``X-RateLimit-Limit`` replaces the declared limit when it differs. An answer without it says
  the server does not count that class (a double with its limits off): pacing pauses until an
  answer carries it again.

Configured per connection (extras, see :func:`rate_settings_from_extra`); the identity of a key in
the budget's name is a hash, never the key.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from airflow_provider_audio.client.service import (
    DEFAULT_WINDOW_SECONDS,
    LIMIT_EXTRAS,
    PACING_EXTRA,
    WINDOW_EXTRA,
    Credentials,
    RateClass,
    ServiceSpec,
)
from airflow_provider_audio.exceptions import AudioInputError

LIMIT_HEADER: Final = "X-RateLimit-Limit"
REMAINING_HEADER: Final = "X-RateLimit-Remaining"
RESET_HEADER: Final = "X-RateLimit-Retry-After"

#: Spacing is this fraction longer than ``window / limit``: the first request of a window may reach
#: the server later than the last one that would close it (a new connection, a slower route).
HEADROOM: Final = 0.02

#: Requests of a window left unused at least: another process may already have sent the last one
#: when this one reads that one is left. With several processes on a key, one per process (at most
#: a quarter of the limit).
SPARE: Final = 1

#: The Airflow pool the AIOZ upload tasks of a deployment may share; the provider creates no pool.
AIOZSTREAM_POOL: Final = "aiozstream"


@dataclass(frozen=True)
class RateSettings:
    """
    How a client paces one service's requests.

    :param limits: requests allowed per ``window_seconds`` per key, by class.
    :param window_seconds: the length of the service's counting window (60 for AIOZ; shorter only
        against a double whose window is shortened).
    :param enabled: ``False`` turns pacing off (429s are still retried after the asked wait).
    """

    limits: Mapping[RateClass, int] = field(default_factory=dict)
    window_seconds: float = 60.0
    enabled: bool = True


def _positive(value: Any, whole: bool) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and value > 0
        and (not whole or float(value).is_integer())
    )


def rate_settings_from_extra(
    service: ServiceSpec, extra: Mapping[str, Any], conn_id: str = ""
) -> RateSettings:
    """
    The pacing of ``service`` as a connection's extras set it: ``rate_pacing`` (``false`` turns it
    off), ``rate_limit_upload`` / ``rate_limit_write`` / ``rate_limit_read`` (requests per window,
    whole numbers; default the service's published limits) and ``rate_window_seconds`` (default 60).
    Absent or ``null`` means the default.

    :param service: the service, with its published limits.
    :param extra: the connection's extras.
    :param conn_id: the connection's id, named in the error.
    :raises AudioInputError: when a value is not one these extras take.
    """
    problems: list[str] = []
    prefix = f"{conn_id}.extra." if conn_id else "extra."
    enabled = extra.get(PACING_EXTRA)
    if enabled is not None and not isinstance(enabled, bool):
        problems.append(f"{prefix}{PACING_EXTRA}: {enabled!r}; must be true or false")
    window = extra.get(WINDOW_EXTRA)
    if window is not None and not _positive(window, whole=False):
        problems.append(f"{prefix}{WINDOW_EXTRA}: {window!r}; must be a positive number")
    limits = dict(service.rate_limits)
    for rate_class, name in LIMIT_EXTRAS.items():
        value = extra.get(name)
        if value is None:
            continue
        if _positive(value, whole=True):
            limits[rate_class] = int(value)
        else:
            problems.append(f"{prefix}{name}: {value!r}; must be a positive whole number")
    if problems:
        raise AudioInputError(f"{service.display_name} connection", problems)
    return RateSettings(
        limits=limits,
        window_seconds=float(window) if window is not None else DEFAULT_WINDOW_SECONDS,
        enabled=enabled is not False,
    )


def _header_int(lowered: Mapping[str, str], name: str) -> int | None:
    raw = lowered.get(name.lower())
    if raw is None:
        return None
    try:
        return max(0, math.ceil(float(raw)))
    except ValueError:
        return None


class RateBudget:
    """
    The turns of one key at one class of requests: :meth:`reserve` before each request says how
    long to wait first, :meth:`observe` reads each answer's ``X-RateLimit-*`` headers.

    Thread-safe; the lock is held for arithmetic only, never while waiting.

    :param limit: requests allowed per window, until the server says otherwise.
    :param window_seconds: the window's length.
    :param clock: a monotonic clock in seconds (tests pass a fake one).
    """

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._next_at = -math.inf  # the earliest send of the next request
        self._hold_until = -math.inf  # nothing is left for this process until then
        self._reset_at: float | None = None  # the latest the server's current window can end
        self._server_spacing = 0.0  # what the server's last count leaves per request of ours
        self._own = 0  # our requests the server admitted in its current window
        self._counted = True  # the server's last answer carried its count (or none came yet)

    @property
    def spacing(self) -> float:
        """Seconds between two requests from the limit alone."""
        return self.window_seconds / self.limit * (1 + HEADROOM)

    def reserve(self) -> float:
        """Take the next turn; returns the seconds to wait before sending (0: send now)."""
        now = self._clock()
        with self._lock:
            if not self._counted:
                return 0.0
            at = max(now, self._next_at, self._hold_until)
            following = at + self.spacing
            if self._reset_at is not None and at < self._reset_at:
                # The server's count may ask for more room, but a new window starts afresh.
                following = max(following, min(at + self._server_spacing, self._reset_at))
            self._next_at = following
            return at - now

    def observe(self, headers: Mapping[str, str], *, admitted: bool = True) -> None:
        """
        Read the server's count from an answer (any status).

        ``X-RateLimit-Retry-After`` is whole seconds, rounded up: each answer bounds the window's end
        from above, and the lowest bound seen in one window is kept; a bound later than the kept one
        by more than the rounding means the window was renewed. What remains, less a spare request
        for each process the window's use shows on the key (the requests the server counted over
        this process's own), is spread until the reset; nothing is sent once only the spare is left.

        :param headers: the answer's headers.
        :param admitted: ``False`` for a 429: the server did not count the request.
        """
        lowered = {name.lower(): value for name, value in headers.items()}
        limit = _header_int(lowered, LIMIT_HEADER)
        remaining = _header_int(lowered, REMAINING_HEADER)
        reset_in = _header_int(lowered, RESET_HEADER)
        now = self._clock()
        with self._lock:
            self._counted = limit is not None
            if limit:
                self.limit = limit
            if reset_in is not None:
                bound = now + reset_in
                if self._reset_at is None or self._reset_at <= now or bound - 1 > self._reset_at:
                    self._reset_at, self._own = bound, 0
                else:
                    self._reset_at = min(self._reset_at, bound)
            if remaining is None or self._reset_at is None or self._reset_at <= now:
                return
            if admitted:
                self._own += 1
            used = max(self.limit - remaining, self._own)
            # Processes on the key, this one included, as the window's use so far tells: each may
            # send one more before it reads how little is left, so that many are kept spare.
            sharing = math.ceil(used / self._own) if self._own else used
            spare = max(SPARE, min(sharing, self.limit // 4))
            usable = remaining - spare
            if usable <= 0:
                self._hold_until = max(self._hold_until, self._reset_at)
            else:
                self._server_spacing = (self._reset_at - now) / usable


def credential_identity(credentials: Credentials) -> str:
    """A short hash naming the key behind ``credentials`` (never the key itself)."""
    digest = hashlib.sha256()
    for name, value in sorted(credentials.headers.items()):
        digest.update(f"{name.lower()}\0{value}\0".encode())
    return digest.hexdigest()[:16]


_budgets: dict[tuple[str, str, RateClass], RateBudget] = {}
_budgets_lock = threading.Lock()


def shared_budget(
    base_url: str, credentials: Credentials, rate_class: RateClass, settings: RateSettings
) -> RateBudget | None:
    """
    The process's budget for one key at one class of a service (``None`` when that class is not
    paced): every client with the same base URL and credentials gets the same one. The first
    client's settings make it; later ones share it as it is.

    :param base_url: the service's base URL (the connection's host).
    :param credentials: the key, hashed into the budget's name.
    :param rate_class: the class of the route called.
    :param settings: the connection's pacing settings.
    """
    limit = settings.limits.get(rate_class)
    if not settings.enabled or not limit:
        return None
    name = (base_url.rstrip("/"), credential_identity(credentials), rate_class)
    with _budgets_lock:
        budget = _budgets.get(name)
        if budget is None:
            budget = _budgets[name] = RateBudget(limit, settings.window_seconds)
        return budget


def forget_budgets() -> None:
    """Drop every budget of the process (tests that restart a server's windows)."""
    with _budgets_lock:
        _budgets.clear()


def pool_slots(limit_per_minute: int, seconds_per_request: float) -> int:
    """
    The slots of an Airflow pool whose tasks, each sending one request at a time, can use
    ``limit_per_minute`` whole: more tasks would only wait in the client's pacing, each holding a
    worker slot. For AIOZ uploads, ``seconds_per_request`` is the time one part takes to send
    (part size / upload bandwidth per task).

    :param limit_per_minute: the service's limit for the class the tasks use (AIOZ uploads: 100).
    :param seconds_per_request: how long one task takes per request, waits excluded.
    """
    if limit_per_minute <= 0 or seconds_per_request <= 0:
        raise ValueError("limit_per_minute and seconds_per_request must be positive")
    return max(1, math.ceil(limit_per_minute * seconds_per_request / 60.0))
