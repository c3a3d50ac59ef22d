"""How an upload in parts reports its progress: parts, percent, bytes sent and speed, at a bounded rate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from airflow_provider_audio.log_format import format_duration, format_size

# At most one progress line per this many seconds (the first and the last part always have one):
# an hour-long upload of small parts writes a few hundred lines, not thousands.
PROGRESS_LOG_SECONDS: Final = 10.0


class UploadProgressLog:
    """
    Logs an upload's progress after confirmed parts: ``Uploaded part 3/10 of media 42: 30% (150.0
    MiB of 500.0 MiB), 12.3 MiB/s, 12s so far``, for the first part, then at most once every
    ``every`` seconds, and for the last part always. The speed is this attempt's: bytes sent since
    it began (a resumed upload's earlier parts are not counted) over the time since.

    :param log: the logger to write to (the hook's).
    :param target: what is uploaded into (``media 42``).
    :param total_bytes: the source's size.
    :param total_parts: how many parts the upload has.
    :param every: seconds between two lines, at least.
    :param clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        log: Any,
        target: str,
        total_bytes: int,
        total_parts: int,
        *,
        every: float = PROGRESS_LOG_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.target = target
        self.total_bytes = total_bytes
        self.total_parts = total_parts
        self.every = every
        self.clock = clock
        self.started = clock()
        self.last_line: float | None = None
        self.sent_bytes = 0

    def confirmed(self, part_index: int, part_bytes: int, done_bytes: int) -> None:
        """
        A part the service confirmed.

        :param part_index: its 1-based index.
        :param part_bytes: its length (sent in this attempt).
        :param done_bytes: bytes of the source confirmed so far, earlier attempts' parts included.
        """
        self.sent_bytes += part_bytes
        now = self.clock()
        last = part_index == self.total_parts
        if not last and self.last_line is not None and now - self.last_line < self.every:
            return
        self.last_line = now
        self.log.info("%s", self.line(part_index, done_bytes, now))

    def line(self, part_index: int, done_bytes: int, now: float) -> str:
        """The progress line after part ``part_index``, at ``now``."""
        elapsed = now - self.started
        percent = 100.0 * done_bytes / self.total_bytes if self.total_bytes else 100.0
        speed = f"{format_size(self.sent_bytes / elapsed)}/s" if elapsed > 0 else "speed not known yet"
        return (
            f"Uploaded part {part_index}/{self.total_parts} of {self.target}: {percent:.0f}% "
            f"({format_size(done_bytes)} of {format_size(self.total_bytes)}), {speed}, "
            f"{format_duration(elapsed)} so far"
        )
