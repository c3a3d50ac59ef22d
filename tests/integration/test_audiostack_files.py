"""The AudioStack hook's files and folders against the live sandbox: the official SDK's shapes, end to end."""

from __future__ import annotations

import math
import struct
import time
import uuid
import wave
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.client.routes.audiostack import BuildState
from airflow_provider_audio.exceptions import (
    AudioInputError,
    AudioServiceNotFoundError,
    AudioServiceRequestError,
)
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.integration.conftest import FAST_RETRIES, HookFactory, SandboxAdmin


def write_wav(path: Path, seconds: float = 0.5) -> Path:
    frames = [int(4000 * math.sin(i / 6)) for i in range(int(seconds * 8000))]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack(f"<{len(frames)}h", *frames))
    return path


def uploaded(hook: AudioStackHook, source: Path, **kwargs: Any) -> dict[str, Any]:
    file_id = hook.upload_file(source, **kwargs)
    deadline = time.monotonic() + 10
    while (status := hook.get_build("file", file_id)).state is BuildState.BUILDING:
        assert time.monotonic() < deadline, f"file {file_id} not uploaded"
        time.sleep(0.1)
    assert status.state is BuildState.SUCCEEDED
    return hook.get_file(file_id)


@pytest.fixture
def hook(make_hook: HookFactory, audiostack_conn: str) -> AudioStackHook:
    return make_hook(AudioStackHook, audiostack_conn, retry_policy=FAST_RETRIES)


def test_file_round_trip_rename_access_copy_into_a_folder_and_delete(
    hook: AudioStackHook, tmp_path: Path
) -> None:
    root = hook.root_folder_id()
    assert uuid.UUID(root)
    item = uploaded(hook, write_wav(tmp_path / "jingle.wav"))
    assert item["folderId"] == root and item["fileName"] == "jingle.wav" and item["status"] == "uploaded"
    assert isinstance(item["fileType"], dict) and item["accessControl"] == "public"

    updated = hook.update_file(
        item["fileId"], {"file_name": "intro.wav", "access_control": "private", "category_name": "music"}
    )
    assert (updated["fileName"], updated["accessControl"], updated["fileCategory"]["name"]) == (
        "intro.wav",
        "private",
        "music",
    )
    assert hook.get_file(item["fileId"])["fileName"] == "intro.wav"

    archive = hook.create_folder("archive")
    assert archive["parentFolderId"] == root
    assert hook.folder_at_path("archive")["folderId"] == archive["folderId"]
    copy = hook.copy_file(item["fileId"], root, archive["folderId"])
    # The copy is answered: a new file, in the new folder; the original stays where it was.
    assert copy["fileId"] != item["fileId"] and copy["folderId"] == archive["folderId"]
    assert copy["fileName"] == "intro.wav"
    assert hook.get_file(item["fileId"])["folderId"] == root
    assert [file["fileId"] for file in hook.folder_files(archive["folderId"])] == [copy["fileId"]]

    with pytest.raises(AudioServiceRequestError, match="current_folder_id"):
        hook.copy_file(item["fileId"], archive["folderId"], root)  # it is not in that folder
    for file_id in (copy["fileId"], item["fileId"]):
        hook.delete_file(file_id)
        with pytest.raises(AudioServiceNotFoundError):
            hook.get_file(file_id)
    hook.delete_folder(archive["folderId"])
    with pytest.raises(AudioServiceNotFoundError):
        hook.folder_at_path("archive")


def test_upload_into_a_folder_with_a_category(hook: AudioStackHook, tmp_path: Path) -> None:
    speech = next(
        category["fileCategoryId"]
        for file_type in hook.file_categories()
        for category in file_type["fileCategories"]
        if category["name"] == "speech"
    )
    folder = hook.create_folder("takes")
    item = uploaded(hook, write_wav(tmp_path / "take.wav"), folder_id=folder["folderId"], category_id=speech)
    assert item["folderId"] == folder["folderId"] and item["fileCategory"]["fileCategoryId"] == speech


def test_file_categories_are_the_file_types(hook: AudioStackHook) -> None:
    names = [file_type["name"] for file_type in hook.file_categories()]
    assert "audio" in names


@pytest.mark.parametrize(
    ("changes", "texts"),
    [
        ({"folder_id": "f"}, ["folder_id: AudioStack cannot move a file", "AudioStackCopyFileOperator"]),
        ({"size": 3}, ["size: unknown field", "file_name, category_id, category_name, access_control"]),
        ({"access_control": "secret"}, ["access_control: 'secret'", "public, private"]),
        ({"file_name": "a/b.wav"}, ["file_name: must not contain '/'"]),
        ({"category_id": ""}, ["category_id: must be a non-empty string"]),
        ({}, ["changes: nothing to change"]),
    ],
)
def test_bad_file_changes_fail_before_any_call(
    hook: AudioStackHook, admin: SandboxAdmin, changes: dict[str, Any], texts: list[str]
) -> None:
    with pytest.raises(AudioInputError) as caught:
        hook.update_file("some-file", changes)
    for text in texts:
        assert text in str(caught.value)
    assert admin.stats()["requests"] == {}


def test_bad_copy_and_folder_input_fail_before_any_call(hook: AudioStackHook, admin: SandboxAdmin) -> None:
    with pytest.raises(AudioInputError, match="new_folder_id: must be a non-empty id"):
        hook.copy_file("a", "b", "")
    with pytest.raises(AudioInputError, match="folder_name: must not contain '/'"):
        hook.create_folder("a/b")
    assert admin.stats()["requests"] == {}


def test_the_services_own_refusal_reads_once_and_plainly(hook: AudioStackHook) -> None:
    # Sent past the hook's own checks, so the service judges it: a PATCH cannot move a file.
    file_id = (
        hook.get_conn().call(routes.CREATE_FILE, json_body={"file_name": "a.wav"}).json_object()["fileId"]
    )
    with pytest.raises(AudioServiceRequestError) as caught:
        hook.get_conn().call(
            routes.UPDATE_FILE, path_params={"file_id": file_id}, json_body={"folder_id": "x"}
        )
    message = caught.value.api_message
    assert message == (
        "Validation error: folder_id: unknown field; the fields are file_name, category_id, category_name, access_control"
    )
