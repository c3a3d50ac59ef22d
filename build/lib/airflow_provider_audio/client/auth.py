"""Credentials: the headers that authenticate a call, and the secrets they contain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


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

    def scrub(self, text: str) -> str:
        """Replace every secret in ``text`` with ``***``."""
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


def api_key_header(header: str, key: str, extra: Iterable[tuple[str, str]] = ()) -> Credentials:
    """Credentials carried in one header (``x-api-key``, ``X-API-Key``), plus non-secret extras."""
    return Credentials(headers={header: key, **dict(extra)}, secrets=(key,))


def bearer(token: str, extra: Iterable[tuple[str, str]] = ()) -> Credentials:
    """Credentials carried as ``Authorization: Bearer <token>``, plus non-secret extras."""
    return Credentials(headers={"Authorization": f"Bearer {token}", **dict(extra)}, secrets=(token,))


def key_pair(public_header: str, public_key: str, secret_header: str, secret_key: str) -> Credentials:
    """Credentials carried as a public/secret header pair (AIOZ Stream)."""
    return Credentials(
        headers={public_header: public_key, secret_header: secret_key},
        secrets=(secret_key,),
    )
