"""
AudioStack's folders: a tree under one root folder, in memory.

Every file lives in a folder (the root when none is given). A folder's name is unique among its
siblings, so a path of names (``GET /folders?path=a/b``) names one folder. The root cannot be
renamed or deleted, and a folder that still holds files or folders cannot be deleted.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from audio_sandbox.core.errors import ServiceError

#: The root folder's id: the same on every sandbox, a UUID like every folder id.
ROOT_FOLDER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "audio-sandbox:folder:root"))
ROOT_FOLDER_NAME = "root"
#: Who the sandbox says created and updated everything (``createdBy``, ``updatedBy``).
OWNER = "sandbox-user"


def now_iso() -> str:
    """The current UTC time as ISO 8601 with a ``Z``."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Folder:
    """
    A folder.

    :param folder_id: its id.
    :param folder_name: its name (unique among its siblings).
    :param parent_folder_id: its parent; ``None`` for the root.
    :param created_at: ISO 8601 UTC creation time.
    :param updated_at: ISO 8601 UTC time of its last rename, if any.
    """

    folder_id: str
    folder_name: str
    parent_folder_id: str | None
    created_at: str
    updated_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The folder as the API answers it (``POST``/``PATCH /folders``, list entries)."""
        return {
            "folderId": self.folder_id,
            "folderName": self.folder_name,
            "parentFolderId": self.parent_folder_id,
            "createdBy": OWNER,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "updatedBy": OWNER if self.updated_at else None,
        }


class FolderTree:
    """Every folder of one sandbox; thread-safe. Which files a folder holds is the library's to say."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folders: dict[str, Folder] = {}
        self.reset()

    def reset(self) -> None:
        """Only the root is left."""
        with self._lock:
            self._folders = {ROOT_FOLDER_ID: Folder(ROOT_FOLDER_ID, ROOT_FOLDER_NAME, None, now_iso())}

    def get(self, folder_id: str) -> Folder:
        """
        The folder ``folder_id``.

        :raises ServiceError: 404 when there is none.
        """
        with self._lock:
            folder = self._folders.get(folder_id)
        if folder is None:
            raise ServiceError(404, f"Folder {folder_id} not found")
        return folder

    def children(self, folder_id: str) -> list[Folder]:
        """The folders directly in ``folder_id``, by name."""
        with self._lock:
            found = [f for f in self._folders.values() if f.parent_folder_id == folder_id]
        return sorted(found, key=lambda folder: folder.folder_name)

    def chain(self, folder_id: str) -> list[Folder]:
        """``folder_id`` first, then its parent, up to the root."""
        chain = [self.get(folder_id)]
        while chain[-1].parent_folder_id is not None:
            chain.append(self.get(chain[-1].parent_folder_id))
        return chain

    def at_path(self, path: str) -> Folder:
        """
        The folder a path of names leads to from the root (``""`` is the root).

        :raises ServiceError: 404 when a name on the way is not there.
        """
        folder = self.get(ROOT_FOLDER_ID)
        for name in (part for part in path.split("/") if part):
            match = [child for child in self.children(folder.folder_id) if child.folder_name == name]
            if not match:
                raise ServiceError(
                    404, f"No folder at path {path!r}: {name!r} is not in {folder.folder_name!r}"
                )
            folder = match[0]
        return folder

    def _check_free(self, parent_id: str, name: str, but: str | None = None) -> None:
        for sibling in self.children(parent_id):
            if sibling.folder_name == name and sibling.folder_id != but:
                raise ServiceError(409, f"folder_name: a folder named {name!r} is already in {parent_id}")

    def create(self, name: str, parent_id: str | None) -> Folder:
        """
        A new folder in ``parent_id`` (the root when ``None``).

        :raises ServiceError: 404 for an unknown parent, 409 for a name its siblings already use.
        """
        parent = self.get(parent_id or ROOT_FOLDER_ID)
        self._check_free(parent.folder_id, name)
        folder = Folder(str(uuid.uuid4()), name, parent.folder_id, now_iso())
        with self._lock:
            self._folders[folder.folder_id] = folder
        return folder

    def rename(self, folder_id: str, name: str) -> Folder:
        """
        Rename a folder.

        :raises ServiceError: 404, 400 for the root, 409 for a name its siblings already use.
        """
        folder = self.get(folder_id)
        if folder.parent_folder_id is None:
            raise ServiceError(400, "The root folder cannot be renamed")
        self._check_free(folder.parent_folder_id, name, but=folder_id)
        with self._lock:
            folder.folder_name = name
            folder.updated_at = now_iso()
        return folder

    def delete(self, folder_id: str, holds_files: bool) -> None:
        """
        Delete an empty folder.

        :param holds_files: whether the library still has files in it.
        :raises ServiceError: 404, 400 for the root, 409 when it is not empty.
        """
        folder = self.get(folder_id)
        if folder.parent_folder_id is None:
            raise ServiceError(400, "The root folder cannot be deleted")
        if holds_files or self.children(folder_id):
            raise ServiceError(
                409, f"Folder {folder_id} is not empty: delete or copy out what it holds first"
            )
        with self._lock:
            self._folders.pop(folder_id, None)
