"""The forms the provider's log lines share: durations, sizes, deadlines, changes, summaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airflow_provider_audio.log_format import (
    change_lines,
    format_deadline,
    format_duration,
    format_size,
    summary_line,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (2.5, "2.5s"),
        (9.96, "10s"),
        (42.4, "42s"),
        (59.6, "1m00s"),
        (130, "2m10s"),
        (3599, "59m59s"),
        (3725, "1h02m"),
        (86399, "23h59m"),
        (2 * 86400 + 4 * 3600 + 59, "2d04h"),
        (-5, "0s"),
    ],
)
def test_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (812, "812 B"), (42291, "41.3 KiB"), (13002342, "12.4 MiB"), (1288490189, "1.20 GiB")],
)
def test_sizes(size: int, text: str) -> None:
    assert format_size(size) == text


def test_deadline_today_another_day_and_passed() -> None:
    now = datetime(2026, 12, 1, 13, 7, 10, tzinfo=UTC).timestamp()
    today = datetime(2026, 12, 1, 14, 5, 0, tzinfo=UTC).timestamp()
    tomorrow = datetime(2026, 12, 2, 1, 0, 0, tzinfo=UTC).timestamp()
    assert format_deadline(today, now) == "14:05:00 UTC (in 57m50s)"
    assert format_deadline(tomorrow, now) == "2026-12-02 01:00:00 UTC (in 11h52m)"
    assert format_deadline(now - 1, now) == "13:07:09 UTC (passed)"
    assert format_deadline(1e15, now).startswith("far off (in ")
    assert format_deadline(float("inf"), now) == "none"


def test_change_lines_old_to_new_where_known() -> None:
    before = {"title": "Draft", "is_public": False, "tags": ["news"]}
    changes = {"title": "Harbour lights", "is_public": True, "tags": ["news"], "description": "x" * 200}
    assert change_lines(changes, before) == [
        "title: 'Draft' -> 'Harbour lights'",
        "is_public: False -> True",
        "tags: unchanged (['news'])",
        f"description: -> '{'x' * 76}...",
    ]
    assert change_lines({"title": "A"}, None) == ["title: -> 'A'"]


def test_summary_line_leaves_out_what_is_not_known() -> None:
    assert (
        summary_line(
            "audioform af-1",
            size_bytes=1258291,
            audio_seconds=32.46,
            took_seconds=130,
            location="/data/a.wav",
            url="https://cdn.test/a.wav",
        )
        == "Made audioform af-1: 1.2 MiB, 32.5 s of audio, in 2m10s; written to /data/a.wav; https://cdn.test/a.wav"
    )
    assert summary_line("voice 7") == "Made voice 7"
