"""
Where a store keeps the bytes it is sent (AIOZ media, AudioStack library files): the configured
data directory, or a temporary one made on first use and removed when the server stops.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path


class DataDirectory:
    """
    A store's directory, created when first needed; safe to use from several threads.

    :param configured: the directory to use; ``None`` for a temporary one.
    :param temp_prefix: the name prefix of the temporary directory.
    """

    def __init__(self, configured: Path | None, temp_prefix: str) -> None:
        self._configured = configured
        self._temp_prefix = temp_prefix
        self._temp: Path | None = None
        self._lock = threading.Lock()

    def path(self) -> Path:
        """The directory, created if needed (again, if something removed it)."""
        with self._lock:
            if self._configured is not None:
                self._configured.mkdir(parents=True, exist_ok=True)
                return self._configured
            if self._temp is None or not self._temp.is_dir():
                self._temp = Path(tempfile.mkdtemp(prefix=self._temp_prefix))
            return self._temp

    def current(self) -> Path | None:
        """The directory in use, without creating it; ``None`` before a temporary one is made."""
        with self._lock:
            return self._configured if self._configured is not None else self._temp

    def remove_temporary(self) -> None:
        """Remove the temporary directory, if one was made (a later :meth:`path` makes a new one)."""
        with self._lock:
            temp, self._temp = self._temp, None
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
