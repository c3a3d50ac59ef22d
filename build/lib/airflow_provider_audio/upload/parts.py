"""How a file is cut into upload parts, and the bounds on a part's size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from airflow_provider_audio.exceptions import AudioInputError

MIB: Final = 1024 * 1024
# The official AIOZ Go and Node clients: 50 MiB by default, never under 5 MiB nor over 128 MiB.
MIN_PART_SIZE: Final = 5 * MIB
MAX_PART_SIZE: Final = 128 * MIB
DEFAULT_PART_SIZE: Final = 50 * MIB


@dataclass(frozen=True)
class Part:
    """
    One part of an upload.

    :param index: 1-based position, as the vendor's clients count.
    :param start: offset of the first byte.
    :param end: offset of the last byte (inclusive, as ``Content-Range`` writes it).
    """

    index: int
    start: int
    end: int

    @property
    def length(self) -> int:
        """Bytes in the part."""
        return self.end - self.start + 1

    def content_range(self, total: int) -> str:
        """The ``Content-Range`` header value for this part of a ``total``-byte file."""
        return f"bytes {self.start}-{self.end}/{total}"


def check_part_size(part_size: int, *, minimum: int = MIN_PART_SIZE, maximum: int = MAX_PART_SIZE) -> int:
    """
    ``part_size`` if it lies within the bounds, else an :class:`AudioInputError` naming them.

    :param part_size: bytes per part.
    :param minimum: smallest allowed (tests lower it to exercise many parts on small files).
    :param maximum: largest allowed.
    """
    if isinstance(part_size, bool) or not isinstance(part_size, int) or not minimum <= part_size <= maximum:
        raise AudioInputError(
            "upload",
            [f"part_size: {part_size!r}; must be an integer from {minimum} to {maximum} bytes"],
        )
    return part_size


def plan_parts(total: int, part_size: int) -> list[Part]:
    """The parts of a ``total``-byte file: all ``part_size`` long but the last."""
    if total <= 0:
        raise AudioInputError("upload", [f"source: {total} bytes; an empty file cannot be uploaded"])
    return [
        Part(index=number + 1, start=start, end=min(start + part_size, total) - 1)
        for number, start in enumerate(range(0, total, part_size))
    ]
