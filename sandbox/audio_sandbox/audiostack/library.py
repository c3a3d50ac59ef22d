"""
AudioStack's file library: file records in memory, their bytes on disk, the folders they are in.

A file is ``created`` by ``POST /files``; its bytes arrive by ``PUT`` on its upload URL, which
makes it ``processing`` for ``file_processing_seconds`` (fixed at that PUT); the first read after
that makes it ``uploaded`` (with its duration when it is a WAV file). Bytes live in one file per
record in ``<data dir>/audiostack-files`` (or a temporary directory removed on close).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import threading
import time
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audio_sandbox.audiostack.categories import category_by_id, file_type_object, file_type_of
from audio_sandbox.audiostack.folder_tree import OWNER, ROOT_FOLDER_ID, FolderTree, now_iso
from audio_sandbox.core.datadir import DataDirectory

DIRECTORY_NAME = "audiostack-files"
OCTET_STREAM = "application/octet-stream"
MIME_TYPES: dict[str, str] = {"wav": "audio/wav", "mp3": "audio/mpeg", "m4a": "audio/mp4"}
#: ``accessControl`` values, the first the default (the official client's ``AccessControl``).
ACCESS_CONTROLS: tuple[str, ...] = ("public", "private")
_TEMP_PREFIX = "audio-sandbox-audiostack-"


def extension_of(file_name: str) -> str:
    """The lower-case extension of ``file_name`` (``""`` without one)."""
    _, dot, extension = file_name.rpartition(".")
    return extension.lower() if dot else ""


def mime_type_of(file_name: str) -> str:
    """The MIME type the upload must be sent with: by extension, else ``application/octet-stream``."""
    return MIME_TYPES.get(extension_of(file_name), OCTET_STREAM)


def wav_duration(path: Path) -> float | None:
    """Seconds of audio in a WAV file, or ``None`` when ``path`` holds no readable WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            return round(wav.getnframes() / rate, 3) if rate else None
    except (wave.Error, EOFError, OSError):
        return None


@dataclass
class LibraryFile:
    """
    A file of the library.

    :param file_id: its id.
    :param file_name: its name (renamable).
    :param folder_id: the folder it is in.
    :param category_id: its category, if any.
    :param access_control: ``public`` or ``private`` (recorded; its URL works either way).
    :param mime_type: the ``Content-Type`` its upload must carry (fixed at creation).
    :param upload_token: the secret part of its upload URL.
    :param created_at: ISO 8601 UTC creation time.
    :param path: where its bytes are stored.
    :param updated_at: ISO 8601 UTC time of its last change by ``PATCH``, if any.
    :param status: ``created``, ``processing`` or ``uploaded``.
    :param size: bytes stored (``None`` before the first upload).
    :param duration: seconds of audio once uploaded, when the bytes are a WAV file.
    :param processing_until: monotonic time processing ends (set by each upload).
    :param generation: bumped by each upload, so a slow probe of older bytes is discarded.
    """

    file_id: str
    file_name: str
    folder_id: str
    category_id: str | None
    mime_type: str
    upload_token: str
    created_at: str
    path: Path
    access_control: str = ACCESS_CONTROLS[0]
    updated_at: str | None = None
    status: str = "created"
    size: int | None = None
    duration: float | None = None
    processing_until: float | None = None
    generation: int = 0

    def as_dict(self, url: str | None) -> dict[str, Any]:
        """
        The file as ``GET /files/{fileId}`` answers it, at the top level of the body: the keys the
        official client reads (``files/file.py:42-64``). ``url`` is its public download URL.
        """
        category = category_by_id(self.category_id) if self.category_id else None
        return {
            "fileId": self.file_id,
            "fileName": self.file_name,
            "folderId": self.folder_id,
            "url": url if self.status == "uploaded" else None,
            "createdBy": OWNER,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "updatedBy": OWNER if self.updated_at else None,
            "fileType": file_type_object(file_type_of(self.file_name)),
            "fileCategory": category.as_dict() if category else None,
            "size": self.size,
            "status": self.status,
            "duration": self.duration,
            "accessControl": self.access_control,
        }


class FileLibrary:
    """
    Every file (and folder) of one sandbox, safe to use from the event loop and worker threads.

    :param data_dir: the sandbox's data directory; ``None`` for a temporary one made on first use.
    :param clock: monotonic clock (seconds) deciding when processing ends.
    """

    def __init__(self, data_dir: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._directory = DataDirectory(Path(data_dir) / DIRECTORY_NAME if data_dir else None, _TEMP_PREFIX)
        self._clock = clock
        self._lock = threading.RLock()
        self._files: dict[str, LibraryFile] = {}
        self._by_token: dict[str, str] = {}
        self._created = 0
        self.folders = FolderTree()

    @property
    def created(self) -> int:
        """Files created (copies included) since the last reset."""
        with self._lock:
            return self._created

    def _new(self, file_name: str, folder_id: str, category_id: str | None, mime_type: str) -> LibraryFile:
        file_id = str(uuid.uuid4())
        record = LibraryFile(
            file_id=file_id,
            file_name=file_name,
            folder_id=folder_id,
            category_id=category_id,
            mime_type=mime_type,
            upload_token=secrets.token_urlsafe(24),
            created_at=now_iso(),
            path=self._directory.path() / f"{file_id}.bin",
        )
        with self._lock:
            self._files[file_id] = record
            self._by_token[record.upload_token] = file_id
            self._created += 1
        return record

    def create(self, file_name: str, folder_id: str | None, category_id: str | None) -> LibraryFile:
        """A new, empty file record (status ``created``)."""
        return self._new(file_name, folder_id or ROOT_FOLDER_ID, category_id, mime_type_of(file_name))

    def get(self, file_id: str) -> LibraryFile | None:
        with self._lock:
            return self._files.get(file_id)

    def in_folder(self, folder_id: str) -> list[LibraryFile]:
        """The files of a folder, oldest first."""
        with self._lock:
            return [record for record in self._files.values() if record.folder_id == folder_id]

    def by_token(self, token: str) -> LibraryFile | None:
        """The file an upload URL's token belongs to."""
        with self._lock:
            file_id = self._by_token.get(token)
            return self._files.get(file_id) if file_id is not None else None

    def staging_path(self, record: LibraryFile) -> Path:
        """A fresh path to receive an upload into before it replaces the file's bytes."""
        return self._directory.path() / f"{record.file_id}.{uuid.uuid4().hex}.part"

    def commit_upload(self, record: LibraryFile, staged: Path, size: int, processing_seconds: float) -> None:
        """The staged bytes become the file's (replacing earlier ones); it is ``processing``."""
        with self._lock:
            if self._files.get(record.file_id) is not record:  # deleted during the upload
                staged.unlink(missing_ok=True)
                return
            os.replace(staged, record.path)
            record.generation += 1
            record.size = size
            record.duration = None
            record.status = "processing"
            record.processing_until = self._clock() + processing_seconds

    async def settle(self, record: LibraryFile) -> LibraryFile:
        """Finish processing ``record`` if its time has come (its WAV duration probed in a thread)."""
        with self._lock:
            until, generation = record.processing_until, record.generation
            if record.status != "processing" or until is None or self._clock() < until:
                return record
        duration = await asyncio.to_thread(wav_duration, record.path)
        with self._lock:
            if record.generation == generation and record.status == "processing":
                record.duration = duration
                record.status = "uploaded"
        return record

    def update(
        self,
        record: LibraryFile,
        *,
        file_name: str | None,
        category_id: str | None,
        access_control: str | None,
    ) -> None:
        """Rename, re-categorise or change the access of ``record`` (each already checked; ``None``: keep)."""
        with self._lock:
            if file_name is not None:
                record.file_name = file_name
            if category_id is not None:
                record.category_id = category_id
            if access_control is not None:
                record.access_control = access_control
            if (file_name, category_id, access_control) != (None, None, None):
                record.updated_at = now_iso()

    def delete(self, record: LibraryFile) -> None:
        """Forget ``record`` and remove its bytes."""
        with self._lock:
            self._files.pop(record.file_id, None)
            self._by_token.pop(record.upload_token, None)
        record.path.unlink(missing_ok=True)

    async def copy(self, record: LibraryFile, folder_id: str) -> LibraryFile:
        """A new file with the same name, bytes and state as ``record``, in ``folder_id``."""
        copied = self._new(record.file_name, folder_id, record.category_id, record.mime_type)
        if record.size is not None:
            await asyncio.to_thread(shutil.copyfile, record.path, copied.path)
        with self._lock:
            copied.status, copied.size, copied.duration = record.status, record.size, record.duration
            copied.processing_until = record.processing_until
            copied.access_control = record.access_control
        return copied

    def reset(self) -> None:
        """Forget every file and folder (the root stays) and remove the files' bytes."""
        with self._lock:
            records, self._files = list(self._files.values()), {}
            self._by_token.clear()
            self._created = 0
        self.folders.reset()
        directory = self._directory.current()
        for record in records:
            record.path.unlink(missing_ok=True)
        if directory is not None and directory.is_dir():
            for leftover in directory.glob("*.part"):
                leftover.unlink(missing_ok=True)

    def close(self) -> None:
        """:meth:`reset`, and remove the temporary directory if the library made one."""
        self.reset()
        self._directory.remove_temporary()
