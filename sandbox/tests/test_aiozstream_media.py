"""AIOZ Stream audio media: create (and its validation), read, update, delete, list, cost."""

from __future__ import annotations

import datetime
import time
import uuid
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .aioz import (
    HEADERS,
    PAIR_HEADERS,
    aioz_stats,
    api,
    complete,
    create,
    error_message,
    get_media,
    list_media,
    make_wav,
    quality,
    upload,
    uploaded,
)
from .conftest import TRANSCODE_SECONDS

# -- create -------------------------------------------------------------------------------------


def _create_raw(sandbox: SandboxServer, body: Any) -> requests.Response:
    return requests.post(api(sandbox) + "/media/create", json=body, headers=HEADERS, timeout=5)


def test_create_answers_the_vendor_media_object_with_defaults(sandbox: SandboxServer) -> None:
    response = requests.post(
        api(sandbox) + "/media/create",
        json={"title": "My Audio Title", "type": "audio"},
        headers=PAIR_HEADERS,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    media = body["data"]
    uuid.UUID(media["id"])
    assert media == {
        **media,
        "type": "audio",
        "title": "My Audio Title",
        "description": "",
        "metadata": [],
        "tags": [],
        "qualities": [{"name": "standard", "status": "new", "type": "hls"}],
        "captions": [],
        "chapters": [],
        "player_theme_id": "",
        "duration": 0,
        "size": 0,
        "is_mp4": False,
        "is_public": True,
        "status": "new",
        "view": 0,
    }
    me = requests.get(api(sandbox) + "/user/me", headers=HEADERS, timeout=5).json()["data"]
    assert media["user_id"] == me["id"]
    for stamp in (media["created_at"], media["updated_at"]):
        assert stamp.endswith("Z")
        datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    base = f"{api(sandbox)}/media/{media['id']}"
    player = f"{sandbox.base_url}/aiozstream/embed/vod/hls/{media['id']}"
    assert media["assets"] == {
        "source_url": f"{base}/source",
        "thumbnail_url": f"{base}/thumbnail?resolution=original",
        "hls_url": f"{base}/m3u8",
        "hls_iframe": (
            f'<iframe src="{player}" width="100%" height="100%" frameborder="0" scrolling="no" '
            'allowfullscreen="true"></iframe>'
        ),
        "hls_player_url": player,
    }
    assert aioz_stats(sandbox)["created"] == 1


def test_create_keeps_every_given_field(sandbox: SandboxServer) -> None:
    media = create(
        sandbox,
        title="Podcast",
        description="Episode one",
        is_public=False,
        metadata=[{"key": "genre", "value": "podcast"}],
        tags=["podcast", "music"],
        qualities=[quality("highest", bitrate=320000), quality("standard", "dash")],
    )
    assert media["description"] == "Episode one"
    assert media["is_public"] is False
    assert media["metadata"] == [{"key": "genre", "value": "podcast"}]
    assert media["tags"] == ["podcast", "music"]
    assert media["qualities"] == [
        {"name": "highest", "status": "new", "type": "hls"},
        {"name": "standard", "status": "new", "type": "dash"},
    ]
    assert {"hls_url", "dash_url", "dash_iframe", "dash_player_url"} <= set(media["assets"])
    assert "mp4_url" not in media["assets"]
    assert media["assets"]["dash_player_url"].endswith(f"/aiozstream/embed/vod/dash/{media['id']}")


def test_assets_list_only_the_requested_stream_types(sandbox: SandboxServer) -> None:
    dash_only = create(sandbox, qualities=[quality(kind="dash")])
    assert set(dash_only["assets"]) == {
        "source_url",
        "thumbnail_url",
        "dash_url",
        "dash_iframe",
        "dash_player_url",
    }


@pytest.mark.parametrize(
    "example",
    [
        # The vendor docs' examples 1 and 2.
        {
            "title": "My Podcast Episode",
            "type": "audio",
            "qualities": [quality("highest", bitrate=320000), quality("standard")],
        },
        {"title": "My Audio Track", "type": "audio", "qualities": [quality("standard", "dash")]},
        {"title": "mp4 container", "type": "audio", "qualities": [quality("good", "hls", "mp4")]},
        {"title": "lossless", "type": "audio", "qualities": [quality("lossless", sample_rate=96000)]},
        {
            "title": "no index nor language",
            "type": "audio",
            "qualities": [quality(index=None, language=None)],
        },
        {
            "title": "nulls are not given",
            "type": "audio",
            "description": None,
            "tags": None,
            "metadata": None,
        },
    ],
)
def test_documented_bodies_are_accepted(sandbox: SandboxServer, example: dict[str, Any]) -> None:
    assert _create_raw(sandbox, example).status_code == 200


def test_create_accepts_a_form_urlencoded_body(sandbox: SandboxServer) -> None:
    form = [
        ("type", "audio"),
        ("title", "From a form"),
        ("is_public", "false"),
        ("tags", "a"),
        ("tags", "b"),
        ("metadata[0][key]", "genre"),
        ("metadata[0][value]", "talk"),
        ("qualities[0][resolution]", "good"),
        ("qualities[0][type]", "dash"),
        ("qualities[0][container_type]", "fmp4"),
        ("qualities[0][audio_config][codec]", "aac"),
        ("qualities[0][audio_config][bitrate]", "192000"),
        ("qualities[0][audio_config][channels]", "2"),
        ("qualities[0][audio_config][sample_rate]", "48000"),
    ]
    response = requests.post(api(sandbox) + "/media/create", data=form, headers=HEADERS, timeout=5)
    assert response.status_code == 200, response.text
    media = response.json()["data"]
    assert (media["title"], media["is_public"], media["tags"]) == ("From a form", False, ["a", "b"])
    assert media["metadata"] == [{"key": "genre", "value": "talk"}]
    assert media["qualities"] == [{"name": "good", "status": "new", "type": "dash"}]
    bad = requests.post(
        api(sandbox) + "/media/create", data={"type": "video", "title": "x"}, headers=HEADERS, timeout=5
    )
    assert "type" in error_message(bad, 400)


def _with_quality(**overrides: Any) -> dict[str, Any]:
    q = quality()
    audio = overrides.pop("audio_config", None)
    if audio is not None:
        q["audio_config"] = {**q["audio_config"], **audio}
    q.update(overrides)
    return {"type": "audio", "title": "t", "qualities": [q]}


_LONG = "x" * 256


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        pytest.param({"title": "t"}, ["type", '"audio"'], id="type-missing"),
        pytest.param({"type": "video", "title": "t"}, ["type", '"audio"', "video"], id="type-video"),
        pytest.param({"type": "audio"}, ["title", "required"], id="title-missing"),
        pytest.param({"type": "audio", "title": "  "}, ["title", "non-empty"], id="title-blank"),
        pytest.param({"type": "audio", "title": 5}, ["title"], id="title-not-string"),
        pytest.param({"type": "audio", "title": "t", "description": 1}, ["description"], id="description"),
        pytest.param(
            {"type": "audio", "title": "t", "is_public": "yes"}, ["is_public", "boolean"], id="is-public"
        ),
        pytest.param(
            {"type": "audio", "title": "t", "metadata": {"k": "v"}}, ["metadata", "list"], id="md-type"
        ),
        pytest.param(
            {"type": "audio", "title": "t", "metadata": [{"key": f"k{i}", "value": "v"} for i in range(51)]},
            ["metadata", "51", "50"],
            id="md-too-many",
        ),
        pytest.param(
            {"type": "audio", "title": "t", "metadata": [{"key": _LONG, "value": "v"}]},
            ["metadata[0].key", "255"],
            id="md-key-long",
        ),
        pytest.param(
            {"type": "audio", "title": "t", "metadata": [{"key": "k", "value": _LONG}]},
            ["metadata[0].value", "255"],
            id="md-value-long",
        ),
        pytest.param(
            {"type": "audio", "title": "t", "metadata": [{"key": "k"}]},
            ["metadata[0].value"],
            id="md-value-missing",
        ),
        pytest.param(
            {"type": "audio", "title": "t", "tags": "a,b"}, ["tags", "list of strings"], id="tags-type"
        ),
        pytest.param({"type": "audio", "title": "t", "tags": ["a", 1]}, ["tags"], id="tags-item"),
        pytest.param(
            {"type": "audio", "title": "t", "qualities": {"a": 1}}, ["qualities", "list"], id="q-type"
        ),
        pytest.param(
            {"type": "audio", "title": "t", "qualities": ["hls"]}, ["qualities[0]", "object"], id="q-item"
        ),
        pytest.param(
            _with_quality(resolution="1080p"),
            ["qualities[0].resolution", "standard, good, highest, lossless", "1080p"],
            id="resolution",
        ),
        pytest.param(
            _with_quality(resolution=None), ["qualities[0].resolution", "missing"], id="resolution-none"
        ),
        pytest.param(_with_quality(type="mp4"), ["qualities[0].type", "hls, dash"], id="stream-type"),
        pytest.param(
            _with_quality(type="hls", container_type="fmp4"),
            ["qualities[0].container_type", "mpegts or mp4", "hls"],
            id="hls-container",
        ),
        pytest.param(
            _with_quality(type="dash", container_type="mpegts"),
            ["qualities[0].container_type", "fmp4", "dash"],
            id="dash-container",
        ),
        pytest.param(
            {
                "type": "audio",
                "title": "t",
                "qualities": [{"resolution": "good", "type": "hls", "container_type": "mp4"}],
            },
            ["qualities[0].audio_config", "required"],
            id="audio-config-missing",
        ),
        pytest.param(
            _with_quality(audio_config={"codec": "mp3"}),
            ["qualities[0].audio_config.codec", "aac"],
            id="codec",
        ),
        pytest.param(
            _with_quality(audio_config={"channels": 2}),
            ["qualities[0].audio_config.channels", '"2"'],
            id="channels",
        ),
        pytest.param(
            _with_quality(audio_config={"channels": "1"}), ["qualities[0].audio_config.channels"], id="mono"
        ),
        pytest.param(
            _with_quality(audio_config={"bitrate": 0}),
            ["qualities[0].audio_config.bitrate", "positive integer"],
            id="bitrate-zero",
        ),
        pytest.param(
            _with_quality(audio_config={"bitrate": "128000"}),
            ["qualities[0].audio_config.bitrate"],
            id="bitrate-string",
        ),
        pytest.param(
            _with_quality(audio_config={"bitrate": 128000.5}),
            ["qualities[0].audio_config.bitrate"],
            id="bitrate-float",
        ),
        pytest.param(
            _with_quality(audio_config={"sample_rate": 12345}),
            [
                "qualities[0].audio_config.sample_rate",
                "8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000",
            ],
            id="sample-rate",
        ),
        pytest.param(
            _with_quality(audio_config={"index": -1}), ["qualities[0].audio_config.index", ">= 0"], id="index"
        ),
        pytest.param(
            _with_quality(audio_config={"language": 5}), ["qualities[0].audio_config.language"], id="language"
        ),
        pytest.param(
            {"type": "audio", "title": "t", "qualities": [quality(), quality(sample_rate=1)]},
            ["qualities[1].audio_config.sample_rate"],
            id="second-quality",
        ),
    ],
)
def test_create_validation_names_the_field_and_allowed_values(
    sandbox: SandboxServer, body: dict[str, Any], fragments: list[str]
) -> None:
    message = error_message(_create_raw(sandbox, body), 400)
    for fragment in fragments:
        assert fragment in message, message
    assert aioz_stats(sandbox)["created"] == 0


def test_create_reports_every_problem_at_once(sandbox: SandboxServer) -> None:
    body = _with_quality(audio_config={"codec": "mp3", "sample_rate": 1})
    body["title"] = ""
    message = error_message(_create_raw(sandbox, body), 400)
    for fragment in ("title", "audio_config.codec", "audio_config.sample_rate"):
        assert fragment in message


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]"])
def test_create_refuses_bodies_that_are_not_json_objects(sandbox: SandboxServer, raw: bytes) -> None:
    response = requests.post(
        api(sandbox) + "/media/create",
        data=raw,
        headers={**HEADERS, "Content-Type": "application/json"},
        timeout=5,
    )
    error_message(response, 400)


def test_media_routes_need_credentials(sandbox: SandboxServer) -> None:
    response = requests.post(api(sandbox) + "/media/create", json={"type": "audio", "title": "t"}, timeout=5)
    error_message(response, 401)
    assert aioz_stats(sandbox)["created"] == 0


# -- read, update, delete ------------------------------------------------------------------------


def test_get_answers_the_media_and_404_for_unknown_ids(sandbox: SandboxServer) -> None:
    media = create(sandbox, title="Findable")
    response = get_media(sandbox, media["id"])
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": media}
    assert "not found" in error_message(get_media(sandbox, str(uuid.uuid4())), 404)


def test_patch_updates_the_given_fields_and_updated_at(sandbox: SandboxServer) -> None:
    media = create(sandbox, title="Before", tags=["a"])
    changes = {
        "title": "After",
        "description": "new description",
        "metadata": [{"key": "k", "value": "v"}],
        "tags": ["b", "c"],
        "is_public": False,
        "player_theme_id": "theme-1",
    }
    response = requests.patch(f"{api(sandbox)}/media/{media['id']}", json=changes, headers=HEADERS, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Update audio info successfully."}
    after = get_media(sandbox, media["id"]).json()["data"]
    assert {name: after[name] for name in changes} == changes
    assert after["updated_at"] > media["updated_at"]
    assert after["created_at"] == media["created_at"]
    # An empty change still moves updated_at; null fields are "not given".
    requests.patch(f"{api(sandbox)}/media/{media['id']}", json={"title": None}, headers=HEADERS, timeout=5)
    again = get_media(sandbox, media["id"]).json()["data"]
    assert again["title"] == "After"
    assert again["updated_at"] > after["updated_at"]


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"colour": "red", "title": "x"}, ["unknown", "colour"]),
        ({"player_id": 7}, ["player_id must be a string"]),
        ({"player_id": "a", "player_theme_id": "b"}, ["two players"]),
        ({"title": ""}, ["title"]),
        ({"title": 3}, ["title"]),
        ({"description": 3}, ["description"]),
        ({"is_public": "no"}, ["is_public", "boolean"]),
        ({"tags": "a"}, ["tags"]),
        ({"metadata": [{"key": "k", "value": "v"}] * 51}, ["metadata", "50"]),
        ({"metadata": [{"key": "k" * 300, "value": "v"}]}, ["metadata[0].key", "255"]),
        ({"player_theme_id": 7}, ["player_theme_id"]),
    ],
)
def test_patch_validation(sandbox: SandboxServer, changes: dict[str, Any], fragments: list[str]) -> None:
    media = create(sandbox, title="Unchanged")
    response = requests.patch(f"{api(sandbox)}/media/{media['id']}", json=changes, headers=HEADERS, timeout=5)
    message = error_message(response, 400)
    for fragment in fragments:
        assert fragment in message, message
    after = get_media(sandbox, media["id"]).json()["data"]
    assert after["title"] == "Unchanged"
    assert after["updated_at"] == media["updated_at"]


def test_patch_takes_the_player_as_player_id_as_the_spec_names_it(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    changes = {"player_id": "player-7"}
    response = requests.patch(f"{api(sandbox)}/media/{media['id']}", json=changes, headers=HEADERS, timeout=5)
    assert response.status_code == 200, response.text
    assert get_media(sandbox, media["id"]).json()["data"]["player_theme_id"] == "player-7"


def test_patch_of_unknown_media_is_404(sandbox: SandboxServer) -> None:
    response = requests.patch(f"{api(sandbox)}/media/nope", json={"title": "x"}, headers=HEADERS, timeout=5)
    error_message(response, 404)


def test_delete_hides_the_media_except_from_a_deleted_status_filter(sandbox: SandboxServer) -> None:
    kept = create(sandbox, title="kept")
    gone = create(sandbox, title="gone")
    url = f"{api(sandbox)}/media/{gone['id']}"
    response = requests.delete(url, headers=HEADERS, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Audio deleted successfully."}
    error_message(get_media(sandbox, gone["id"]), 404)
    error_message(requests.delete(url, headers=HEADERS, timeout=5), 404)
    error_message(requests.patch(url, json={"title": "x"}, headers=HEADERS, timeout=5), 404)
    listed = list_media(sandbox).json()["data"]
    assert [media["id"] for media in listed["media"]] == [kept["id"]]
    deleted = list_media(sandbox, status=["deleted"]).json()["data"]
    assert [(media["id"], media["status"]) for media in deleted["media"]] == [(gone["id"], "deleted")]
    assert aioz_stats(sandbox)["deleted"] == 1
    admin = requests.get(f"{sandbox.base_url}/_sandbox/aioz/media/{gone['id']}", timeout=5).json()
    assert admin["status"] == "deleted"


# -- list ---------------------------------------------------------------------------------------


def _ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [media["id"] for media in response.json()["data"]["media"]]


def test_list_pages_with_offset_limit_and_total(sandbox: SandboxServer) -> None:
    created = [create(sandbox, title=f"item {i}")["id"] for i in range(5)]
    response = list_media(sandbox, offset=1, limit=2)
    assert _ids(response) == created[1:3]
    assert response.json()["data"]["total"] == 5
    assert _ids(list_media(sandbox)) == created  # default: created_at ascending, limit 25
    assert _ids(list_media(sandbox, offset=4, limit=10)) == created[4:]
    assert _ids(list_media(sandbox, offset=9)) == []
    empty_body = requests.post(api(sandbox) + "/media", headers=HEADERS, timeout=5)
    assert _ids(empty_body) == created


def test_list_default_limit_is_25(sandbox: SandboxServer) -> None:
    for i in range(27):
        create(sandbox, title=f"m{i}")
    response = list_media(sandbox)
    assert len(_ids(response)) == 25
    assert response.json()["data"]["total"] == 27


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"limit": 101}, ["limit", "100"]),
        ({"limit": 0}, ["limit"]),
        ({"offset": -1}, ["offset"]),
        ({"sort_by": "duration"}, ["sort_by", "created_at, updated_at, title, size"]),
        ({"order_by": "up"}, ["order_by", "asc, desc"]),
        ({"status": ["finished"]}, ["status", "new, transcoding, done, fail, deleted"]),
        ({"status": "new"}, ["status"]),
        ({"type": "podcast"}, ["type", "audio"]),
        ({"tags": "a"}, ["tags"]),
        ({"metadata": [{"key": "k"}]}, ["metadata[0].value"]),
        ({"search": 3}, ["search"]),
    ],
)
def test_list_validation(sandbox: SandboxServer, body: dict[str, Any], fragments: list[str]) -> None:
    message = error_message(list_media(sandbox, **body), 400)
    for fragment in fragments:
        assert fragment in message, message


def test_list_filters_by_tags_metadata_type_and_search(sandbox: SandboxServer) -> None:
    both = create(
        sandbox, title="Morning Show", tags=["news", "daily"], metadata=[{"key": "lang", "value": "en"}]
    )
    news = create(
        sandbox,
        title="Evening",
        description="The evening NEWS roundup",
        tags=["news"],
        metadata=[{"key": "lang", "value": "fr"}, {"key": "genre", "value": "talk"}],
    )
    plain = create(sandbox, title="Music")
    assert _ids(list_media(sandbox, tags=["news"])) == [both["id"], news["id"]]
    assert _ids(list_media(sandbox, tags=["news", "daily"])) == [both["id"]]
    assert _ids(list_media(sandbox, metadata=[{"key": "lang", "value": "fr"}])) == [news["id"]]
    pairs = [{"key": "lang", "value": "fr"}, {"key": "genre", "value": "talk"}]
    assert _ids(list_media(sandbox, metadata=pairs)) == [news["id"]]
    assert _ids(list_media(sandbox, metadata=[{"key": "lang", "value": "de"}])) == []
    assert _ids(list_media(sandbox, search="news")) == [news["id"]]  # description, any case
    assert _ids(list_media(sandbox, search="SHOW")) == [both["id"]]  # title
    assert _ids(list_media(sandbox, type="audio")) == [both["id"], news["id"], plain["id"]]
    assert _ids(list_media(sandbox, type="video")) == []
    assert _ids(list_media(sandbox, status=["new"])) == [both["id"], news["id"], plain["id"]]
    assert _ids(list_media(sandbox, status=["done"])) == []
    assert list_media(sandbox, tags=["news"]).json()["data"]["total"] == 2


def test_loose_list_fault_ignores_metadata_tags_and_status_filters(sandbox: SandboxServer) -> None:
    # The knob makes the list behave like a looser service: every media comes back, whatever the
    # filters said, so a client that trusts a filter instead of checking the answer is caught.
    tagged = create(sandbox, tags=["news"], metadata=[{"key": "article_id", "value": "ep-1"}])
    other = create(sandbox, metadata=[{"key": "article_id", "value": "other-1"}])
    wanted = {"metadata": [{"key": "article_id", "value": "other-1"}], "status": ["new"]}
    assert _ids(list_media(sandbox, **wanted)) == [other["id"]]
    admin = sandbox.base_url + "/_sandbox/settings"
    requests.patch(admin, json={"fault_loose_list_rate": 1.0}, timeout=5).raise_for_status()
    assert _ids(list_media(sandbox, **wanted)) == [tagged["id"], other["id"]]
    assert _ids(list_media(sandbox, tags=["sport"], status=["done"])) == [tagged["id"], other["id"]]
    assert _ids(list_media(sandbox, type="video")) == []  # the type filter still holds


def test_list_filters_by_status_through_the_lifecycle(sandbox: SandboxServer) -> None:
    done = uploaded(sandbox, make_wav(0.5), parts=1)
    fresh = create(sandbox)
    assert _ids(list_media(sandbox, status=["done"])) == [done["id"]]
    assert _ids(list_media(sandbox, status=["new", "done"])) == [done["id"], fresh["id"]]


def test_list_sorts_and_orders(sandbox: SandboxServer) -> None:
    first = create(sandbox, title="banana")
    second = create(sandbox, title="apple")
    third = create(sandbox, title="cherry")
    assert _ids(list_media(sandbox, order_by="desc")) == [third["id"], second["id"], first["id"]]
    assert _ids(list_media(sandbox, sort_by="title")) == [second["id"], first["id"], third["id"]]
    assert _ids(list_media(sandbox, sort_by="title", order_by="desc")) == [
        third["id"],
        first["id"],
        second["id"],
    ]
    requests.patch(f"{api(sandbox)}/media/{first['id']}", json={"tags": ["x"]}, headers=HEADERS, timeout=5)
    assert _ids(list_media(sandbox, sort_by="updated_at")) == [second["id"], third["id"], first["id"]]


def _stamp(media: dict[str, Any]) -> datetime.datetime:
    return datetime.datetime.fromisoformat(str(media["updated_at"]).replace("Z", "+00:00"))


def test_updated_at_is_when_transcoding_finished_whenever_it_is_read(sandbox: SandboxServer) -> None:
    # Completed one after the other, read long after both finished, in the other order.
    first, second = create(sandbox), create(sandbox)
    completed = {}
    for media in (first, second):
        upload(sandbox, media["id"], make_wav(0.2), parts=1)
        assert complete(sandbox, media["id"]).status_code == 200
        completed[media["id"]] = _stamp(get_media(sandbox, media["id"]).json()["data"])
        time.sleep(0.1)
    time.sleep(TRANSCODE_SECONDS + 0.5)
    read = {media["id"]: get_media(sandbox, media["id"]).json()["data"] for media in (second, first)}
    for media_id, media in read.items():
        assert media["status"] == "done"
        # The object changed when transcoding was due to end, not when it was first read.
        moved = (_stamp(media) - completed[media_id]).total_seconds()
        assert TRANSCODE_SECONDS - 0.05 <= moved <= TRANSCODE_SECONDS + 0.15, moved
    # The most recently finished first: the order a client finds what just finished in.
    newest = list_media(sandbox, status=["done", "fail"], sort_by="updated_at", order_by="desc")
    assert _ids(newest) == [second["id"], first["id"]]
    # A change after that moves it again.
    requests.patch(f"{api(sandbox)}/media/{first['id']}", json={"tags": ["x"]}, headers=HEADERS, timeout=5)
    newest = list_media(sandbox, status=["done", "fail"], sort_by="updated_at", order_by="desc")
    assert _ids(newest) == [first["id"], second["id"]]


def test_list_sorts_by_size(sandbox: SandboxServer) -> None:
    large = uploaded(sandbox, make_wav(0.6), parts=1)
    small = uploaded(sandbox, make_wav(0.2), parts=1)
    empty = create(sandbox)
    assert _ids(list_media(sandbox, sort_by="size")) == [empty["id"], small["id"], large["id"]]
    assert _ids(list_media(sandbox, sort_by="size", order_by="desc")) == [
        large["id"],
        small["id"],
        empty["id"],
    ]


def test_list_keeps_creation_order_for_equal_timestamps(sandbox: SandboxServer) -> None:
    created = [create(sandbox, title="same")["id"] for _ in range(6)]
    assert _ids(list_media(sandbox, sort_by="title")) == created
    assert _ids(list_media(sandbox, sort_by="title", order_by="desc")) == created[::-1]


# -- cost ---------------------------------------------------------------------------------------


def _cost(sandbox: SandboxServer, **params: Any) -> requests.Response:
    return requests.get(api(sandbox) + "/media/cost", params=params, headers=HEADERS, timeout=5)


def test_cost_scales_with_duration_and_qualities(sandbox: SandboxServer) -> None:
    one = _cost(sandbox, qualities="good", type="audio", duration=60)
    assert one.status_code == 200
    assert one.json() == {"status": "success", "data": {"price": pytest.approx(0.003), "is_enough": True}}
    assert _cost(sandbox, qualities="good", type="audio", duration=120).json()["data"][
        "price"
    ] == pytest.approx(0.006)
    both = _cost(sandbox, qualities="good,highest", type="audio", duration=60).json()["data"]["price"]
    assert both == pytest.approx(0.007)
    every = _cost(sandbox, qualities="standard,good,highest,lossless", type="audio", duration=30)
    assert every.json()["data"]["price"] == pytest.approx(0.0075)


def test_cost_is_enough_follows_the_balance(sandbox: SandboxServer) -> None:
    params = {"qualities": "lossless", "type": "audio", "duration": 600}  # 0.06 USD
    assert _cost(sandbox, **params).json()["data"]["is_enough"] is True
    settings = requests.patch(f"{sandbox.base_url}/_sandbox/settings", json={"aioz_balance": 0.05}, timeout=5)
    assert settings.json()["aioz_balance"] == 0.05
    assert _cost(sandbox, **params).json()["data"] == {"price": pytest.approx(0.06), "is_enough": False}
    me = requests.get(api(sandbox) + "/user/me", headers=HEADERS, timeout=5).json()["data"]
    assert me["user"]["balance"] == "0.05"


@pytest.mark.parametrize(
    ("params", "fragments"),
    [
        ({"type": "audio", "duration": 60}, ["qualities", "standard, good, highest, lossless"]),
        ({"qualities": "", "type": "audio", "duration": 60}, ["qualities"]),
        ({"qualities": "good,1080p", "type": "audio", "duration": 60}, ["qualities", "1080p"]),
        ({"qualities": "good", "type": "video", "duration": 60}, ["type", '"audio"']),
        ({"qualities": "good", "duration": 60}, ["type", '"audio"']),
        ({"qualities": "good", "type": "audio", "duration": 0}, ["duration", "positive"]),
        ({"qualities": "good", "type": "audio", "duration": -5}, ["duration"]),
        ({"qualities": "good", "type": "audio", "duration": "long"}, ["duration"]),
        ({"qualities": "good", "type": "audio", "duration": "nan"}, ["duration"]),
        ({"qualities": "good", "type": "audio"}, ["duration"]),
    ],
)
def test_cost_validation(sandbox: SandboxServer, params: dict[str, Any], fragments: list[str]) -> None:
    message = error_message(_cost(sandbox, **params), 400)
    for fragment in fragments:
        assert fragment in message, message


def test_stats_count_listings_by_what_they_filter_on(sandbox: SandboxServer) -> None:
    bodies: list[dict[str, Any]] = [
        {},
        {"type": "audio", "status": ["transcoding", "new"]},
        {"type": "audio", "status": ["new", "transcoding"], "limit": 10},
        {"metadata": [{"key": "article_id", "value": "a-1"}, {"key": "chunk", "value": "c"}]},
        {"metadata": [{"key": "article_id", "value": "a-2"}], "tags": ["x"], "search": "word"},
    ]
    for body in bodies:
        response = requests.post(f"{api(sandbox)}/media", json=body, headers=HEADERS, timeout=5)
        assert response.status_code == 200, response.text
    listings = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()["aioz_listings"]
    assert listings == {
        "everything": 1,
        "type=audio status=new|transcoding": 2,
        "metadata=article_id,chunk": 1,
        "metadata=article_id tags search": 1,
    }
