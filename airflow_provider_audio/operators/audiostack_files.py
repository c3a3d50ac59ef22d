"""AudioStack file library operators, and the usage report."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_audio.defaults import AUDIOSTACK_CONN_ID
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceNotFoundError
from airflow_provider_audio.operators.audiostack import AudioStackJobOperator, AudioStackOperatorMixin

# The hook and upload sources are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath


# AudioStack processes an uploaded file in seconds; a file not ready in 10 minutes is stuck.
DEFAULT_UPLOAD_TIMEOUT = timedelta(minutes=10)


class AudioStackUploadFileOperator(AudioStackJobOperator):
    """
    Upload a file to the library (create, PUT to the upload URL) and wait until it is ``uploaded``.

    A file that never reaches ``uploaded`` before the deadline fails the task, naming it.
    Returns the file (``fileId``, ``fileName``, ``url``, ``size``, ``status``...).

    :param source: a local path or an ``ObjectStoragePath`` (templated).
    :param file_name: its name in the library (the source's by default) (templated).
    :param folder_id: the folder (the root by default).
    :param category_id: the category (see ``AudioStackHook.file_categories``).
    """

    resource = "file"
    state_store_key = "audiostack_file"
    submit_route = "POST /files"
    template_fields: Sequence[str] = ("source", "file_name", "conn_id")

    def __init__(
        self,
        *,
        source: str | os.PathLike[str] | ObjectStoragePath,
        file_name: str | None = None,
        folder_id: str | None = None,
        category_id: str | None = None,
        job_timeout: timedelta = DEFAULT_UPLOAD_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(job_timeout=job_timeout, **kwargs)
        self.source = source
        self.file_name = file_name
        self.folder_id = folder_id
        self.category_id = category_id

    def validate(self, context: Context) -> None:
        from airflow_provider_audio.upload.sources import FileSource

        FileSource(self.source)

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        file_id = self.hook.upload_file(
            self.source, file_name=self.file_name, folder_id=self.folder_id, category_id=self.category_id
        )
        return [file_id]

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = next(iter(items.values()))["result"]
        return result


class AudioStackDownloadFileOperator(AudioStackOperatorMixin, BaseOperator):
    """
    Download a library file to a local path or an ``ObjectStoragePath`` (whole files only).

    :param file_id: the file (templated).
    :param output_path: where to write it (templated).
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("file_id", "output_path", "conn_id")

    def __init__(
        self,
        *,
        file_id: str,
        output_path: str | os.PathLike[str] | ObjectStoragePath,
        conn_id: str = AUDIOSTACK_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_id = file_id
        self.output_path = output_path
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        downloaded = self.hook.download_file_by_id(str(self.file_id), self.output_path)
        return {
            "file_id": str(self.file_id),
            "output_path": downloaded.path,
            "size_bytes": downloaded.size_bytes,
        }


class AudioStackUpdateFileOperator(AudioStackOperatorMixin, BaseOperator):
    """
    Rename a library file, re-categorise it or change its access control; returns the updated file.

    AudioStack cannot move a file to another folder: copy it there with
    :class:`AudioStackCopyFileOperator` (the copy has a new id) and delete the original with
    :class:`AudioStackDeleteFileOperator`. Changes are checked before any call: an unknown field, a
    ``folder_id`` or a value AudioStack does not take fails the task, naming the field and what it
    takes.

    :param file_id: the file (templated).
    :param changes: ``file_name``, ``category_id`` or ``category_name``, ``access_control``
        (``public`` or ``private``) (templated).
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("file_id", "changes", "conn_id")

    def __init__(
        self,
        *,
        file_id: str,
        changes: dict[str, Any],
        conn_id: str = AUDIOSTACK_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_id = file_id
        self.changes = changes
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_audio.hooks.audiostack_files import file_change_problems

        problems = file_change_problems(self.changes)
        if problems:
            raise AudioInputError("AudioStack file update", problems)
        return self.hook.update_file(str(self.file_id), self.changes)


class AudioStackDeleteFileOperator(AudioStackOperatorMixin, BaseOperator):
    """
    Delete a library file.

    :param file_id: the file (templated).
    :param missing_ok: succeed when it is already gone.
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("file_id", "conn_id")

    def __init__(
        self,
        *,
        file_id: str,
        missing_ok: bool = True,
        conn_id: str = AUDIOSTACK_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_id = file_id
        self.missing_ok = missing_ok
        self.conn_id = conn_id

    def execute(self, context: Context) -> bool:
        try:
            self.hook.delete_file(str(self.file_id))
        except AudioServiceNotFoundError:
            if not self.missing_ok:
                raise
            return False
        return True


class AudioStackCopyFileOperator(AudioStackOperatorMixin, BaseOperator):
    """
    Copy a library file into another folder; returns the copy (its own ``fileId``, ``folderId`` the
    new folder). With :class:`AudioStackDeleteFileOperator` on the original, this is a move.

    :param file_id: the file (templated).
    :param current_folder_id: the folder it is in (templated).
    :param new_folder_id: the folder the copy goes to (templated).
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("file_id", "current_folder_id", "new_folder_id", "conn_id")

    def __init__(
        self,
        *,
        file_id: str,
        current_folder_id: str,
        new_folder_id: str,
        conn_id: str = AUDIOSTACK_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_id = file_id
        self.current_folder_id = current_folder_id
        self.new_folder_id = new_folder_id
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        return self.hook.copy_file(str(self.file_id), str(self.current_folder_id), str(self.new_folder_id))


class AudioStackUsageOperator(AudioStackOperatorMixin, BaseOperator):
    """
    Fetch the organisation's usage report and return it.

    :param params: query parameters of ``GET /v2/analytics/usage`` (templated).
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("params_", "conn_id")

    def __init__(
        self,
        *,
        params: dict[str, Any] | None = None,
        conn_id: str = AUDIOSTACK_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.params_ = params or {}
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        return self.hook.usage(self.params_)
