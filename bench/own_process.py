"""What a benchmark child measures of itself: its CPU seconds and its memory figures from /proc."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any


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


def measure_upload(
    hook: Any, open_source: Callable[[], Any], request: Any, part_size: int
) -> tuple[Any, dict[str, Any]]:
    """
    One AIOZ upload as the upload operator makes it (open the source, create, every part, complete,
    size check), measured from the opening: wall seconds, this process's CPU seconds, RSS before and
    peak. Returns the source and the figures.

    :param hook: an ``AiozStreamHook`` whose connection was already read (imports are not measured).
    :param open_source: returns the ``UploadSource`` to send.
    :param request: the create body.
    :param part_size: bytes per part.
    """
    rss_before = status_mib("VmRSS")
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    source = open_source()
    media = hook.create_media(request)
    progress = hook.upload_parts(media.id, source, part_size)
    hook.complete_upload(media.id)
    hook.check_uploaded_size(media.id, source.size)
    return source, {
        "wall": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu_before,
        "peak_rss_mib": status_mib("VmHWM"),
        "rss_before_mib": rss_before,
        "parts": len(progress.parts),
    }
