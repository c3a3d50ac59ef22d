"""AIOZ Stream's rate limits: per-category windows, the X-RateLimit-* headers, the 429s."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer
from audio_sandbox.core.ratelimit import Category, RateLimiter, aioz_category

from .aioz import HEADERS, admin_media, aioz_stats, api, create, error_message, get_media, send_part

WINDOW = 1.0


def _limits(sandbox: SandboxServer, **knobs: Any) -> dict[str, Any]:
    response = requests.patch(f"{sandbox.base_url}/_sandbox/settings", json=knobs, timeout=5)
    assert response.status_code == 200, response.text
    settings: dict[str, Any] = response.json()
    return settings


def _assert_limited(response: requests.Response, limit: int) -> int:
    """A 429 with the three headers; return the advertised wait."""
    assert error_message(response, 429) == "rate limit exceeded"
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    retry_after = response.headers["X-RateLimit-Retry-After"]
    assert retry_after.isdigit() and int(retry_after) >= 1
    assert "Retry-After" not in response.headers
    return int(retry_after)


def test_reads_past_the_limit_get_429_then_recover(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    _limits(sandbox, aioz_read_limit=3, aioz_rate_window_seconds=WINDOW)
    remaining = []
    for _ in range(3):
        response = get_media(sandbox, media["id"])
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Retry-After"] == "1"  # on every answer, as in the spec
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    wait = _assert_limited(get_media(sandbox, media["id"]), 3)
    assert wait == 1  # a one-second window, rounded up
    time.sleep(WINDOW)
    recovered = get_media(sandbox, media["id"])
    assert recovered.status_code == 200
    assert recovered.headers["X-RateLimit-Remaining"] == "2"


def test_a_rate_limited_part_is_not_stored(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    _limits(sandbox, aioz_upload_limit=1, aioz_rate_window_seconds=WINDOW)
    data = b"a" * 100 + b"b" * 100
    first = send_part(sandbox, media["id"], data[:100], start=0, total=200, index=1)
    assert first.status_code == 200
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("1", "0")
    _assert_limited(send_part(sandbox, media["id"], data[100:], start=100, total=200, index=2), 1)
    assert admin_media(sandbox, media["id"])["received_bytes"] == 100
    time.sleep(WINDOW)
    assert send_part(sandbox, media["id"], data[100:], start=100, total=200, index=2).status_code == 200
    assert aioz_stats(sandbox)["parts_received"] == 2


def test_writes_count_creates_updates_deletes_and_completes(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    _limits(sandbox, aioz_write_limit=3, aioz_rate_window_seconds=30)
    url = f"{api(sandbox)}/media/{media['id']}"
    patched = requests.patch(url, json={"title": "x"}, headers=HEADERS, timeout=5)
    assert patched.headers["X-RateLimit-Remaining"] == "2"
    completed = requests.get(url + "/complete", headers=HEADERS, timeout=5)  # a 400, still counted
    assert completed.status_code == 400
    assert completed.headers["X-RateLimit-Remaining"] == "1"
    assert requests.delete(url, headers=HEADERS, timeout=5).headers["X-RateLimit-Remaining"] == "0"
    refused = requests.post(
        api(sandbox) + "/media/create", json={"type": "audio", "title": "t"}, headers=HEADERS
    )
    assert _assert_limited(refused, 3) > 1  # most of the 30 s window is left
    assert aioz_stats(sandbox)["created"] == 1  # the refused create did nothing
    # Reads are another category: no limit on them, so no headers.
    listed = requests.post(api(sandbox) + "/media", json={}, headers=HEADERS, timeout=5)
    assert listed.status_code == 200
    assert "X-RateLimit-Limit" not in listed.headers


def test_limits_can_be_turned_off_and_reset_clears_windows(sandbox: SandboxServer) -> None:
    _limits(sandbox, aioz_read_limit=1, aioz_rate_window_seconds=60)
    url = api(sandbox) + "/user/me"
    assert requests.get(url, headers=HEADERS, timeout=5).status_code == 200
    assert requests.get(url, headers=HEADERS, timeout=5).status_code == 429
    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5)
    assert requests.get(url, headers=HEADERS, timeout=5).status_code == 200
    _limits(sandbox, aioz_read_limit=0)
    response = requests.get(url, headers=HEADERS, timeout=5)
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers


def test_other_services_are_never_rate_limited(sandbox: SandboxServer) -> None:
    _limits(sandbox, aioz_read_limit=1, aioz_write_limit=1, aioz_upload_limit=1)
    for _ in range(3):
        response = requests.get(
            sandbox.service_url("audiopod") + "/voice-profiles", headers={"X-API-Key": "x"}
        )
        assert response.status_code == 401
        assert "X-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(
    "changes",
    [
        {"aioz_read_limit": -1},
        {"aioz_upload_limit": 2.5},
        {"aioz_write_limit": "10"},
        {"aioz_rate_window_seconds": 0},
        {"aioz_balance": True},
        {"data_dir": "/tmp"},
    ],
)
def test_invalid_rate_knobs_get_422(sandbox: SandboxServer, changes: dict[str, Any]) -> None:
    response = requests.patch(f"{sandbox.base_url}/_sandbox/settings", json=changes, timeout=5)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_whole_number_floats_are_accepted_as_limits(sandbox: SandboxServer) -> None:
    assert _limits(sandbox, aioz_read_limit=5.0)["aioz_read_limit"] == 5


@pytest.mark.parametrize(
    ("method", "path", "category"),
    [
        ("POST", "/aiozstream/api/media/abc/part", Category.UPLOAD),
        ("POST", "/aiozstream/api/media/create", Category.WRITE),
        ("PATCH", "/aiozstream/api/media/abc", Category.WRITE),
        ("DELETE", "/aiozstream/api/media/abc", Category.WRITE),
        ("GET", "/aiozstream/api/media/abc/complete", Category.WRITE),
        ("POST", "/aiozstream/api/media", Category.READ),
        ("GET", "/aiozstream/api/media/abc", Category.READ),
        ("GET", "/aiozstream/api/media/cost", Category.READ),
        ("GET", "/aiozstream/api/media/abc/m3u8", Category.READ),
        ("GET", "/aiozstream/api/user/me", Category.READ),
        ("GET", "/aiozstream/embed/vod/hls/abc", None),
        ("GET", "/audiostack/audioforms/x", None),
    ],
)
def test_categories(method: str, path: str, category: Category | None) -> None:
    assert aioz_category(method, path) is category


def test_windows_are_fixed_and_per_category() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert limiter.admit(Category.READ, 2, 10).remaining == 1
    assert limiter.admit(Category.READ, 2, 10).remaining == 0
    assert limiter.admit(Category.WRITE, 2, 10).allowed
    now[0] = 108.2
    refused = limiter.admit(Category.READ, 2, 10)
    assert not refused.allowed
    assert refused.retry_after == 2  # 1.8 s left, rounded up
    now[0] = 110.0
    assert limiter.admit(Category.READ, 2, 10).allowed


def test_an_injected_429_advertises_the_vendor_limit_of_its_category(sandbox: SandboxServer) -> None:
    fault = {"match": "GET /aiozstream/api/media/*/complete", "kind": "429"}
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5)
    response = requests.get(f"{api(sandbox)}/media/x/complete", headers=HEADERS, timeout=5)
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Limit"] == "200"  # complete is a write


def test_stats_count_the_refusals_by_route_and_status(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    _limits(sandbox, aioz_read_limit=2, aioz_rate_window_seconds=60.0)
    statuses = [get_media(sandbox, media["id"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    unknown = requests.get(f"{api(sandbox)}/media/no-such-media", headers=HEADERS, timeout=5)
    assert unknown.status_code == 429  # the limit is counted before the route answers
    stats = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    assert stats["refusals"] == {"GET /aiozstream/api/media/{media_id} 429": 3}
    assert stats["requests"]["GET /aiozstream/api/media/{media_id}"] == 5
    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5).raise_for_status()
    assert requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()["refusals"] == {}
