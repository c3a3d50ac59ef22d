"""Scripted and random faults, in each service's shape, and the request counters."""

from __future__ import annotations

import time

import httpx
import pytest
import requests
from audio_sandbox import SandboxServer

from .aioz import HEADERS as AIOZ_HEADERS
from .conftest import API_KEY, audiostack_headers, make_audioform, submit


def _fault(sandbox: SandboxServer, **spec: object) -> dict[str, object]:
    response = requests.post(sandbox.base_url + "/_sandbox/faults", json=spec, timeout=5)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _stats(sandbox: SandboxServer) -> dict[str, dict[str, int]]:
    stats: dict[str, dict[str, int]] = requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).json()
    return stats


def _post_audioform(sandbox: SandboxServer) -> requests.Response:
    return requests.post(
        sandbox.service_url("audiostack") + "/audioforms",
        json={"audioform": make_audioform()},
        headers=audiostack_headers(),
        timeout=5,
    )


def test_scripted_503_hits_count_requests_then_stops_and_creates_nothing(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="POST /audiostack/audioforms*", kind="503", count=2)
    first, second, third = (_post_audioform(sandbox) for _ in range(3))
    for response in (first, second):
        assert response.status_code == 503
        assert set(response.json()) == {"message", "errors"}
        assert response.headers["x-request-id"]
    assert third.status_code == 202
    stats = _stats(sandbox)
    assert stats["requests"]["POST /audiostack/audioforms"] == 3
    assert stats["audioforms"]["created"] == 1
    assert requests.get(sandbox.base_url + "/_sandbox/faults", timeout=5).json() == {"faults": []}


def test_skip_lets_the_first_matches_through(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="POST /audiostack/audioforms*", kind="503", count=1, skip=2)
    statuses = [_post_audioform(sandbox).status_code for _ in range(4)]
    assert statuses == [202, 202, 503, 202]
    assert _stats(sandbox)["audioforms"]["created"] == 3


def test_fault_matches_only_its_pattern(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="GET /aiozstream/*", kind="500")
    assert _post_audioform(sandbox).status_code == 202
    response = requests.get(sandbox.service_url("aiozstream") + "/user/me", headers=AIOZ_HEADERS, timeout=5)
    assert response.status_code == 500
    assert response.json()["status"] == "error"


@pytest.mark.parametrize(
    ("service", "path", "headers", "shape"),
    [
        ("audiopod", "/voice-profiles", {"X-API-Key": API_KEY}, {"detail"}),
        (
            "aimlapi",
            "/v2/generate/audio?generation_id=x",
            AIOZ_HEADERS,
            {"message", "path", "requestId", "statusCode", "timestamp"},
        ),
    ],
)
def test_5xx_in_each_service_shape(
    sandbox: SandboxServer, service: str, path: str, headers: dict[str, str], shape: set[str]
) -> None:
    _fault(sandbox, match="GET /*", kind="502")
    response = requests.get(sandbox.service_url(service) + path, headers=headers, timeout=5)
    assert response.status_code == 502
    assert set(response.json()) == shape


def test_429_carries_retry_after(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="POST /audiostack/audioforms", kind="429", retry_after=1.5)
    response = _post_audioform(sandbox)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1.5"
    assert response.json()["message"]
    assert _stats(sandbox)["audioforms"]["created"] == 0


def test_429_can_use_the_x_ratelimit_header(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="GET /audiopod/*", kind="429", retry_after_header="X-RateLimit-Retry-After")
    response = requests.get(
        sandbox.service_url("audiopod") + "/voice-profiles", headers={"X-API-Key": API_KEY}, timeout=5
    )
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Retry-After"] == "1"
    assert "Retry-After" not in response.headers


def test_aioz_429_has_its_rate_limit_headers(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="GET /aiozstream/api/user/me", kind="429", retry_after=1.5)
    response = requests.get(sandbox.service_url("aiozstream") + "/user/me", headers=AIOZ_HEADERS, timeout=5)
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Limit"] == "500"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Retry-After"] == "2"  # an integer, as AIOZ's spec says
    assert "Retry-After" not in response.headers
    assert response.json() == {"status": "error", "message": response.json()["message"]}


def test_drop_is_a_protocol_error_for_requests_and_httpx(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="POST /audiostack/audioforms", kind="drop", count=2)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        _post_audioform(sandbox)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.post(
            sandbox.service_url("audiostack") + "/audioforms",
            json={"audioform": make_audioform()},
            headers=audiostack_headers(),
            timeout=5,
        )
    assert _post_audioform(sandbox).status_code == 202
    stats = _stats(sandbox)
    assert stats["requests"]["POST /audiostack/audioforms"] == 3
    assert stats["audioforms"]["created"] == 1


def test_slow_delays_then_handles_normally(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="POST /audiostack/audioforms", kind="slow", delay=0.6, count=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            sandbox.service_url("audiostack") + "/audioforms",
            json={"audioform": make_audioform()},
            headers=audiostack_headers(),
            timeout=0.2,
        )
    started = time.monotonic()
    response = _post_audioform(sandbox)
    assert response.status_code == 202
    assert time.monotonic() - started >= 0.6
    # A slow request is acted on even when its client gave up: both created a job.
    assert _stats(sandbox)["audioforms"]["created"] == 2


@pytest.mark.parametrize("kind", ["502", "drop"])
def test_after_acting_creates_the_job_and_loses_its_answer(sandbox: SandboxServer, kind: str) -> None:
    _fault(sandbox, match="POST /audiostack/audioforms", kind=kind, after_acting=True)
    try:
        response = _post_audioform(sandbox)
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
        assert kind == "drop"
    else:
        assert kind == "502" and response.status_code == 502
        assert set(response.json()) == {"message", "errors"}
    # The route acted: the build exists, though its id never reached the client.
    assert _stats(sandbox)["audioforms"]["created"] == 1
    assert _post_audioform(sandbox).status_code == 202
    assert _stats(sandbox)["audioforms"]["created"] == 2


def test_random_fault_rates_apply_and_can_be_turned_off(sandbox: SandboxServer) -> None:
    settings = requests.patch(
        sandbox.base_url + "/_sandbox/settings", json={"fault_5xx_rate": 1.0, "retry_after": 3}, timeout=5
    ).json()
    assert settings["fault_5xx_rate"] == 1.0
    statuses = {_post_audioform(sandbox).status_code for _ in range(10)}
    assert statuses <= {500, 502, 503}
    requests.patch(
        sandbox.base_url + "/_sandbox/settings", json={"fault_5xx_rate": 0, "fault_429_rate": 1}, timeout=5
    )
    response = _post_audioform(sandbox)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    # Admin routes are never faulted.
    assert requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).status_code == 200
    requests.patch(sandbox.base_url + "/_sandbox/settings", json={"fault_429_rate": 0}, timeout=5)
    assert _post_audioform(sandbox).status_code == 202


def test_partial_fault_rate_is_roughly_honoured(sandbox: SandboxServer) -> None:
    requests.patch(sandbox.base_url + "/_sandbox/settings", json={"fault_429_rate": 0.5}, timeout=5)
    url = sandbox.service_url("aiozstream") + "/user/me"
    with requests.Session() as session:
        statuses = [session.get(url, headers=AIOZ_HEADERS, timeout=5).status_code for _ in range(200)]
    assert set(statuses) == {200, 429}
    assert 60 <= statuses.count(429) <= 140


@pytest.mark.parametrize(
    "spec",
    [
        {"match": "GET /*", "kind": "418"},
        {"match": "", "kind": "500"},
        {"match": "GET /*", "kind": "500", "count": 0},
        {"match": "GET /*", "kind": "429", "retry_after_header": "X-Wait"},
        {"match": "GET /*", "kind": "slow", "delay": -1},
        {"match": "GET /*", "kind": "500", "colour": "red"},
        {"match": "GET /*", "kind": "429", "after_acting": True},
        {"match": "GET /*", "kind": "slow", "after_acting": True},
        {"match": "GET /*", "kind": "500", "after_acting": "yes"},
    ],
)
def test_invalid_fault_specs_get_422(sandbox: SandboxServer, spec: dict[str, object]) -> None:
    response = requests.post(sandbox.base_url + "/_sandbox/faults", json=spec, timeout=5)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_delete_faults_clears_them(sandbox: SandboxServer) -> None:
    _fault(sandbox, match="POST /*", kind="500", count=5)
    assert requests.delete(sandbox.base_url + "/_sandbox/faults", timeout=5).json() == {"cleared": 1}
    assert _post_audioform(sandbox).status_code == 202


def test_stats_count_by_route_template(sandbox: SandboxServer) -> None:
    audioform_id = submit(sandbox, make_audioform())
    for _ in range(3):
        requests.get(
            f"{sandbox.service_url('audiostack')}/audioforms/{audioform_id}",
            headers=audiostack_headers(),
            timeout=5,
        )
    requests.get(sandbox.service_url("aiozstream") + "/user/me", timeout=5)  # 401s count too
    stats = _stats(sandbox)
    assert stats["requests"] == {
        "POST /audiostack/audioforms": 1,
        "GET /audiostack/audioforms/{audioform_id}": 3,
        "GET /aiozstream/api/user/me": 1,
    }


def test_reset_forgets_jobs_counters_and_faults(sandbox: SandboxServer) -> None:
    audioform_id = submit(sandbox, make_audioform())
    _fault(sandbox, match="POST /*", kind="500")
    assert requests.post(sandbox.base_url + "/_sandbox/reset", timeout=5).json() == {"reset": True}
    assert _stats(sandbox) == {
        "requests": {},
        "refusals": {},
        "audioforms": {"created": 0, "built": 0, "failed": 0},
        "aioz": {"created": 0, "parts_received": 0, "completed": 0, "done": 0, "failed": 0, "deleted": 0},
        "aioz_listings": {},
        "audiopod": {
            "voices_created": 0,
            "trained": 0,
            "failed": 0,
            "previews": 0,
            "deleted": 0,
            "collections": 0,
        },
        "aimlapi": {"generations": 0, "completed": 0, "errors": 0},
        "audiostack_jobs": dict.fromkeys(
            ("batches", "briefs", "stories", "files", "scripts", "speech", "mixes", "encodings"), 0
        ),
        "credits": {"audiostack": 100_000.0, "audiopod_cents": 10_000, "aimlapi": 1_000_000},
    }
    response = requests.get(
        f"{sandbox.service_url('audiostack')}/audioforms/{audioform_id}",
        headers=audiostack_headers(),
        timeout=5,
    )
    assert response.status_code == 404
    assert _post_audioform(sandbox).status_code == 202


@pytest.mark.parametrize(
    "changes",
    [
        {"port": 9000},
        {"fault_5xx_rate": 1.5},
        {"fault_5xx_rate": 0.6, "fault_429_rate": 0.6},
        {"build_seconds": "x"},
    ],
)
def test_invalid_settings_patch_gets_422(sandbox: SandboxServer, changes: dict[str, object]) -> None:
    response = requests.patch(sandbox.base_url + "/_sandbox/settings", json=changes, timeout=5)
    assert response.status_code == 422
    assert response.json()["detail"]
