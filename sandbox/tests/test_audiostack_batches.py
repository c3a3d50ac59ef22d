"""AudioStack batches: submission limits and validation, item builds and failures, faults."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .audiostack import add_fault, call, locs, patch_settings, poll, stats, tts_audioform, wav_seconds


def _batch(sandbox: SandboxServer, items: Any) -> requests.Response:
    return call(sandbox, "POST", "/audioforms/batches", {"items": items})


def _wait_complete(sandbox: SandboxServer, batch_id: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = call(sandbox, "GET", f"/audioforms/batches/{batch_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        if data["status"] == "complete":
            return data
        assert time.monotonic() < deadline, f"batch {batch_id} not complete within {timeout} s"
        time.sleep(0.05)


def test_batch_builds_its_items_and_reports_the_failed_ones(sandbox: SandboxServer) -> None:
    items = [
        {"name": "good", "audioform": tts_audioform("A fine line of text. It builds.")},
        {"name": "unknown voice", "audioform": tts_audioform(voice="nobody")},
        {"name": "ogg", "audioform": tts_audioform(encoder="ogg")},
    ]
    submitted = _batch(sandbox, items)
    assert submitted.status_code == 202, submitted.text
    body = submitted.json()
    assert body["message"] and body["metadata"]["creditUsed"] > 0
    batch_id = body["data"]["batchId"]

    early = call(sandbox, "GET", f"/audioforms/batches/{batch_id}")
    assert early.status_code == 200
    assert early.json()["data"]["status"] in ("queued", "in_progress")
    assert {item["audioformStatus"] for item in early.json()["data"]["items"]} <= {"queued", "building"}

    data = _wait_complete(sandbox, batch_id)
    by_name = {item["name"]: item for item in data["items"]}
    assert [item["name"] for item in data["items"]] == ["good", "unknown voice", "ogg"]
    good = by_name["good"]
    assert good["audioformStatus"] == "complete" and good["errors"] == []
    result = good["audioformResult"]
    assert result["header"] == {"version": "2", "audioformId": good["audioformId"]}
    delivery = result["delivery"]
    assert set(delivery) == {"uri", "extension", "encoderPreset", "loudnessPreset", "public"}
    assert delivery["extension"] == "wav"
    assert wav_seconds(requests.get(delivery["uri"], timeout=5).content) > 1.0
    for name, needle in (("unknown voice", "nobody"), ("ogg", "ogg")):
        failed = by_name[name]
        assert failed["audioformStatus"] == "failed"
        assert failed["audioformResult"] is None
        assert needle in failed["errors"][0]

    # Items are ordinary audioforms.
    single = poll(sandbox, f"/audioforms/{good['audioformId']}")
    assert single.json()["data"]["result"]["delivery"]["uri"] == delivery["uri"]
    assert poll(sandbox, f"/audioforms/{by_name['ogg']['audioformId']}").json()["data"]["errors"]
    counts = stats(sandbox)
    assert counts["audioforms"] == {"created": 3, "built": 1, "failed": 2}
    assert counts["audiostack_jobs"]["batches"] == 1


def test_a_batch_holds_at_most_1000_items(sandbox: SandboxServer) -> None:
    patch_settings(sandbox, build_seconds=30)  # nothing renders: only submission is tested
    items = [{"name": f"n{i}", "audioform": tts_audioform(f"Item {i}.")} for i in range(1001)]
    refused = _batch(sandbox, items)
    assert refused.status_code == 400
    assert "items" in refused.json()["message"] and "1001" in refused.json()["message"]
    assert stats(sandbox)["audioforms"]["created"] == 0

    accepted = _batch(sandbox, items[:1000])
    assert accepted.status_code == 202, accepted.text
    batch = call(sandbox, "GET", f"/audioforms/batches/{accepted.json()['data']['batchId']}").json()["data"]
    assert batch["status"] == "queued" and len(batch["items"]) == 1000
    assert stats(sandbox)["audioforms"]["created"] == 1000


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (None, [["items"]]),
        ("nope", [["items"]]),
        ([3], [["items", 0]]),
        ([{"name": "", "audioform": tts_audioform()}], [["items", 0, "name"]]),
        ([{"audioform": tts_audioform()}], [["items", 0, "name"]]),
        (
            [{"name": "a", "audioform": tts_audioform()}, {"name": "a", "audioform": tts_audioform()}],
            [["items", 1, "name"]],
        ),
        ([{"name": "a"}], [["items", 0, "audioform"]]),
        (
            [{"name": "a", "audioform": {**tts_audioform(), "assets": {}}}],
            [["items", 0, "audioform", "assets"]],
        ),
        (
            [
                {"name": "a", "audioform": tts_audioform()},
                {"name": "b", "audioform": {**tts_audioform(), "header": 1}},
            ],
            [["items", 1, "audioform", "header"]],
        ),
    ],
)
def test_batch_validation_names_each_field(
    sandbox: SandboxServer, items: Any, expected: list[list[Any]]
) -> None:
    body = {} if items is None else {"items": items}
    found = locs(call(sandbox, "POST", "/audioforms/batches", body))
    assert all(loc in found for loc in expected), found
    assert stats(sandbox)["audioforms"]["created"] == 0


def test_empty_batch_and_bad_bodies_are_400(sandbox: SandboxServer) -> None:
    empty = _batch(sandbox, [])
    assert empty.status_code == 400 and "items" in empty.json()["message"]
    raw = call(sandbox, "POST", "/audioforms/batches", data=b"{not json")
    assert raw.status_code == 400 and set(raw.json()) == {"message", "errors"}


def test_unknown_batch_and_wrong_key(sandbox: SandboxServer) -> None:
    missing = call(sandbox, "GET", "/audioforms/batches/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["message"]
    wrong = call(sandbox, "POST", "/audioforms/batches", {"items": []}, headers={"x-api-key": "wrong"})
    assert wrong.status_code == 401 and "message" in wrong.json()


def test_scripted_faults_hit_batches(sandbox: SandboxServer) -> None:
    add_fault(sandbox, match="POST /audiostack/audioforms/batches", kind="503")
    items = [{"name": "a", "audioform": tts_audioform()}]
    faulted = _batch(sandbox, items)
    assert faulted.status_code == 503 and set(faulted.json()) == {"message", "errors"}
    assert stats(sandbox)["audiostack_jobs"]["batches"] == 0
    assert _batch(sandbox, items).status_code == 202
    assert stats(sandbox)["audiostack_jobs"]["batches"] == 1
