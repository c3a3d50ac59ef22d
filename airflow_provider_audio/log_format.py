"""How the provider's log lines write durations, sizes, deadlines and what a task made.

One place for the forms every log line shares, so that a wait, an upload and a task's summary read
alike: ``2m10s``, ``12.4 MiB``, ``14:05:00 UTC``. Imports nothing heavy (triggers and operator
modules both use it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime

MIB = 1024 * 1024
# A value longer than this is cut in change lines (a description, a script's text).
MAX_VALUE_CHARS = 80


def format_duration(seconds: float) -> str:
    """``42s``, ``2m10s``, ``1h05m``, ``3d04h``: two units at most, the larger first; a part of a
    second under ten seconds (``2.5s``)."""
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f}s".replace(".0s", "s")
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def format_size(size_bytes: int | float) -> str:
    """``812 B``, ``41.3 KiB``, ``12.4 MiB``, ``1.20 GiB``."""
    size = float(size_bytes)
    if size < 1024:
        return f"{size:.0f} B"
    if size < MIB:
        return f"{size / 1024:.1f} KiB"
    if size < 1024 * MIB:
        return f"{size / MIB:.1f} MiB"
    return f"{size / (1024 * MIB):.2f} GiB"


def format_deadline(deadline: float, now: float | None = None) -> str:
    """
    An absolute deadline (UNIX time) as the log shows it: ``14:05:00 UTC (in 57m50s)``, with the
    date when it is not today (UTC), ``far off`` past the calendar's end, ``(passed)`` once it is
    over, and ``none`` for an infinite one.
    """
    now = time.time() if now is None else now
    if not math.isfinite(deadline):
        return "none"
    try:
        moment = datetime.fromtimestamp(deadline, UTC)
    except (ValueError, OverflowError, OSError):  # past year 9999: no deadline, in effect
        clock = "far off"
    else:
        today = datetime.fromtimestamp(now, UTC).date()
        clock = moment.strftime("%H:%M:%S UTC" if moment.date() == today else "%Y-%m-%d %H:%M:%S UTC")
    remaining = deadline - now
    return f"{clock} ({'in ' + format_duration(remaining) if remaining > 0 else 'passed'})"


def short_value(value: object) -> str:
    """A value for a change line: its ``repr``, cut to :data:`MAX_VALUE_CHARS` characters."""
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else f"{text[: MAX_VALUE_CHARS - 3]}..."


def change_lines(changes: Mapping[str, object], before: Mapping[str, object] | None) -> list[str]:
    """
    One ``field: old -> new`` per changed field (``field: -> new`` when the old value is not
    known, ``field: unchanged (value)`` when it was already so), in the order given.

    :param changes: the fields sent and their new values.
    :param before: the object's fields before the change, when they were read; ``None`` otherwise.
    """
    lines = []
    for name, new in changes.items():
        if before is None or name not in before:
            lines.append(f"{name}: -> {short_value(new)}")
        elif before[name] == new:
            lines.append(f"{name}: unchanged ({short_value(new)})")
        else:
            lines.append(f"{name}: {short_value(before[name])} -> {short_value(new)}")
    return lines


def summary_line(
    made: str,
    *,
    size_bytes: int | None = None,
    audio_seconds: float | None = None,
    took_seconds: float | None = None,
    location: str | None = None,
    url: str | None = None,
) -> str:
    """
    The one line a task logs about what it made: ``Made audioform 42: 1.2 MiB, 32.5 s of audio,
    in 2m10s; written to /data/a.wav; https://...``. Facts not known are left out.

    :param made: what was made, with its id (``audioform 42``, ``media 7 (reused)``).
    :param size_bytes: its size.
    :param audio_seconds: the audio's duration.
    :param took_seconds: how long it took, from the submit (or the task's start) to now.
    :param location: where a copy was written (a path or an object storage URL).
    :param url: where it can be fetched or played.
    """
    facts = []
    if size_bytes is not None:
        facts.append(format_size(size_bytes))
    if audio_seconds is not None:
        facts.append(f"{float(audio_seconds):.1f} s of audio")
    if took_seconds is not None:
        facts.append(f"in {format_duration(took_seconds)}")
    line = f"Made {made}" + (f": {', '.join(facts)}" if facts else "")
    if location:
        line += f"; written to {location}"
    if url:
        line += f"; {url}"
    return line
