"""What the HTTP core needs to know about a service besides its routes."""

from __future__ import annotations

from dataclasses import dataclass


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
