"""Endpoints described once, as data, for both the sync and the async client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class Endpoint:
    """
    One route of a service.

    :param name: a short name used in logs and tables (``create_audioform``).
    :param method: HTTP method.
    :param route: path template relative to the service's base URL (``/audioforms/{audioform_id}``).
    :param billed: the call starts work the account pays for. It is retried only when the server
        cannot have acted on it (connection refused, 429), never after a timeout or a 5xx.
    :param pending_statuses: HTTP statuses that mean "accepted, still working" (AudioStack's 202).
    :param idempotent: sending it twice has the effect of sending it once, whatever its method
        (AIOZ's part upload re-sends an index; a list that is a POST). By default only GET, PUT and
        DELETE are.
    :param note: where the route comes from when it is not in vendor material (shown next to it).
    """

    name: str
    method: HttpMethod
    route: str
    billed: bool = False
    pending_statuses: frozenset[int] = field(default_factory=frozenset)
    idempotent: bool | None = None
    note: str = ""

    @property
    def safe_to_repeat(self) -> bool:
        """Whether sending the request twice has the same effect as sending it once."""
        if self.billed:
            return False
        if self.idempotent is not None:
            return self.idempotent
        return self.method in ("GET", "PUT", "DELETE")

    def path(self, path_params: dict[str, str] | None = None) -> str:
        """The route with its parameters filled in, each quoted as one path segment."""
        quoted = {key: quote(str(value), safe="") for key, value in (path_params or {}).items()}
        return self.route.format(**quoted)
