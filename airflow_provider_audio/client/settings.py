"""What a client is built from: one settings object per hook, read once from its connection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_provider_audio.client.endpoint import ServiceSpec


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
    def key_pair(
        cls, public_header: str, public_key: str, secret_header: str, secret_key: str
    ) -> Credentials:
        """A public/secret pair carried in two headers (AIOZ Stream)."""
        return cls(headers={public_header: public_key, secret_header: secret_key}, secrets=(secret_key,))

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

    def with_retry_policy(self, retry_policy: RetryPolicy) -> ClientSettings:
        """The same settings with other retry bounds."""
        return replace(self, retry_policy=retry_policy)
