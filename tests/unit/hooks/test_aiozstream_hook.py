"""AiozStreamHook over requests-mock (sync) and MockTransport (async): one method at a time."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import requests_mock as rm

from airflow_provider_audio.client.http import AsyncApiClient
from airflow_provider_audio.client.service import RetryPolicy
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceTransportError
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, MediaStatus
from airflow_provider_audio.triggers.aiozstream import AiozStreamMediaSetTrigger, AiozStreamTranscodeTrigger
from airflow_provider_audio.upload.sources import FileSource

BASE = "https://aioz.test/api"
FAST = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0)


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> AiozStreamHook:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AIOZSTREAM_DEFAULT",
        json.dumps(
            {"conn_type": "aiozstream", "host": BASE, "password": "sec", "extra": {"public_key": "pub"}}
        ),
    )
    return AiozStreamHook(retry_policy=FAST)


def media(media_id: str = "m1", status: str = "new", **extra: Any) -> dict[str, Any]:
    return {
        "id": media_id,
        "status": status,
        "title": "t",
        "size": 0,
        "assets": {"hls_url": f"{BASE}/h"},
        **extra,
    }


def test_create_sends_type_audio_with_key_pair(requests_mock: rm.Mocker, hook: AiozStreamHook) -> None:
    requests_mock.post(f"{BASE}/media/create", json={"status": "success", "data": media()})
    assert hook.create_media({"title": "Episode"}).id == "m1"
    sent = requests_mock.last_request
    assert sent.json() == {"title": "Episode", "type": "audio"}
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"pub:sec").decode()


def test_the_player_is_sent_as_player_id_as_the_official_client_names_it(
    requests_mock: rm.Mocker, hook: AiozStreamHook
) -> None:
    requests_mock.patch(f"{BASE}/media/m1", json={"status": "success", "message": "ok"})
    hook.update_media("m1", {"player_theme_id": "p-1", "title": "T"})
    assert requests_mock.last_request.json() == {"player_id": "p-1", "title": "T"}


def test_create_is_validated_before_any_call(requests_mock: rm.Mocker, hook: AiozStreamHook) -> None:
    with pytest.raises(AudioInputError, match="type: got 'video'"):
        hook.create_media({"title": "x", "type": "video"})
    assert requests_mock.call_count == 0


def test_iter_media_walks_every_page(requests_mock: rm.Mocker, hook: AiozStreamHook) -> None:
    pages = [
        {
            "json": {
                "status": "success",
                "data": {"media": [media(f"a{i}") for i in range(100)], "total": 230},
            }
        },
        {
            "json": {
                "status": "success",
                "data": {"videos": [media(f"b{i}") for i in range(100)], "total": 230},
            }
        },
        {"json": {"status": "success", "data": {"media": [media(f"c{i}") for i in range(30)], "total": 230}}},
    ]
    requests_mock.post(f"{BASE}/media", pages)
    found = list(hook.iter_media({"type": "audio", "status": ["done"]}))
    assert len(found) == 230
    offsets = [(r.json()["offset"], r.json()["limit"]) for r in requests_mock.request_history]
    assert offsets == [(0, 100), (100, 100), (200, 100)]
    assert requests_mock.request_history[0].json()["status"] == ["done"]


def test_find_media_by_metadata_keeps_only_answers_carrying_the_pair_and_status(
    requests_mock: rm.Mocker, hook: AiozStreamHook
) -> None:
    # Whatever the service's filter matched, only media that carry the pair (in a wanted status)
    # come back: callers reuse or delete what this finds.
    pair = [{"key": "article_id", "value": "ep-1"}]
    answer = [
        media("right", "done", metadata=pair),
        media("other", "done", metadata=[{"key": "article_id", "value": "ep-2"}]),
        media("bare", "done"),
        media("failed", "fail", metadata=pair),
    ]
    requests_mock.post(
        f"{BASE}/media", json={"status": "success", "data": {"media": answer, "total": len(answer)}}
    )
    found = hook.find_media_by_metadata("article_id", "ep-1", statuses=["done", "new"])
    assert [item.id for item in found] == ["right"]
    sent = requests_mock.last_request.json()
    assert sent["metadata"] == pair and sent["status"] == ["done", "new"]
    assert [item.id for item in hook.find_media_by_metadata("article_id", "ep-1")] == ["right", "failed"]


def test_cost_query(requests_mock: rm.Mocker, hook: AiozStreamHook) -> None:
    requests_mock.get(
        f"{BASE}/media/cost", json={"status": "success", "data": {"price": 0.45, "is_enough": False}}
    )
    cost = hook.media_cost(["good", "highest"], 60.5)
    assert (cost.price, cost.is_enough) == (0.45, False)
    assert requests_mock.last_request.qs == {
        "qualities": ["good,highest"],
        "type": ["audio"],
        "duration": ["60.5"],
    }


def test_parts_carry_index_hash_and_range_and_a_failed_part_is_retried_alone(
    requests_mock: rm.Mocker, hook: AiozStreamHook, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 100  # 25600 bytes -> parts of 10000
    (tmp_path / "a.wav").write_bytes(data)
    seen: list[tuple[str, bytes]] = []

    def record(request: requests.PreparedRequest, context: Any) -> dict[str, str]:
        body = (
            b"".join(bytes(c) for c in request.body) if not isinstance(request.body, bytes) else request.body
        )
        seen.append((request.headers["Content-Range"], body))
        return {"status": "success"}

    requests_mock.post(
        f"{BASE}/media/m1/part",
        [
            {"json": record},
            {"status_code": 503, "json": {"status": "error", "message": "busy"}},
            {"json": record},
            {"json": record},
        ],
    )
    progress = hook.upload_parts("m1", FileSource(tmp_path / "a.wav"), 10000)
    assert progress.finished and progress.confirmed == 3
    assert [r for r, _ in seen] == [
        "bytes 0-9999/25600",
        "bytes 10000-19999/25600",
        "bytes 20000-25599/25600",
    ]
    assert requests_mock.call_count == 4
    for number, (_, body) in enumerate(seen, start=1):
        chunk = data[(number - 1) * 10000 : number * 10000]
        assert re.search(rb'name="index"\r\n\r\n' + str(number).encode(), body)
        assert hashlib.md5(chunk).hexdigest().encode() in body
        assert chunk in body


def test_upload_resumes_after_confirmed_parts(
    requests_mock: rm.Mocker, hook: AiozStreamHook, tmp_path: Path
) -> None:
    (tmp_path / "a.wav").write_bytes(b"x" * 25)
    requests_mock.post(f"{BASE}/media/m1/part", json={"status": "success"})
    hook.upload_parts("m1", FileSource(tmp_path / "a.wav"), 10, already_confirmed=2)
    assert [r.headers["Content-Range"] for r in requests_mock.request_history] == ["bytes 20-24/25"]


def test_lost_complete_answer_is_checked_against_the_status(
    requests_mock: rm.Mocker, hook: AiozStreamHook
) -> None:
    requests_mock.get(f"{BASE}/media/m1/complete", exc=requests.exceptions.ChunkedEncodingError("cut"))
    requests_mock.get(f"{BASE}/media/m1", json={"status": "success", "data": media(status="transcoding")})
    hook.complete_upload("m1")
    requests_mock.get(f"{BASE}/media/m1", json={"status": "success", "data": media(status="new")})
    with pytest.raises(AudioServiceTransportError):
        hook.complete_upload("m1")


def test_update_and_delete(requests_mock: rm.Mocker, hook: AiozStreamHook) -> None:
    requests_mock.patch(f"{BASE}/media/m1", json={"status": "success"})
    requests_mock.delete(f"{BASE}/media/m1", json={"status": "success"})
    hook.update_media("m1", {"title": "New", "metadata": [{"key": "a", "value": "b"}]})
    assert requests_mock.last_request.json() == {"title": "New", "metadata": [{"key": "a", "value": "b"}]}
    hook.delete_media("m1")
    assert requests_mock.last_request.method == "DELETE"


def scripted(*bodies: tuple[int, dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    yield from bodies
    while True:
        yield bodies[-1]


@pytest.mark.parametrize(
    ("steps", "status", "text"),
    [
        (
            [(200, {"data": media(status="transcoding")}), (200, {"data": media(status="done", size=9)})],
            "success",
            "transcoded",
        ),
        (
            [(200, {"data": media(status="transcoding")}), (200, {"data": media(status="fail")})],
            "error",
            "transcoding failed",
        ),
        ([(404, {"status": "error", "message": "media not found"})], "error", "media not found"),
    ],
)
async def test_transcode_trigger(
    hook: AiozStreamHook,
    monkeypatch: pytest.MonkeyPatch,
    steps: list[tuple[int, dict[str, Any]]],
    status: str,
    text: str,
) -> None:
    answers = scripted(*steps)

    def handler(request: httpx.Request) -> httpx.Response:
        code, body = next(answers)
        return httpx.Response(code, json=body)

    patched = functools.partial(AsyncApiClient, transport=httpx.MockTransport(handler))
    monkeypatch.setattr("airflow_provider_audio.hooks.base.AsyncApiClient", patched)
    trigger = AiozStreamTranscodeTrigger(
        conn_id="aiozstream_default", media_id="m1", poll_interval=0.01, deadline=1e12
    )
    event = (await trigger.wait_for_event()).payload
    assert event["status"] == status and text in event["message"]
    if status == "success":
        assert event["result"]["size_bytes"] == 9 and event["result"]["hls_url"] == f"{BASE}/h"
    assert MediaStatus("done").is_terminal()


async def test_media_set_trigger_reads_a_set_with_one_listing_checked_on_the_client(
    hook: AiozStreamHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The listing (filtered by the chunk's pair) shows m1 and m2, plus what a loose filter lets
    # through: m9, not of the set, and a media of the set's id space without the pair. m3 is not
    # listed: it is read alone, and gone. One poll: m2 still transcoding; the next: all ended.
    tagged = [{"key": "audio_chunk", "value": "c-1"}]
    rounds = iter(["transcoding", "done"])
    seen: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        if request.method == "POST":
            listed = [
                media("m1", status="done", size=5, metadata=tagged),
                media("m2", status=next(rounds), size=7, metadata=tagged),
                media("m9", status="done", metadata=tagged),
                media("m4", status="new", metadata=[{"key": "audio_chunk", "value": "other"}]),
            ]
            return httpx.Response(200, json={"status": "success", "data": {"media": listed, "total": 4}})
        return httpx.Response(404, json={"status": "error", "message": "media not found"})

    patched = functools.partial(AsyncApiClient, transport=httpx.MockTransport(handler))
    monkeypatch.setattr("airflow_provider_audio.hooks.base.AsyncApiClient", patched)
    trigger = AiozStreamMediaSetTrigger(
        conn_id="aiozstream_default",
        media_ids=["m1", "m2", "m3", "m4"],
        metadata={"audio_chunk": "c-1"},
        poll_interval=0.01,
        deadline=1e12,
    )
    first = await trigger.poll_once()
    assert not first.done and "1 of 4 media not transcoded yet" in first.message
    assert seen[0][2]["metadata"] == tagged and seen[0][2]["limit"] == 100
    assert {path for method, path, _ in seen if method == "GET"} == {"/api/media/m3", "/api/media/m4"}
    second = await trigger.poll_once()
    assert second.done and second.succeeded
    states = {media_id: summary["status"] for media_id, summary in second.result["media"].items()}
    assert states == {"m1": "done", "m2": "done", "m3": "deleted", "m4": "deleted"}
    assert second.result["media"]["m2"]["size_bytes"] == 7
    assert "2 of 4 media transcoded" in second.message
    assert trigger.serialize()[1]["media_ids"] == ["m1", "m2", "m3", "m4"]
