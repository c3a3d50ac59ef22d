"""
AudioStack's file types and file categories: the catalogue ``GET /files/file-categories`` answers,
a file's type (by its extension) and the category a request names (by id or by name).

The official client needs only a non-empty list at ``fileTypes`` (its integration tests) and a
``fileType`` object on every file (``files/file.py:50-53``); the keys inside those objects are not
shown in any vendor material, so the sandbox's (``fileTypeId``, ``fileCategoryId``, ``name``) are
its own. Ids are UUIDs, the same on every sandbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

#: File types and the categories each offers.
FILE_TYPES: dict[str, tuple[str, ...]] = {
    "audio": ("speech", "music", "soundEffect"),
    "video": (),
    "image": (),
    "text": ("script", "brief"),
    "other": (),
}
_TYPE_BY_EXTENSION: dict[str, str] = {
    **dict.fromkeys(("wav", "mp3", "m4a", "ogg", "flac", "aac"), "audio"),
    **dict.fromkeys(("mp4", "mov", "webm"), "video"),
    **dict.fromkeys(("png", "jpg", "jpeg", "gif"), "image"),
    **dict.fromkeys(("txt", "json", "csv", "md"), "text"),
}


def _stable_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"audio-sandbox:{kind}:{name}"))


@dataclass(frozen=True)
class Category:
    """
    A file category.

    :param category_id: its id.
    :param name: its name.
    :param file_type: the file type it belongs to.
    """

    category_id: str
    name: str
    file_type: str

    def as_dict(self) -> dict[str, Any]:
        """The category as a file's ``fileCategory``."""
        return {"fileCategoryId": self.category_id, "name": self.name}


CATEGORIES: dict[str, Category] = {
    _stable_id("category", name): Category(_stable_id("category", name), name, file_type)
    for file_type, names in FILE_TYPES.items()
    for name in names
}


def category_by_id(category_id: str) -> Category | None:
    return CATEGORIES.get(category_id)


def category_by_name(name: str) -> Category | None:
    return next((category for category in CATEGORIES.values() if category.name == name), None)


def file_type_of(file_name: str) -> str:
    """``audio``, ``video``, ``image``, ``text`` or ``other``, by the name's extension."""
    _, dot, extension = file_name.rpartition(".")
    return _TYPE_BY_EXTENSION.get(extension.lower(), "other") if dot else "other"


def file_type_object(file_type: str) -> dict[str, Any]:
    """A file's ``fileType``."""
    return {"fileTypeId": _stable_id("file-type", file_type), "name": file_type}


def catalogue() -> dict[str, Any]:
    """What ``GET /files/file-categories`` answers: each file type with its categories."""
    return {
        "fileTypes": [
            {
                **file_type_object(file_type),
                "fileCategories": [
                    category.as_dict() for category in CATEGORIES.values() if category.file_type == file_type
                ],
            }
            for file_type in FILE_TYPES
        ]
    }
