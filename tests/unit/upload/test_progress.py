"""Upload progress lines: parts, percent, bytes and speed, the first and last part always, at most one
line per interval between them."""

from __future__ import annotations

from typing import Any

from airflow_provider_audio.log_format import MIB
from airflow_provider_audio.upload.progress import UploadProgressLog


class Lines:
    """A logger that keeps what it was told."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, template: str, *args: Any) -> None:
        self.lines.append(template % args)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_and_last_parts_always_and_one_line_per_interval_between() -> None:
    log, clock = Lines(), Clock()
    # 20 parts of 5 MiB, one every 2 s; a line at most every 10 s.
    progress = UploadProgressLog(log, "media m-1", 100 * MIB, 20, every=10.0, clock=clock)
    for index in range(1, 21):
        clock.now += 2.0
        progress.confirmed(index, 5 * MIB, index * 5 * MIB)
    assert [line.split(":")[0] for line in log.lines] == [
        f"Uploaded part {index}/20 of media m-1" for index in (1, 6, 11, 16, 20)
    ]
    assert log.lines[0] == "Uploaded part 1/20 of media m-1: 5% (5.0 MiB of 100.0 MiB), 2.5 MiB/s, 2s so far"
    assert (
        log.lines[-1]
        == "Uploaded part 20/20 of media m-1: 100% (100.0 MiB of 100.0 MiB), 2.5 MiB/s, 40s so far"
    )


def test_a_resumed_upload_counts_its_speed_from_what_this_attempt_sent() -> None:
    log, clock = Lines(), Clock()
    # Parts 1-3 were confirmed by an earlier try; this one sends 4 and 5, 10 MiB each, in 4 s.
    progress = UploadProgressLog(log, "media m-2", 50 * MIB, 5, every=0.0, clock=clock)
    clock.now += 2.0
    progress.confirmed(4, 10 * MIB, 40 * MIB)
    clock.now += 2.0
    progress.confirmed(5, 10 * MIB, 50 * MIB)
    assert log.lines == [
        "Uploaded part 4/5 of media m-2: 80% (40.0 MiB of 50.0 MiB), 5.0 MiB/s, 2s so far",
        "Uploaded part 5/5 of media m-2: 100% (50.0 MiB of 50.0 MiB), 5.0 MiB/s, 4s so far",
    ]


def test_a_single_part_upload_has_one_line() -> None:
    log, clock = Lines(), Clock()
    progress = UploadProgressLog(log, "media m-3", 812, 1, clock=clock)
    clock.now += 0.5
    progress.confirmed(1, 812, 812)
    assert log.lines == ["Uploaded part 1/1 of media m-3: 100% (812 B of 812 B), 1.6 KiB/s, 0.5s so far"]
