"""How each polled AudioStack resource's answers are read."""

from __future__ import annotations

from typing import Any

from airflow_provider_audio.client.http import ApiResponse
from airflow_provider_audio.client.routes.audiostack import POLLED_RESOURCES, BuildState


def answer(status: int, body: dict[str, Any], pending: bool | None = None) -> ApiResponse:
    return ApiResponse(
        status=status, body=body, headers={}, pending=status == 202 if pending is None else pending
    )


def read(resource: str, response: ApiResponse) -> Any:
    return POLLED_RESOURCES[resource].interpret("id-1", response)


def test_batch_complete_with_a_failed_item_is_a_finished_batch() -> None:
    body = {
        "data": {
            "status": "complete",
            "items": [
                {
                    "name": "a",
                    "audioformId": "af1",
                    "audioformStatus": "complete",
                    "audioformResult": {"delivery": {"uri": "u1"}},
                },
                {
                    "name": "b",
                    "audioformId": "af2",
                    "audioformStatus": "failed",
                    "errors": [{"message": "voice"}],
                },
            ],
        }
    }
    status = read("batch", answer(200, body))
    assert status.state is BuildState.SUCCEEDED
    assert [(i["name"], i["status"], i["uri"]) for i in status.result["items"]] == [
        ("a", "succeeded", "u1"),
        ("b", "failed", None),
    ]
    assert read("batch", answer(200, {"data": {"status": "in_progress"}})).state is BuildState.BUILDING


def test_story_inner_status_code_decides() -> None:
    assert read("story", answer(202, {"message": "building"})).state is BuildState.BUILDING
    failed = read("story", answer(200, {"data": {"statusCode": 500, "message": "voice unavailable"}}))
    assert failed.state is BuildState.FAILED and "voice unavailable" in failed.describe_errors()
    done = read(
        "story",
        answer(
            200,
            {
                "data": {
                    "statusCode": 200,
                    "storyResult": {"d": 1},
                    "audioforms": [{"header": {"audioformId": "c1"}, "delivery": {"uri": "u"}}],
                }
            },
        ),
    )
    assert done.state is BuildState.SUCCEEDED and done.result["audioforms"] == [
        {"audioform_id": "c1", "uri": "u"}
    ]


def test_classic_resources_and_files() -> None:
    assert read("speech", answer(202, {"data": {"speechId": "s"}})).state is BuildState.BUILDING
    assert (
        read("speech", answer(200, {"data": {"speechId": "s", "sections": [{"url": "u"}]}})).state
        is BuildState.SUCCEEDED
    )
    assert read("mix", answer(200, {"data": {"productionId": "p"}})).state is BuildState.FAILED
    encoded = read("encoding", answer(200, {"data": {"url": "https://cdn/x.mp3", "format": "mp3"}}))
    assert encoded.state is BuildState.SUCCEEDED and encoded.uri == "https://cdn/x.mp3"
    # A file is answered at the top level of the body (official SDK files/file.py).
    assert read("file", answer(200, {"status": "created", "fileId": "f"})).state is BuildState.BUILDING
    assert read("file", answer(200, {"status": "uploaded", "fileId": "f"})).state is BuildState.SUCCEEDED
    assert read("file", answer(200, {"status": "failed", "fileId": "f"})).state is BuildState.FAILED
