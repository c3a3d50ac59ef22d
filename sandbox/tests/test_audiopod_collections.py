"""AudioPod collections over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .audiopod import HEADERS, api, created, detail, stats, status


def _create(sandbox: SandboxServer, **body: Any) -> requests.Response:
    return requests.post(api(sandbox) + "/collections", headers=HEADERS, json=body, timeout=5)


def _add(sandbox: SandboxServer, collection_id: str, voice_ids: Any) -> requests.Response:
    return requests.post(
        f"{api(sandbox)}/collections/{collection_id}/voices",
        headers=HEADERS,
        json={"voice_ids": voice_ids},
        timeout=5,
    )


def _list(sandbox: SandboxServer, **params: Any) -> requests.Response:
    return requests.get(api(sandbox) + "/collections", headers=HEADERS, params=params, timeout=5)


def _voice_id(sandbox: SandboxServer, number: int) -> str:
    voice_id: str = status(sandbox, number).json()["voice_id"]
    return voice_id


def test_create_collection_is_201_and_echoes_the_voice_ids(sandbox: SandboxServer) -> None:
    mine = created(sandbox)
    response = _create(
        sandbox,
        name="Podcast voices",
        description="for the show",
        voice_ids=[1, mine["uuid"], _voice_id(sandbox, 2), "1"],
        tags=["podcast"],
        is_public=True,
    )
    assert response.status_code == 201, response.text
    collection = response.json()
    assert set(collection) == {
        "collection_id",
        "name",
        "description",
        "voice_ids",
        "tags",
        "is_public",
        "created_at",
    }
    assert collection["collection_id"].startswith("collection_")
    assert (collection["name"], collection["description"], collection["tags"], collection["is_public"]) == (
        "Podcast voices",
        "for the show",
        ["podcast"],
        True,
    )
    # As given (as strings), each voice once: "1" names voice 1 again, so it is not repeated.
    assert collection["voice_ids"] == ["1", mine["uuid"], _voice_id(sandbox, 2)]
    assert stats(sandbox)["audiopod"]["collections"] == 1


def test_collection_defaults(sandbox: SandboxServer) -> None:
    collection = _create(sandbox, name="Empty").json()
    assert (
        collection["description"],
        collection["voice_ids"],
        collection["tags"],
        collection["is_public"],
    ) == (
        None,
        [],
        [],
        False,
    )


def test_add_voices_without_duplicates(sandbox: SandboxServer) -> None:
    collection = _create(sandbox, name="Mix", voice_ids=[1]).json()
    response = _add(
        sandbox, collection["collection_id"], ["2", _voice_id(sandbox, 1), _voice_id(sandbox, 2), 3]
    )
    assert response.status_code == 200, response.text
    assert response.json()["voice_ids"] == ["1", "2", "3"]
    listed = _list(sandbox).json()["collections"][0]
    assert listed["voice_ids"] == response.json()["voice_ids"]


def test_a_deleted_voice_leaves_its_collections(sandbox: SandboxServer) -> None:
    mine = created(sandbox)
    collection = _create(sandbox, name="Mine", voice_ids=[mine["voice_id"], "1"]).json()
    requests.delete(f"{api(sandbox)}/voices/{mine['id']}", headers=HEADERS, timeout=5)
    assert _list(sandbox).json()["collections"][0]["voice_ids"] == ["1"]
    assert "Voice not found" in detail(_add(sandbox, collection["collection_id"], [mine["id"]]), 404)


def test_list_collections_pages(sandbox: SandboxServer) -> None:
    names = [f"c{i}" for i in range(5)]
    for name in names:
        assert _create(sandbox, name=name).status_code == 201
    first = _list(sandbox, limit=3).json()
    assert ([c["name"] for c in first["collections"]], first["total"], first["hasMore"]) == (
        names[:3],
        5,
        True,
    )
    second = _list(sandbox, skip=3, limit=3).json()
    assert ([c["name"] for c in second["collections"]], second["hasMore"]) == (names[3:], False)


@pytest.mark.parametrize(
    ("body", "status_code", "named"),
    [
        ({}, 422, "name"),
        ({"name": ""}, 400, "name must not be empty"),
        ({"name": "x", "voice_ids": [1, "voice_ghost"]}, 404, "Voice not found: voice_ghost"),
        ({"name": "x", "voice_ids": "1,2"}, 422, "voice_ids"),
        ({"name": "x", "is_public": "yes"}, 422, "is_public"),
    ],
)
def test_create_collection_problems(
    sandbox: SandboxServer, body: dict[str, Any], status_code: int, named: str
) -> None:
    assert named in str(detail(_create(sandbox, **body), status_code))
    assert stats(sandbox)["audiopod"]["collections"] == 0


def test_add_voices_problems(sandbox: SandboxServer) -> None:
    collection = _create(sandbox, name="x").json()["collection_id"]
    assert detail(_add(sandbox, "collection_nope", [1]), 404) == "Collection not found"
    assert detail(_add(sandbox, collection, [99999]), 404) == "Voice not found: 99999"
    assert detail(_add(sandbox, collection, []), 422)[0]["loc"] == ["body", "voice_ids"]
    assert _list(sandbox).json()["collections"][0]["voice_ids"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 51}, {"skip": -1}])
def test_list_collections_query_problems_are_422(sandbox: SandboxServer, params: dict[str, int]) -> None:
    assert detail(_list(sandbox, **params), 422)[0]["loc"][0] == "query"
