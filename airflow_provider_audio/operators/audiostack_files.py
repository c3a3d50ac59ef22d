"""AudioStack file library operators, and the usage report."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_audio.defaults import AUDIOSTACK_CONN_ID
from airflow_provider_audio.exceptions import (
    AudioInputError,
    AudioLostSubmitError,
    AudioServiceError,
    AudioServiceNotFoundError,
)
from airflow_provider_audio.operators.audiostack import (
    FILE_URL_XCOM_KEY,
    AudioStackFileLink,
    AudioStackJobOperator,
    AudioStackOperatorMixin,
)
from airflow_provider_audio.operators.base import Job, may_have_acted
from airflow_provider_audio.timestamps import parse_time

# The hook and upload sources are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath


# AudioStack processes an uploaded file in seconds; a file not ready in 10 minutes is stuck.
DEFAULT_UPLOAD_TIMEOUT = timedelta(minutes=10)
# How much earlier than a lost create a file record may say it was made (the service's clock and
# ours differ) and still be taken for the one it made.
LOST_FILE_CLOCK_LEEWAY = timedelta(minutes=1)
# Where the copy operator notes the new folder's same-named files before it sends the copy.
COPY_STATE_KEY = "audiostack_copy"


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
    finds_lost_jobs = True
    template_fields: Sequence[str] = ("source", "file_name", "conn_id")
    operator_extra_links = (AudioStackFileLink(),)

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

    def find_lost_job(self, context: Context, intent: dict[str, Any]) -> Job | None:
        """
        A create whose answer was lost leaves a file record without bytes, and its upload URL went
        with the answer: that record (this name, this folder, created since the submit, never
        uploaded) is deleted and the file created anew, so the folder holds one file of it. Records
        this task cannot tell from another's (several, or no creation time) fail the task instead.
        """
        from airflow_provider_audio.upload.sources import FileSource

        name = self.file_name or FileSource(self.source).name
        folder_id = self.folder_id or self.hook.root_folder_id()
        since = datetime.fromtimestamp(float(intent["at"]), UTC) - LOST_FILE_CLOCK_LEEWAY
        left = []
        for file in self.hook.files_named(folder_id, name):
            created = parse_time(file.get("createdAt"))
            if file.get("status") != "uploaded" and (created is None or created >= since):
                left.append((file, created))
        if len(left) > 1 or any(created is None for _, created in left):
            ids = ", ".join(str(file.get("fileId")) for file, _ in left)
            raise AudioLostSubmitError(
                f"an earlier try sent {intent['route']} and its answer was lost; folder {folder_id} holds "
                f"file record(s) {ids} named {name!r} without bytes that this task cannot tell from "
                f"another's (several, or no creation time). Delete the one(s) not wanted, then clear "
                f"this task."
            )
        for file, _ in left:
            self.log.warning(
                "File %s (%r) is the record a lost create left, without its upload URL: deleting it "
                "and creating the file anew",
                file.get("fileId"),
                name,
            )
            self.hook.delete_file(str(file["fileId"]))
        return None

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        file_id, item = next(iter(items.items()))
        result: dict[str, Any] = item["result"]
        self.record_link(context, FILE_URL_XCOM_KEY, result.get("url"))
        self.log_made(
            context,
            f"file {file_id} ({result.get('fileName')!r})",
            took_seconds=self.job_elapsed(context),
            size_bytes=_size(result),
            url=result.get("url"),
        )
        return result


class AudioStackDownloadFileOperator(AudioStackOperatorMixin, BaseOperator):
    """
    Download a library file to a local path or an ``ObjectStoragePath`` (whole files only).

    :param file_id: the file (templated).
    :param output_path: where to write it (templated).
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("file_id", "output_path", "conn_id")
    operator_extra_links = (AudioStackFileLink(),)

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
        self.record_link(context, FILE_URL_XCOM_KEY, downloaded.url)
        self.log_made(
            context,
            f"a copy of file {self.file_id}",
            size_bytes=downloaded.size_bytes,
            location=downloaded.path,
            url=downloaded.url,
        )
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
    operator_extra_links = (AudioStackFileLink(),)

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
        before = _change_fields(self.hook.get_file(str(self.file_id)))
        updated = self.hook.update_file(str(self.file_id), self.changes)
        self.record_link(context, FILE_URL_XCOM_KEY, updated.get("url"))
        self.log_changed(f"file {self.file_id}", dict(self.changes), before)
        return updated


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

    The same-named files of the new folder are noted (in the task state store) before the copy is
    sent; when its answer is lost, the retry takes the one file that was not there before as the
    copy instead of copying again.

    :param file_id: the file (templated).
    :param current_folder_id: the folder it is in (templated).
    :param new_folder_id: the folder the copy goes to (templated).
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("file_id", "current_folder_id", "new_folder_id", "conn_id")
    operator_extra_links = (AudioStackFileLink(),)

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
        source = self.hook.get_file(str(self.file_id))
        name = str(source.get("fileName") or "")
        store = context.get("task_state_store")
        earlier = store.get(COPY_STATE_KEY) if store is not None else None
        noted = earlier.get("before") if isinstance(earlier, dict) else None
        if isinstance(noted, list):
            made = self._copies_not_in(name, {str(file_id) for file_id in noted})
            if len(made) == 1:
                self.log.warning(
                    "An earlier try's copy answer was lost; the copy it made is %s", made[0].get("fileId")
                )
                return self._copied(context, made[0])
            if made:
                ids = ", ".join(str(file.get("fileId")) for file in made)
                raise AudioLostSubmitError(
                    f"an earlier try's PUT /files/copy answer was lost, and folder {self.new_folder_id} "
                    f"now holds several new files named {name!r} ({ids}); this task cannot tell which is "
                    f"its copy. Delete the ones not wanted, then clear this task."
                )
        before = [str(file.get("fileId")) for file in self.hook.files_named(str(self.new_folder_id), name)]
        if store is not None:
            noting: dict[str, Any] = {"before": before}
            store.set(COPY_STATE_KEY, noting)
        try:
            copy = self.hook.copy_file(
                str(self.file_id), str(self.current_folder_id), str(self.new_folder_id)
            )
        except AudioServiceError as error:
            if store is not None and not may_have_acted(error):
                store.set(COPY_STATE_KEY, {})
            raise
        if store is not None:
            store.set(COPY_STATE_KEY, {})
        return self._copied(context, copy)

    def _copied(self, context: Context, copy: dict[str, Any]) -> dict[str, Any]:
        self.record_link(context, FILE_URL_XCOM_KEY, copy.get("url"))
        self.log_made(
            context,
            f"file {copy.get('fileId')}, a copy of file {self.file_id} in folder {self.new_folder_id}",
            size_bytes=_size(copy),
            url=copy.get("url"),
        )
        return copy

    def _copies_not_in(self, name: str, before: set[str]) -> list[dict[str, Any]]:
        """Files named ``name`` in the new folder that were not there before the copy was sent."""
        named = self.hook.files_named(str(self.new_folder_id), name)
        return [file for file in named if str(file.get("fileId")) not in before]


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


def _size(file: dict[str, Any]) -> int | None:
    """A file record's ``size`` in bytes, when it gives one."""
    size = file.get("size")
    return int(size) if isinstance(size, int | float) and not isinstance(size, bool) else None


def _change_fields(file: dict[str, Any]) -> dict[str, Any]:
    """A file record's values under the names ``PATCH /files/{id}`` takes (those it shows)."""
    fields = {"file_name": file.get("fileName"), "access_control": file.get("accessControl")}
    category = file.get("fileCategory")
    if isinstance(category, dict):
        if "fileCategoryId" in category:
            fields["category_id"] = category["fileCategoryId"]
        if "name" in category:
            fields["category_name"] = category["name"]
    elif category is None and "fileCategory" in file:
        fields["category_id"] = fields["category_name"] = None
    return fields
