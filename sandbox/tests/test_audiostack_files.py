"""
AudioStack's file library: create, upload to the upload URL, processing, download, patch, copy, delete.

Files are answered at the top level of the body with the keys the official client reads
(audiostack 4.0.0 ``files/file.py``); bodies are its snake_case fields.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .audiostack import add_fault, call, locs, make_wav, stats, wait_uploaded


def _create(sandbox: SandboxServer, body: dict[str, Any]) -> dict[str, Any]:
    response = call(sandbox, "POST", "/files", body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _put(upload_url: str, data: Any, content_type: str, **headers: str) -> requests.Response:
    return requests.put(upload_url, data=data, headers={"Content-Type": content_type, **headers}, timeout=10)


def _file(sandbox: SandboxServer, file_id: str) -> dict[str, Any]:
    response = call(sandbox, "GET", f"/files/{file_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _folder(sandbox: SandboxServer, name: str) -> str:
    response = call(sandbox, "POST", "/folders", {"folder_name": name})
    assert response.status_code == 200, response.text
    folder_id: str = response.json()["folderId"]
    return folder_id


def _category_id(sandbox: SandboxServer, name: str) -> str:
    file_types = call(sandbox, "GET", "/files/file-categories").json()["fileTypes"]
    [category_id] = [
        c["fileCategoryId"] for t in file_types for c in t["fileCategories"] if c["name"] == name
    ]
    return str(category_id)


def _uploaded(sandbox: SandboxServer, name: str, data: bytes, **body: Any) -> dict[str, Any]:
    created = _create(sandbox, {"file_name": name, **body})
    assert _put(created["uploadUrl"], data, created["mimeType"]).status_code == 200
    return wait_uploaded(sandbox, created["fileId"])


def test_upload_goes_created_processing_uploaded_and_downloads_the_same_bytes(sandbox: SandboxServer) -> None:
    folder_id = _folder(sandbox, "voice overs")
    speech = _category_id(sandbox, "speech")
    created = _create(sandbox, {"file_name": "voice over.wav", "folder_id": folder_id, "category_id": speech})
    assert set(created) == {"uploadUrl", "fileId", "mimeType"}
    assert uuid.UUID(created["fileId"])
    assert created["mimeType"] == "audio/wav"
    assert created["uploadUrl"].startswith(sandbox.base_url + "/audiostack/_upload/")
    before = _file(sandbox, created["fileId"])
    assert before["status"] == "created" and before["url"] is None and before["size"] is None
    assert (before["fileName"], before["folderId"]) == ("voice over.wav", folder_id)
    assert before["fileCategory"] == {"fileCategoryId": speech, "name": "speech"}
    assert before["fileType"]["name"] == "audio" and before["createdAt"].endswith("Z")
    assert (before["createdBy"], before["accessControl"], before["updatedAt"]) == (
        "sandbox-user",
        "public",
        None,
    )

    wav = make_wav(1.5)
    put = _put(created["uploadUrl"], wav, "audio/wav")  # no API key: the URL is the credential
    assert put.status_code == 200, put.text
    processing = _file(sandbox, created["fileId"])
    assert processing["status"] == "processing" and processing["url"] is None
    assert processing["size"] == len(wav)

    uploaded = wait_uploaded(sandbox, created["fileId"])
    assert uploaded["duration"] == pytest.approx(1.5, abs=0.01)
    download = requests.get(uploaded["url"], timeout=5)
    assert download.status_code == 200
    assert download.content == wav
    assert int(download.headers["content-length"]) == len(wav)
    assert download.headers["content-type"] == "audio/wav"


@pytest.mark.parametrize(
    ("body", "mime_type", "file_type"),
    [
        ({"file_name": "jingle.mp3"}, "audio/mpeg", "audio"),
        ({"file_name": "clip.M4A"}, "audio/mp4", "audio"),
        ({"file_name": "notes.txt"}, "application/octet-stream", "text"),
        ({"file_name": "noextension"}, "application/octet-stream", "other"),
    ],
)
def test_mime_type_follows_the_extension(
    sandbox: SandboxServer, body: dict[str, str], mime_type: str, file_type: str
) -> None:
    created = _create(sandbox, body)
    assert created["mimeType"] == mime_type
    assert _file(sandbox, created["fileId"])["fileType"]["name"] == file_type


def test_non_wav_has_no_duration(sandbox: SandboxServer) -> None:
    assert _uploaded(sandbox, "notes.txt", b"plain text")["duration"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ["file_name"]),
        ({"file_name": ""}, ["file_name"]),
        ({"fileName": 3}, ["fileName"]),
        ({"file_name": "a/b.wav"}, ["file_name"]),
        ({"file_name": "a.wav", "fileName": "b.wav"}, ["fileName"]),
        ({"file_name": "a.wav", "folder_id": 7}, ["folder_id"]),
        ({"file_name": "a.wav", "categoryId": ""}, ["categoryId"]),
        ({"file_name": "a.wav", "category_id": "speech"}, ["category_id"]),
        ({"file_name": "a.wav", "category_name": "speech"}, ["category_name"]),
    ],
)
def test_create_validation(sandbox: SandboxServer, body: dict[str, Any], expected: list[str]) -> None:
    assert expected in locs(call(sandbox, "POST", "/files", body))
    assert stats(sandbox)["audiostack_jobs"]["files"] == 0


def test_upload_refuses_a_wrong_content_type_and_a_missing_length(sandbox: SandboxServer) -> None:
    created = _create(sandbox, {"file_name": "a.wav"})
    wrong = _put(created["uploadUrl"], make_wav(0.1), "audio/mpeg")
    assert wrong.status_code == 400
    assert "audio/wav" in wrong.json()["message"] and set(wrong.json()) == {"message", "errors"}

    def chunks() -> Iterator[bytes]:
        yield b"RIFF"
        yield b"...."

    chunked = _put(created["uploadUrl"], chunks(), "audio/wav")  # no Content-Length: chunked
    assert chunked.status_code == 400 and "Content-Length" in chunked.json()["message"]
    assert _file(sandbox, created["fileId"])["status"] == "created"
    unknown = _put(sandbox.service_url("audiostack") + "/_upload/not-a-token", b"x", "audio/wav")
    assert unknown.status_code == 404


def test_a_second_put_replaces_the_bytes(sandbox: SandboxServer) -> None:
    created = _create(sandbox, {"file_name": "take.wav"})
    assert _put(created["uploadUrl"], make_wav(0.5), "audio/wav").status_code == 200
    wait_uploaded(sandbox, created["fileId"])
    second = make_wav(2.0)
    assert _put(created["uploadUrl"], second, "audio/wav").status_code == 200
    assert _file(sandbox, created["fileId"])["status"] == "processing"
    replaced = wait_uploaded(sandbox, created["fileId"])
    assert replaced["size"] == len(second) and replaced["duration"] == pytest.approx(2.0, abs=0.01)
    assert requests.get(replaced["url"], timeout=5).content == second


def test_a_big_upload_streams_to_disk(sandbox: SandboxServer) -> None:
    data = os.urandom(6 * 1024 * 1024 + 123)
    uploaded = _uploaded(sandbox, "big.bin", data)
    assert uploaded["size"] == len(data)
    download = requests.get(uploaded["url"], timeout=10)
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(data).digest()
    record = sandbox.state.audiostack.files.get(uploaded["fileId"])
    assert record is not None and record.path.stat().st_size == len(data)


def test_patch_renames_recategorises_and_sets_access_control(sandbox: SandboxServer) -> None:
    item = _uploaded(sandbox, "old.wav", make_wav(0.2))
    music = _category_id(sandbox, "music")
    changes = {"file_name": "new.wav", "category_id": music, "access_control": "private"}
    patched = call(sandbox, "PATCH", f"/files/{item['fileId']}", changes)
    assert patched.status_code == 200, patched.text
    data = patched.json()
    assert (data["fileName"], data["fileCategory"]["name"], data["accessControl"]) == (
        "new.wav",
        "music",
        "private",
    )
    assert data["folderId"] == item["folderId"] and data["updatedAt"] and data["updatedBy"] == "sandbox-user"
    assert data["url"].endswith("/new.wav") and requests.get(data["url"], timeout=5).status_code == 200
    assert requests.get(item["url"], timeout=5).status_code == 404  # the old name's URL
    by_name = call(sandbox, "PATCH", f"/files/{item['fileId']}", {"category_name": "speech"})
    assert by_name.json()["fileCategory"]["name"] == "speech"
    # The official client's tests patch with no field and expect the file back, unchanged.
    unchanged = call(sandbox, "PATCH", f"/files/{item['fileId']}", {})
    assert unchanged.status_code == 200 and unchanged.json() == _file(sandbox, item["fileId"])


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"fileName": "x.wav"}, ["fileName"]),
        ({"file_name": "x.wav", "size": 3}, ["size"]),
        ({"folder_id": "elsewhere"}, ["folder_id"]),  # there is no move: copy, then delete
        ({"file_name": ""}, ["file_name"]),
        ({"access_control": "secret"}, ["access_control"]),
        ({"category_id": "nope"}, ["category_id"]),
        ({"category_name": "nope"}, ["category_name"]),
    ],
)
def test_patch_validation(sandbox: SandboxServer, changes: dict[str, Any], expected: list[str]) -> None:
    file_id = _create(sandbox, {"file_name": "a.wav"})["fileId"]
    response = call(sandbox, "PATCH", f"/files/{file_id}", changes)
    assert expected in locs(response)
    if list(changes) == ["folder_id"]:
        assert "file_name, category_id, category_name, access_control" in response.json()["errors"][0]
    assert _file(sandbox, file_id)["fileName"] == "a.wav"


def test_copy_makes_a_new_file_with_the_same_bytes(sandbox: SandboxServer) -> None:
    wav = make_wav(0.4)
    source, target = _folder(sandbox, "from"), _folder(sandbox, "to")
    item = _uploaded(sandbox, "copy me.wav", wav, folder_id=source)
    body = {"file_id": item["fileId"], "current_folder_id": source, "new_folder_id": target}
    copied = call(sandbox, "PUT", "/files/copy", body)
    assert copied.status_code == 200, copied.text
    data = copied.json()  # the copy, at the top level
    assert data["fileId"] != item["fileId"]
    assert (data["folderId"], data["fileName"], data["status"]) == (target, "copy me.wav", "uploaded")
    assert requests.get(data["url"], timeout=5).content == wav
    assert _file(sandbox, item["fileId"])["folderId"] == source
    assert stats(sandbox)["audiostack_jobs"]["files"] == 2

    wrong_folder = call(sandbox, "PUT", "/files/copy", {**body, "current_folder_id": target})
    assert wrong_folder.status_code == 400 and "current_folder_id" in wrong_folder.json()["message"]
    unknown = call(sandbox, "PUT", "/files/copy", {**body, "file_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    nowhere = call(sandbox, "PUT", "/files/copy", {**body, "new_folder_id": str(uuid.uuid4())})
    assert nowhere.status_code == 404 and "Folder" in nowhere.json()["message"]
    assert ["new_folder_id"] in locs(
        call(sandbox, "PUT", "/files/copy", {"file_id": "a", "current_folder_id": "b"})
    )
    camel = {"fileId": item["fileId"], "currentFolderId": source, "newFolderId": target}
    assert ["fileId"] in locs(call(sandbox, "PUT", "/files/copy", camel))


def test_delete_forgets_the_file(sandbox: SandboxServer) -> None:
    item = _uploaded(sandbox, "gone.wav", make_wav(0.2))
    deleted = call(sandbox, "DELETE", f"/files/{item['fileId']}")
    assert deleted.status_code == 200 and deleted.json()["message"]
    assert call(sandbox, "GET", f"/files/{item['fileId']}").status_code == 404
    assert requests.get(item["url"], timeout=5).status_code == 404
    assert call(sandbox, "DELETE", f"/files/{item['fileId']}").status_code == 404
    assert call(sandbox, "PATCH", "/files/nope", {"file_name": "a.wav"}).status_code == 404


def test_file_categories_still_answer_and_files_need_the_key(sandbox: SandboxServer) -> None:
    file_types = call(sandbox, "GET", "/files/file-categories").json()["fileTypes"]
    assert "audio" in [file_type["name"] for file_type in file_types]
    wrong = call(sandbox, "POST", "/files", {"file_name": "a.wav"}, headers={"x-api-key": "wrong"})
    assert wrong.status_code == 401 and "message" in wrong.json()


def test_processing_time_is_fixed_at_the_put(sandbox: SandboxServer) -> None:
    requests.patch(sandbox.base_url + "/_sandbox/settings", json={"file_processing_seconds": 30}, timeout=5)
    created = _create(sandbox, {"file_name": "slow.wav"})
    assert _put(created["uploadUrl"], make_wav(0.1), "audio/wav").status_code == 200
    requests.patch(sandbox.base_url + "/_sandbox/settings", json={"file_processing_seconds": 0}, timeout=5)
    assert _file(sandbox, created["fileId"])["status"] == "processing"


def test_scripted_faults_hit_the_upload_url(sandbox: SandboxServer) -> None:
    created = _create(sandbox, {"file_name": "a.wav"})
    add_fault(sandbox, match="PUT /audiostack/_upload/*", kind="503")
    assert _put(created["uploadUrl"], make_wav(0.1), "audio/wav").status_code == 503
    assert _file(sandbox, created["fileId"])["status"] == "created"
    assert _put(created["uploadUrl"], make_wav(0.1), "audio/wav").status_code == 200


def test_bytes_live_in_the_data_dir_and_reset_removes_them(tmp_path: Path) -> None:
    with SandboxServer(data_dir=str(tmp_path), file_processing_seconds=0) as own:
        created = requests.post(
            own.service_url("audiostack") + "/files",
            json={"file_name": "kept.wav"},
            headers={"x-api-key": "sandbox-key"},
            timeout=5,
        ).json()
        wav = make_wav(0.2)
        assert _put(created["uploadUrl"], wav, "audio/wav").status_code == 200
        stored = list((tmp_path / "audiostack-files").iterdir())
        assert [path.read_bytes() for path in stored] == [wav]
        requests.post(own.base_url + "/_sandbox/reset", timeout=5).raise_for_status()
        assert list((tmp_path / "audiostack-files").iterdir()) == []
