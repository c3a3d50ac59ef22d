"""A service and its endpoints, described once, as data, for both the sync and the async client."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Literal
from urllib.parse import quote

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class ServiceSpec:
    """
    A service the provider talks to.

    :param name: the service's short name; it is also its connection type.
    :param display_name: the name people know it by.
    :param default_base_url: the production base URL; a connection's host overrides it.
    :param retry_after_headers: response headers that carry "wait this many seconds", in the order
        they are trusted.
    """

    name: str
    display_name: str
    default_base_url: str
    retry_after_headers: tuple[str, ...] = ("Retry-After",)


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
    :param note: where the route comes from when it is not in vendor material.
    """

    name: str
    method: HttpMethod
    route: str
    _: KW_ONLY
    resend_after_loss: bool
    pending_statuses: frozenset[int] = field(default_factory=frozenset)
    note: str = ""

    def path(self, path_params: dict[str, str] | None = None) -> str:
        """The route with its parameters filled in, each quoted as one path segment."""
        quoted = {key: quote(str(value), safe="") for key, value in (path_params or {}).items()}
        return self.route.format(**quoted)
