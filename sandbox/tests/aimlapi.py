"""Helpers of the AIML API sandbox tests: requests, polling and the vendor's response schema."""

from __future__ import annotations

import time
from typing import Any

import requests
from audio_sandbox import SandboxServer

from .conftest import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}
#: The 200 body of ``POST`` and ``GET /v2/generate/audio``, from the vendor's OpenAPI fragment
#: (``specs/aimlapi-stable-audio.json``), as JSON Schema.
GENERATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "generating", "completed", "error"]},
        "audio_file": {
            "type": ["object", "null"],
            "properties": {"url": {"type": "string", "format": "uri"}},
            "required": ["url"],
        },
        "error": {
            "type": ["object", "null"],
            "properties": {"name": {"type": "string"}, "message": {"type": "string"}},
            "required": ["name", "message"],
        },
        "meta": {
            "type": ["object", "null"],
            "properties": {
                "usage": {
                    "type": ["object", "null"],
                    "properties": {"credits_used": {"type": "number"}},
                    "required": ["credits_used"],
                }
            },
        },
    },
    "required": ["id", "status"],
}


def url(sandbox: SandboxServer) -> str:
    return sandbox.service_url("aimlapi") + "/v2/generate/audio"


def submit(sandbox: SandboxServer, **body: Any) -> requests.Response:
    """``POST /v2/generate/audio`` with a valid body, ``body`` overriding its fields."""
    payload = {"model": "stable-audio", "prompt": "lo-fi hip-hop with a slow intro", **body}
    return requests.post(url(sandbox), headers=HEADERS, json=payload, timeout=5)


def queued(sandbox: SandboxServer, **body: Any) -> str:
    """Submit (see :func:`submit`); return the generation id."""
    response = submit(sandbox, **body)
    assert response.status_code == 200, response.text
    generation_id: str = response.json()["id"]
    return generation_id


def get(sandbox: SandboxServer, generation_id: str) -> requests.Response:
    return requests.get(url(sandbox), headers=HEADERS, params={"generation_id": generation_id}, timeout=10)


def settled(
    sandbox: SandboxServer, generation_id: str, timeout: float = 10.0
) -> tuple[dict[str, Any], list[str]]:
    """Poll until completed or error; return the last body and every status seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = get(sandbox, generation_id).json()
        if not seen or seen[-1] != body["status"]:
            seen.append(body["status"])
        if body["status"] in ("completed", "error"):
            return body, seen
        assert time.monotonic() < deadline, f"generation {generation_id} unfinished after {timeout} s"
        time.sleep(0.02)


def stats(sandbox: SandboxServer) -> dict[str, Any]:
    body: dict[str, Any] = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    return body


def knobs(sandbox: SandboxServer, **values: Any) -> None:
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json=values, timeout=5).raise_for_status()


def error(response: requests.Response, status_code: int) -> str:
    """Assert an AIML API error of ``status_code`` on the generation route; return its message."""
    assert response.status_code == status_code, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["statusCode"] == status_code
    assert body["path"] == "/v2/generate/audio"
    message: str = body["message"]
    return message
