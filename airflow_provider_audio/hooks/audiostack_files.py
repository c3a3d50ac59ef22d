"""AudioStack files: upload (create, PUT, wait for ``uploaded``), get, update, delete, copy, download."""

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

# PATCH /files/{id} takes these (the official SDK's snake_case names).
FILE_UPDATE_FIELDS = ("file_name", "folder_id", "category_id")


def _item(body: Mapping[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    return dict(data) if isinstance(data, Mapping) else dict(body)


class AudioStackFilesMixin(AudioServiceHook):
    """The file library: calls of ``AudioStackHook``."""

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
        if not name.strip():
            raise AudioInputError("AudioStack file", ["file_name: must not be empty"])
        body: dict[str, Any] = {"file_name": name}
        if folder_id is not None:
            body["folder_id"] = folder_id
        if category_id is not None:
            body["category_id"] = category_id
        created = self.get_conn().call(routes.CREATE_FILE, json_body=body).json_object()
        record = _item(created)
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
        """A file: fileId, fileName, folderId, url, size, status, duration, fileType."""
        return _item(self.get_conn().call(routes.GET_FILE, path_params={"file_id": file_id}).json_object())

    def update_file(self, file_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Rename, move or re-categorise a file (``file_name``, ``folder_id``, ``category_id``)."""
        unknown = sorted(set(changes) - set(FILE_UPDATE_FIELDS))
        if unknown or not changes:
            problems = [
                f"{name}: unknown field; allowed fields: {', '.join(FILE_UPDATE_FIELDS)}" for name in unknown
            ]
            raise AudioInputError("AudioStack file update", problems or ["changes: nothing to change"])
        response = self.get_conn().call(
            routes.UPDATE_FILE, path_params={"file_id": file_id}, json_body=dict(changes)
        )
        return _item(response.json_object())

    def delete_file(self, file_id: str) -> None:
        """Delete a file."""
        self.get_conn().call(routes.DELETE_FILE, path_params={"file_id": file_id})

    def copy_file(self, file_id: str, current_folder_id: str, new_folder_id: str) -> dict[str, Any]:
        """Copy a file into another folder."""
        body = {"fileId": file_id, "currentFolderId": current_folder_id, "newFolderId": new_folder_id}
        return _item(self.get_conn().call(routes.COPY_FILE, json_body=body).json_object())

    def file_categories(self) -> list[dict[str, Any]]:
        """The file categories AudioStack offers."""
        data = self.get_conn().call(routes.FILE_CATEGORIES).json_object().get("data") or {}
        categories = data.get("categories") if isinstance(data, Mapping) else data
        return list(categories or [])

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
