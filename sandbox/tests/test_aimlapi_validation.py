"""AIML API stable-audio requests the sandbox refuses: 400 per field, 401, 404."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .aimlapi import ERROR_KEYS, HEADERS, error, get, stats, submit, url


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"model": None}, "model is required; allowed values: stable-audio"),
        ({"model": "stable-audio-2"}, "model must be one of: stable-audio (got 'stable-audio-2')"),
        ({"prompt": None}, "prompt is required"),
        ({"prompt": ""}, "prompt must be a non-empty string"),
        ({"prompt": 42}, "prompt must be a non-empty string"),
        ({"seconds_start": 0}, "seconds_start must be an integer from 1 to 47 (got 0)"),
        ({"seconds_start": 48}, "seconds_start must be an integer from 1 to 47 (got 48)"),
        ({"seconds_total": 0}, "seconds_total must be an integer from 1 to 47 (got 0)"),
        ({"seconds_total": 48}, "seconds_total must be an integer from 1 to 47 (got 48)"),
        ({"seconds_total": 10.5}, "seconds_total must be an integer from 1 to 47 (got 10.5)"),
        ({"seconds_total": "10"}, "seconds_total must be an integer from 1 to 47 (got '10')"),
        ({"seconds_total": True}, "seconds_total must be an integer from 1 to 47 (got True)"),
        ({"steps": 0}, "steps must be an integer from 1 to 1000 (got 0)"),
        ({"steps": 1001}, "steps must be an integer from 1 to 1000 (got 1001)"),
    ],
)
def test_each_field_is_checked(sandbox: SandboxServer, changes: dict[str, Any], expected: str) -> None:
    payload = {"model": "stable-audio", "prompt": "strings", **changes}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = requests.post(url(sandbox), headers=HEADERS, json=payload, timeout=5)
    assert expected in error(response, 400)
    assert stats(sandbox)["aimlapi"]["generations"] == 0


def test_every_problem_is_named_at_once(sandbox: SandboxServer) -> None:
    response = requests.post(url(sandbox), headers=HEADERS, json={"steps": 0}, timeout=5)
    message = error(response, 400)
    assert all(field in message for field in ("model", "prompt", "steps"))


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b""])
def test_a_body_that_is_not_an_object_is_400(sandbox: SandboxServer, raw: bytes) -> None:
    response = requests.post(
        url(sandbox), headers={**HEADERS, "Content-Type": "application/json"}, data=raw, timeout=5
    )
    assert error(response, 400)


def test_the_edges_of_the_ranges_are_accepted(sandbox: SandboxServer) -> None:
    assert submit(sandbox, seconds_start=47, seconds_total=47, steps=1).status_code == 200
    assert submit(sandbox, seconds_start=1, seconds_total=1, steps=1000).status_code == 200


def test_unknown_generation_is_404(sandbox: SandboxServer) -> None:
    assert "not found" in error(get(sandbox, "00000000-0000-0000-0000-000000000000:stable-audio"), 404)
    missing = requests.get(sandbox.base_url + "/aimlapi/files/nothing.wav", timeout=5)
    assert missing.status_code == 404 and set(missing.json()) == ERROR_KEYS


def test_generation_needs_the_bearer_key(sandbox: SandboxServer) -> None:
    response = requests.post(url(sandbox), json={"model": "stable-audio", "prompt": "x"}, timeout=5)
    assert error(response, 401)
