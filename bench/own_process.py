"""What a benchmark child measures of itself: its CPU seconds and its memory figures from /proc."""

from __future__ import annotations

import resource


def cpu_seconds() -> float:
    """User + system CPU seconds this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def status_kib(field: str) -> int:
    """A memory figure of this process (``VmRSS``, ``VmHWM``...) from /proc/self/status, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def status_mib(field: str) -> float:
    """:func:`status_kib`, in MiB."""
    return status_kib(field) / 1024
