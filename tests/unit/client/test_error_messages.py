"""The API's own message in an error: every service's shape read, each listed problem once, readable."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_audio.client.errors import api_message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # AudioStack: errors are texts (its official client joins them with tabs).
        (
            {"message": "Validation failed", "errors": ["assets is required", "delivery is required"]},
            "Validation failed: assets is required; delivery is required",
        ),
        # AudioStack: details may hold objects; FastAPI-style ones read as "loc: msg".
        (
            {
                "message": "Bad request",
                "details": [{"loc": ["body", "file_id"], "msg": "field required"}, "x"],
            },
            "Bad request: body.file_id: field required; x",
        ),
        ({"message": "Bad request", "details": [{"code": 7}]}, 'Bad request: {"code": 7}'),
        ({"message": "Not found", "errors": []}, "Not found"),
        ({"message": "Forbidden"}, "Forbidden"),
        # A message that already lists its problems does not get them twice; repeats are dropped.
        (
            {"message": "Validation error: a.b: wrong", "errors": ["a.b: wrong", "c: missing", "c: missing"]},
            "Validation error: a.b: wrong: c: missing",
        ),
        # Build errors in {message, field} objects.
        (
            {"message": "Failed.", "errors": [{"message": "no voice", "field": "voice"}]},
            "Failed: voice: no voice",
        ),
        # AudioPod (FastAPI): detail is a text, an object with a message, or a list of {loc, msg}.
        ({"detail": "Voice not found"}, "Voice not found"),
        ({"detail": {"message": "Insufficient credits", "required_cents": 5}}, "Insufficient credits"),
        ({"detail": [{"loc": ["query", "limit"], "msg": "too big", "type": "x"}]}, "query.limit: too big"),
        # AIOZ and AIML API.
        ({"status": "error", "message": "media not found"}, "media not found"),
        ({"message": "Unauthorized", "path": "/v2/generate/audio", "statusCode": 401}, "Unauthorized"),
        ({"unexpected": True}, '{"unexpected": true}'),
        (None, "(empty body)"),
        ("plain text", "plain text"),
    ],
)
def test_api_message(body: Any, expected: str) -> None:
    assert api_message(body) == expected


def test_a_long_list_is_cut() -> None:
    body = {"message": "Validation error", "errors": [f"field{i}: wrong" for i in range(500)]}
    assert len(api_message(body)) == 2000
