"""
AudioStack files and folders: upload (create, PUT, wait for ``uploaded``), get, update, copy, delete,
download; the file categories; the root folder, folder create, lookup by path and delete.

Shapes are the official SDK's (audiostack 4.0.0 ``files/file.py``, ``folders/folder.py``), whose
integration tests run against the real API: snake_case bodies, a file or folder answered at the top
level of the body. ``PATCH /files/{id}`` cannot move a file to another folder, so neither can
:meth:`~AudioStackFilesMixin.update_file`: a move is a copy into the new folder (a new file id) and a
delete of the original, two steps a DAG takes explicitly with
:class:`~airflow_provider_audio.operators.audiostack_files.AudioStackCopyFileOperator` and
:class:`~airflow_provider_audio.operators.audiostack_files.AudioStackDeleteFileOperator`, so that a
retry after a half-done move never makes a third copy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.upload.presigned import put_file
from airflow_provider_audio.upload.sources import FileSource

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

    from airflow_provider_audio.client.files import DownloadedFile

#: ``PATCH /files/{id}`` takes these (the official SDK's names).
FILE_UPDATE_FIELDS = ("file_name", "category_id", "category_name", "access_control")
#: ``access_control`` values (the SDK's ``AccessControl``).
ACCESS_CONTROLS = ("public", "private")
_MOVE_HINT = (
    "folder_id: AudioStack cannot move a file (PATCH /files takes no folder); copy it into the folder "
    "with AudioStackCopyFileOperator (hook.copy_file), then delete the original"
)


def _name_problem(field: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{field}: must be a non-empty string (got {value!r})"
    if "/" in value:
        return f"{field}: must not contain '/' (got {value!r})"
    return None


def file_change_problems(changes: Mapping[str, Any]) -> list[str]:
    """
    What is wrong with the changes of a file update, one line per field (empty: nothing).

    :param changes: ``file_name``, ``category_id``, ``category_name`` and/or ``access_control``.
    """
    if not changes:
        return [f"changes: nothing to change; give one of {', '.join(FILE_UPDATE_FIELDS)}"]
    problems: list[str] = []
    for field in sorted(set(changes) - set(FILE_UPDATE_FIELDS)):
        if field == "folder_id":
            problems.append(_MOVE_HINT)
        else:
            problems.append(f"{field}: unknown field; allowed fields: {', '.join(FILE_UPDATE_FIELDS)}")
    if "file_name" in changes and (problem := _name_problem("file_name", changes["file_name"])):
        problems.append(problem)
    for field in ("category_id", "category_name"):
        value = changes.get(field)
        if field in changes and (not isinstance(value, str) or not value.strip()):
            problems.append(f"{field}: must be a non-empty string (got {value!r})")
    access = changes.get("access_control")
    if "access_control" in changes and access not in ACCESS_CONTROLS:
        problems.append(f"access_control: {access!r}; allowed values: {', '.join(ACCESS_CONTROLS)}")
    return problems


def _ids_problems(**ids: Any) -> list[str]:
    return [
        f"{field}: must be a non-empty id string (got {value!r})"
        for field, value in ids.items()
        if not isinstance(value, str) or not value.strip()
    ]


class AudioStackFilesMixin(AudioServiceHook):
    """The file library and its folders: calls of ``AudioStackHook``."""

    def upload_file(
        self,
        source: str | os.PathLike[str] | ObjectStoragePath,
        *,
        file_name: str | None = None,
        folder_id: str | None = None,
        category_id: str | None = None,
    ) -> str:
        """
        Create a file record and send the bytes to its upload URL; returns the file id.

        The file is ``uploaded`` once AudioStack has processed it: wait with the ``file`` resource
        (:class:`~airflow_provider_audio.triggers.audiostack.AudioStackResourceTrigger`).

        :param source: a local path or an ``ObjectStoragePath`` (checked to exist and not be empty).
        :param file_name: the name in the library (the source's name by default).
        :param folder_id: the folder to put it in.
        :param category_id: its category.
        """
        file = FileSource(source)
        name = file_name or file.name
        problems = [problem for problem in [_name_problem("file_name", name)] if problem]
        optional_ids = {"folder_id": folder_id, "category_id": category_id}
        problems += _ids_problems(**{key: value for key, value in optional_ids.items() if value is not None})
        if problems:
            raise AudioInputError("AudioStack file", problems)
        body: dict[str, Any] = {"file_name": name}
        body.update({key: value for key, value in optional_ids.items() if value is not None})
        record = self.get_conn().call(routes.CREATE_FILE, json_body=body).json_object()
        upload_url, file_id = record.get("uploadUrl"), record.get("fileId")
        if not upload_url or not file_id:
            raise ValueError(f"AudioStack created a file without uploadUrl/fileId: {sorted(record)}")
        settings = self.settings()
        put_file(
            str(upload_url),
            file,
            str(record.get("mimeType") or "application/octet-stream"),
            service=self.service.name,
            timeouts=settings.timeouts,
            retry_policy=settings.retry_policy,
        )
        self.log.info("Sent %d bytes of %s to AudioStack file %s", file.size, name, file_id)
        return str(file_id)

    def get_file(self, file_id: str) -> dict[str, Any]:
        """
        A file: ``fileId``, ``fileName``, ``folderId``, ``url``, ``createdBy``, ``createdAt``,
        ``updatedAt``, ``updatedBy``, ``fileType`` (an object), ``fileCategory`` (an object or
        ``None``), ``size``, ``status``, ``duration``, ``accessControl``.
        """
        return self.get_conn().call(routes.GET_FILE, path_params={"file_id": file_id}).json_object()

    def update_file(self, file_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """
        Rename a file, re-categorise it or change its access control; returns the updated file.

        A file cannot be moved to another folder: AudioStack's ``PATCH /files/{id}`` takes no folder.
        Copy it into the folder (:meth:`copy_file`, a new file id) and delete the original
        (:meth:`delete_file`); a ``folder_id`` change is refused here, saying so.

        :param changes: ``file_name`` (no ``/``), ``category_id`` or ``category_name`` (see
            :meth:`file_categories`), ``access_control`` (``public`` or ``private``).
        :raises AudioInputError: a field or value AudioStack does not take; nothing was sent.
        """
        problems = file_change_problems(changes) + _ids_problems(file_id=file_id)
        if problems:
            raise AudioInputError("AudioStack file update", problems)
        response = self.get_conn().call(
            routes.UPDATE_FILE, path_params={"file_id": file_id}, json_body=dict(changes)
        )
        return response.json_object()

    def delete_file(self, file_id: str) -> None:
        """Delete a file."""
        self.get_conn().call(routes.DELETE_FILE, path_params={"file_id": file_id})

    def copy_file(self, file_id: str, current_folder_id: str, new_folder_id: str) -> dict[str, Any]:
        """
        Copy a file into another folder; returns the copy (a new ``fileId``, ``folderId`` the new folder).

        :param file_id: the file.
        :param current_folder_id: the folder it is in (AudioStack checks it).
        :param new_folder_id: the folder the copy goes to.
        :raises AudioInputError: an id is empty; nothing was sent.
        """
        ids = {"file_id": file_id, "current_folder_id": current_folder_id, "new_folder_id": new_folder_id}
        problems = _ids_problems(**ids)
        if problems:
            raise AudioInputError("AudioStack file copy", problems)
        return self.get_conn().call(routes.COPY_FILE, json_body=ids).json_object()

    def file_categories(self) -> list[dict[str, Any]]:
        """The file types AudioStack offers (``fileTypes``), each with its categories."""
        file_types = self.get_conn().call(routes.FILE_CATEGORIES).json_object().get("fileTypes")
        return [item for item in file_types or [] if isinstance(item, dict)]

    def root_folder_id(self) -> str:
        """The id of the organisation's root folder (where files go when no folder is given)."""
        return str(self._path_chain(self.get_conn().call(routes.LIST_FOLDER).json_object())[0]["folderId"])

    def create_folder(self, folder_name: str, parent_folder_id: str | None = None) -> dict[str, Any]:
        """
        Create a folder; returns it (``folderId``, ``folderName``, ``parentFolderId``...).

        :param folder_name: its name (no ``/``; unique among its siblings).
        :param parent_folder_id: the folder it goes in (the root by default).
        """
        problems = [problem for problem in [_name_problem("folder_name", folder_name)] if problem]
        if parent_folder_id is not None:
            problems += _ids_problems(parent_folder_id=parent_folder_id)
        if problems:
            raise AudioInputError("AudioStack folder", problems)
        body = {"folder_name": folder_name}
        if parent_folder_id is not None:
            body["parent_folder_id"] = parent_folder_id
        return self.get_conn().call(routes.CREATE_FOLDER, json_body=body).json_object()

    def folder_at_path(self, path: str) -> dict[str, Any]:
        """
        The folder a path of names leads to from the root (``"shows/episodes"``).

        :raises AudioServiceNotFoundError: no folder is at that path.
        """
        listing = self.get_conn().call(routes.LIST_FOLDER, params={"path": path}).json_object()
        return self._path_chain(listing)[0]

    def folder_files(self, folder_id: str) -> list[dict[str, Any]]:
        """The files of a folder (as :meth:`get_file` answers each)."""
        listing = self.get_conn().call(routes.GET_FOLDER, path_params={"folder_id": folder_id}).json_object()
        data = listing.get("data")
        files = data.get("files") if isinstance(data, Mapping) else None
        return [item for item in files or [] if isinstance(item, dict)]

    def files_named(self, folder_id: str, file_name: str) -> list[dict[str, Any]]:
        """The files of a folder named exactly ``file_name``, judged on the client."""
        return [
            file
            for file in self.folder_files(folder_id)
            if file.get("fileName") == file_name and file.get("folderId", folder_id) == folder_id
        ]

    def delete_folder(self, folder_id: str) -> None:
        """Delete an (empty) folder."""
        self.get_conn().call(routes.DELETE_FOLDER, path_params={"folder_id": folder_id})

    @staticmethod
    def _path_chain(listing: Mapping[str, Any]) -> list[dict[str, Any]]:
        """
        ``currentPathChain`` of a folder listing, the folder listed first; like the official SDK
        (``folders/folder.py:296-313``), it is read under ``data`` or at the top level.
        """
        data = listing.get("data")
        holder = data if isinstance(data, Mapping) else listing
        chain = [link for link in holder.get("currentPathChain") or [] if isinstance(link, dict)]
        if not chain or not chain[0].get("folderId"):
            raise ValueError("AudioStack answered a folder listing without currentPathChain")
        return chain

    def download_file_by_id(
        self, file_id: str, destination: str | os.PathLike[str] | ObjectStoragePath
    ) -> DownloadedFile:
        """Download a file of the library to a local path or an ``ObjectStoragePath``."""
        item = self.get_file(file_id)
        if not item.get("url"):
            raise AudioInputError(
                "AudioStack file", [f"file_id: {file_id!r} has no URL yet (status {item.get('status')!r})"]
            )
        return self.download(str(item["url"]), destination)
