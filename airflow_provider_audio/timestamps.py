"""Times as the services write them in their answers."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(raw: object) -> datetime | None:
    """
    An ISO 8601 time of an answer (``Z`` or an offset; a naive time reads as UTC), or ``None``
    when ``raw`` is missing or not such a time.
    """
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
