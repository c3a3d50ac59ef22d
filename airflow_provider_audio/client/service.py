"""A service as the client knows it: its endpoints, described once as data, and the settings its
clients are built from (read once per hook from the connection)."""

from __future__ import annotations

import base64
import enum
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Final, Literal
from urllib.parse import quote

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class RateClass(enum.StrEnum):
    """A class of requests a service counts against a limit of its own (AIOZ Stream: part uploads,
    writes, reads)."""

    UPLOAD = "upload"
    WRITE = "write"
    READ = "read"


#: Connection extras of the rate pacing (:mod:`airflow_provider_audio.client.ratelimit`), declared
#: here, with no import beyond the standard library, for the connection forms too.
PACING_EXTRA: Final = "rate_pacing"
WINDOW_EXTRA: Final = "rate_window_seconds"
LIMIT_EXTRAS: Final = {rate_class: f"rate_limit_{rate_class.value}" for rate_class in RateClass}
#: The window the published limits count over (AIOZ Stream's are per minute).
DEFAULT_WINDOW_SECONDS: Final = 60.0


@dataclass(frozen=True)
class ServiceSpec:
    """
    A service the provider talks to.

    :param name: the service's short name; it is also its connection type.
    :param display_name: the name people know it by.
    :param default_base_url: the production base URL; a connection's host overrides it.
    :param retry_after_headers: response headers that carry "wait this many seconds", in the order
        they are trusted.
    :param rate_limits: the requests per minute the service allows per key, by class; the client
        paces the endpoints of a class that has one (:mod:`.ratelimit`). Empty: no pacing.
    """

    name: str
    display_name: str
    default_base_url: str
    retry_after_headers: tuple[str, ...] = ("Retry-After",)
    rate_limits: Mapping[RateClass, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """
    One route of a service.

    :param name: a short name used in logs and tables (``create_audioform``).
    :param method: HTTP method.
    :param route: path template relative to the service's base URL (``/audioforms/{audioform_id}``).
    :param resend_after_loss: whether the request may be sent again when its answer was lost (a
        5xx, a dropped connection, a read timeout): ``True`` where sending it twice has the effect
        of sending it once (reads, updates, deletes, a re-sent part); ``False`` where the service
        may already have acted and a second request would start (and bill) a second job or leave a
        second object. Either way a refused connection and a 429 are retried: the service did not
        act on them.
    :param pending_statuses: HTTP statuses that mean "accepted, still working" (AudioStack's 202).
    :param rate_class: the limit the service counts this route against (``None``: not limited, or
        the service publishes no limits).
    :param note: where the route comes from when it is not in vendor material.
    """

    name: str
    method: HttpMethod
    route: str
    _: KW_ONLY
    resend_after_loss: bool
    pending_statuses: frozenset[int] = field(default_factory=frozenset)
    rate_class: RateClass | None = None
    note: str = ""

    def path(self, path_params: dict[str, str] | None = None) -> str:
        """The route with its parameters filled in, each quoted as one path segment."""
        quoted = {key: quote(str(value), safe="") for key, value in (path_params or {}).items()}
        return self.route.format(**quoted)


@dataclass(frozen=True)
class Credentials:
    """
    Authentication headers for one service, plus the secret values inside them.

    The ``repr`` never shows a value, so a credentials object can be logged by accident safely.

    :param headers: header name -> value, sent with every API call (never with delivery downloads).
    :param secrets: every secret value, so the client can scrub them from any text it raises.
    """

    headers: Mapping[str, str] = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False, default=())

    def __repr__(self) -> str:
        return f"Credentials(headers={sorted(self.headers)!r})"

    @classmethod
    def in_header(cls, header: str, key: str, extra: Iterable[tuple[str, str]] = ()) -> Credentials:
        """A key carried in one header (``x-api-key``, ``X-API-Key``), plus non-secret extras."""
        return cls(headers={header: key, **dict(extra)}, secrets=(key,))

    @classmethod
    def bearer(cls, token: str, extra: Iterable[tuple[str, str]] = ()) -> Credentials:
        """A token carried as ``Authorization: Bearer <token>``, plus non-secret extras."""
        return cls(headers={"Authorization": f"Bearer {token}", **dict(extra)}, secrets=(token,))

    @classmethod
    def basic(cls, user: str, password: str) -> Credentials:
        """HTTP Basic ``user:password`` (AIOZ Stream's public and secret key); the encoded pair is a
        secret too."""
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        return cls(headers={"Authorization": f"Basic {pair}"}, secrets=(password, pair))

    def scrub(self, text: str) -> str:
        """Replace every secret in ``text`` with ``***``."""
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


@dataclass(frozen=True)
class Timeouts:
    """
    Seconds allowed for each phase of a call.

    :param connect: to open the connection. Short: a service that cannot be reached in 10 s is
        down, and a refused connection is safe to retry.
    :param read: between two reads of the response. API answers are small; 60 s covers a slow
        gateway without letting a hung connection hold a worker for long.
    """

    connect: float = 10.0
    read: float = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """
    Bounds on retrying one call.

    :param max_attempts: attempts in all, the first included (1 disables retries).
    :param max_elapsed: seconds after the first attempt past which no new attempt starts; a
        ``Retry-After`` that would cross it ends the retries instead of being cut short.
    :param initial_wait: the first backoff, doubled each attempt up to ``max_wait``.
    :param max_wait: the longest backoff between two attempts (a service's own ``Retry-After``
        is honoured even when longer, within ``max_elapsed``).
    :param jitter: up to this fraction of each wait is added at random, so many clients that
        failed together do not come back together.
    """

    max_attempts: int = 5
    max_elapsed: float = 120.0
    initial_wait: float = 0.5
    max_wait: float = 30.0
    jitter: float = 0.25

    @classmethod
    def no_retries(cls) -> RetryPolicy:
        """One attempt only (a trigger's own poll loop is its retry loop)."""
        return cls(max_attempts=1)


@dataclass(frozen=True)
class ClientSettings:
    """
    Everything a hook's clients need, read once from its connection; both the sync and the async
    client are built from it, so the two cannot drift.

    :param service: the service called.
    :param base_url: the base URL (the connection's host, or the service's default).
    :param credentials: authentication headers and their secrets.
    :param timeouts: connect and read timeouts.
    :param retry_policy: how often and how long to retry a call.
    :param extra: the connection's extras, as read (settings of a service's own, such as
        AudioStack's response version, come from here).
    """

    service: ServiceSpec
    base_url: str
    credentials: Credentials
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
