"""
AudioPod's usage analytics, computed from what the sandbox really did: every preview it
generated is a :class:`UsageRecord`, and a report sums them into day, week or month buckets.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Periods a report may cover, in days back from today (today included).
PERIOD_DAYS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
BREAKDOWNS: tuple[str, ...] = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class UsageRecord:
    """
    One generated preview.

    :param day: the UTC day it was generated.
    :param voice: the voice's integer id.
    :param characters: characters of the text spoken.
    :param duration: seconds of audio rendered.
    """

    day: datetime.date
    voice: int
    characters: int
    duration: float


def bucket_start(day: datetime.date, breakdown: str) -> datetime.date:
    """The first day of ``day``'s bucket: itself, its week's Monday, or its month's first day."""
    if breakdown == "weekly":
        return day - datetime.timedelta(days=day.weekday())
    if breakdown == "monthly":
        return day.replace(day=1)
    return day


def _bucket_starts(first: datetime.date, last: datetime.date, breakdown: str) -> list[datetime.date]:
    starts: list[datetime.date] = []
    current = bucket_start(first, breakdown)
    while current <= last:
        starts.append(current)
        if breakdown == "weekly":
            current += datetime.timedelta(days=7)
        elif breakdown == "monthly":
            current = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        else:
            current += datetime.timedelta(days=1)
    return starts


def usage_report(
    records: Iterable[UsageRecord],
    *,
    voice_id: str | None,
    period: str,
    breakdown: str,
    today: datetime.date,
) -> dict[str, Any]:
    """
    The ``GET /analytics/usage`` body over ``records`` (already narrowed to the voice asked for).

    Every bucket of the period is listed, oldest first, empty ones with zeros; the key is
    ``daily_breakdown`` whatever the breakdown, as the vendor's documentation shows it.
    """
    first = today - datetime.timedelta(days=PERIOD_DAYS[period] - 1)
    in_period = [record for record in records if first <= record.day <= today]
    buckets: dict[datetime.date, dict[str, Any]] = {
        start: {"date": start.isoformat(), "generations": 0, "characters": 0, "duration": 0.0}
        for start in _bucket_starts(first, today, breakdown)
    }
    for record in in_period:
        bucket = buckets[bucket_start(record.day, breakdown)]
        bucket["generations"] += 1
        bucket["characters"] += record.characters
        bucket["duration"] = round(bucket["duration"] + record.duration, 3)
    return {
        "voice_id": voice_id,
        "period": period,
        "breakdown": breakdown,
        "total_generations": len(in_period),
        "total_characters": sum(record.characters for record in in_period),
        "total_duration": round(sum(record.duration for record in in_period), 3),
        "avg_rating": None,
        "daily_breakdown": list(buckets.values()),
    }
