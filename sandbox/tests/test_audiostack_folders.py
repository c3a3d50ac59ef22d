"""AudioStack's folders: the root, create, list (by id, by path), rename, delete, the files of a folder."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .audiostack import call, locs, make_wav, wait_uploaded


def _create(sandbox: SandboxServer, name: str, parent: str | None = None) -> dict[str, Any]:
    body = {"folder_name": name, **({"parent_folder_id": parent} if parent else {})}
    response = call(sandbox, "POST", "/folders", body)
    assert response.status_code == 200, response.text
    folder: dict[str, Any] = response.json()
    return folder


def _listing(sandbox: SandboxServer, path: str) -> dict[str, Any]:
    response = call(sandbox, "GET", path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _file_in(sandbox: SandboxServer, folder_id: str, name: str) -> str:
    created = call(sandbox, "POST", "/files", {"file_name": name, "folder_id": folder_id}).json()
    put = requests.put(
        created["uploadUrl"], data=make_wav(0.1), headers={"Content-Type": "audio/wav"}, timeout=5
    )
    assert put.status_code == 200
    file_id: str = wait_uploaded(sandbox, created["fileId"])["fileId"]
    return file_id


def test_the_root_lists_itself_as_the_whole_path_chain(sandbox: SandboxServer) -> None:
    body = _listing(sandbox, "/folders")
    assert body["pagination"] == {"limit": 100, "offset": 0}
    [root] = body["data"]["currentPathChain"]
    assert uuid.UUID(root["folderId"]) and root["parentFolderId"] is None
    assert body["data"] == {"folders": [], "files": [], "currentPathChain": [root]}
    # A file made without a folder is in the root.
    created = call(sandbox, "POST", "/files", {"file_name": "loose.wav"}).json()
    assert call(sandbox, "GET", f"/files/{created['fileId']}").json()["folderId"] == root["folderId"]


def test_folders_nest_and_list_by_id_and_by_path(sandbox: SandboxServer) -> None:
    root_id = _listing(sandbox, "/folders")["data"]["currentPathChain"][0]["folderId"]
    shows = _create(sandbox, "shows")
    assert set(shows) == {
        "folderId",
        "folderName",
        "parentFolderId",
        "createdBy",
        "createdAt",
        "updatedAt",
        "updatedBy",
    }
    assert (shows["folderName"], shows["parentFolderId"], shows["createdBy"]) == (
        "shows",
        root_id,
        "sandbox-user",
    )
    episodes = _create(sandbox, "episodes", parent=shows["folderId"])
    file_id = _file_in(sandbox, episodes["folderId"], "ep1.wav")

    root = _listing(sandbox, "/folders")["data"]
    assert [folder["folderName"] for folder in root["folders"]] == ["shows"]
    by_path = _listing(sandbox, "/folders?path=shows/episodes")["data"]
    by_id = _listing(sandbox, f"/folders/{episodes['folderId']}")["data"]
    assert by_path == by_id
    assert [file["fileId"] for file in by_id["files"]] == [file_id]
    # The chain starts at the folder listed and goes up to the root.
    assert [link["folderName"] for link in by_id["currentPathChain"]] == ["episodes", "shows", "root"]
    assert call(sandbox, "GET", "/folders?path=shows/nope").status_code == 404


def test_rename_and_names_unique_among_siblings(sandbox: SandboxServer) -> None:
    first, second = _create(sandbox, "a"), _create(sandbox, "b")
    renamed = call(sandbox, "PATCH", f"/folders/{first['folderId']}", {"folder_name": "c"})
    assert renamed.status_code == 200 and renamed.json()["folderName"] == "c" and renamed.json()["updatedAt"]
    taken = call(sandbox, "PATCH", f"/folders/{first['folderId']}", {"folder_name": "b"})
    assert taken.status_code == 409 and "'b'" in taken.json()["message"]
    assert call(sandbox, "POST", "/folders", {"folder_name": "b"}).status_code == 409
    # The same name under another parent is fine.
    assert _create(sandbox, "b", parent=second["folderId"])["folderName"] == "b"


def test_delete_only_an_empty_folder_and_never_the_root(sandbox: SandboxServer) -> None:
    root_id = _listing(sandbox, "/folders")["data"]["currentPathChain"][0]["folderId"]
    holder = _create(sandbox, "holder")
    file_id = _file_in(sandbox, holder["folderId"], "kept.wav")
    refused = call(sandbox, "DELETE", f"/folders/{holder['folderId']}")
    assert refused.status_code == 409 and "not empty" in refused.json()["message"]
    assert call(sandbox, "DELETE", f"/files/{file_id}").status_code == 200
    assert call(sandbox, "DELETE", f"/folders/{holder['folderId']}").status_code == 200
    assert call(sandbox, "GET", f"/folders/{holder['folderId']}").status_code == 404
    assert call(sandbox, "DELETE", f"/folders/{root_id}").status_code == 400
    assert call(sandbox, "PATCH", f"/folders/{root_id}", {"folder_name": "x"}).status_code == 400


def test_files_of_a_folder_page_with_limit_and_offset(sandbox: SandboxServer) -> None:
    folder = _create(sandbox, "many")
    ids = [_file_in(sandbox, folder["folderId"], f"{n}.wav") for n in range(3)]
    page = _listing(sandbox, f"/folders/{folder['folderId']}/files?limit=2&offset=1")
    assert page["pagination"] == {"limit": 2, "offset": 1}
    assert [file["fileId"] for file in page["data"]] == ids[1:]
    assert page["data"][0]["fileType"]["name"] == "audio"


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/folders", {}, ["folder_name"]),
        ("POST", "/folders", {"folder_name": "a/b"}, ["folder_name"]),
        ("POST", "/folders", {"folderName": "camel"}, ["folderName"]),
        ("POST", "/folders", {"folder_name": "a", "parent_folder_id": 3}, ["parent_folder_id"]),
        ("GET", "/folders?limit=0", None, ["query", "limit"]),
        ("GET", "/folders?offset=-1", None, ["query", "offset"]),
    ],
)
def test_folder_validation(
    sandbox: SandboxServer, method: str, path: str, body: dict[str, Any] | None, expected: list[str]
) -> None:
    assert expected in locs(call(sandbox, method, path, body))


def test_odata_filters_are_refused_not_ignored(sandbox: SandboxServer) -> None:
    folder = _create(sandbox, "filtered")
    response = call(sandbox, "GET", f"/folders/{folder['folderId']}/files", params={"$filter": "size gt 0"})
    assert ["query", "$filter"] in locs(response)


def test_unknown_parent_and_unknown_folders_are_404(sandbox: SandboxServer) -> None:
    nowhere = str(uuid.uuid4())
    assert (
        call(sandbox, "POST", "/folders", {"folder_name": "x", "parent_folder_id": nowhere}).status_code
        == 404
    )
    assert call(sandbox, "GET", f"/folders/{nowhere}/files").status_code == 404
    assert call(sandbox, "POST", "/files", {"file_name": "a.wav", "folder_id": nowhere}).status_code == 404


def test_reset_leaves_only_the_root(sandbox: SandboxServer) -> None:
    _create(sandbox, "temporary")
    requests.post(sandbox.base_url + "/_sandbox/reset", timeout=5).raise_for_status()
    assert _listing(sandbox, "/folders")["data"]["folders"] == []
