"""
Audio files the sandbox rendered (AudioPod previews, AIML API generations), kept in memory and
served by name from public URLs, like a vendor's CDN.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

WAV_CONTENT_TYPE = "audio/wav"
MP3_CONTENT_TYPE = "audio/mpeg"
CONTENT_TYPES: dict[str, str] = {"wav": WAV_CONTENT_TYPE, "mp3": MP3_CONTENT_TYPE}


@dataclass(frozen=True)
class StoredFile:
    """
    A rendered file.

    :param data: its bytes.
    :param content_type: its media type.
    """

    data: bytes
    content_type: str


class FileShelf:
    """Rendered files by name (``<uuid>.<ext>``), safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}

    def put(self, name: str, data: bytes, content_type: str) -> StoredFile:
        stored = StoredFile(data, content_type)
        with self._lock:
            self._files[name] = stored
        return stored

    def get(self, name: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(name)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
