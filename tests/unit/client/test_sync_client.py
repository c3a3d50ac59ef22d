"""The sync HTTP path against requests-mock: auth, retries, billed-POST safety, typed errors."""

from __future__ import annotations

import time

import pytest
import requests
import requests_mock as rm
import urllib3.exceptions

from airflow_provider_audio.client.http import SyncApiClient
from airflow_provider_audio.client.routes import aiozstream, audiostack
from airflow_provider_audio.client.service import (
    ClientSettings,
    Credentials,
    Endpoint,
    RetryPolicy,
    ServiceSpec,
)
from airflow_provider_audio.exceptions import (
    AudioServiceAuthError,
    AudioServiceCreditsError,
    AudioServiceRateLimitError,
    AudioServiceRequestError,
    AudioServiceServerError,
    AudioServiceTransportError,
)

KEY = "sk-live-0123456789abcdef"
BASE = "https://api.example.test"
FAST = RetryPolicy(max_attempts=4, max_elapsed=10, initial_wait=0.01, max_wait=0.05, jitter=0)
GET_ITEM = Endpoint(
    "get_item", "GET", "/items/{item_id}", resend_after_loss=True, pending_statuses=frozenset({202})
)
CREATE_JOB = Endpoint("create_job", "POST", "/jobs", resend_after_loss=False)


def make_client(service: ServiceSpec = audiostack.SERVICE, policy: RetryPolicy = FAST) -> SyncApiClient:
    return SyncApiClient(
        ClientSettings(service, BASE, Credentials.in_header("x-api-key", KEY), retry_policy=policy)
    )


def refused() -> requests.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/jobs", reason))  # type: ignore[arg-type]


def test_sends_auth_and_parses_json(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/items/a%2Fb", json={"ok": True}, status_code=200)
    response = make_client().call(GET_ITEM, path_params={"item_id": "a/b"}, params={"x": 1, "unset": None})
    assert response.body == {"ok": True}
    assert not response.pending
    sent = requests_mock.last_request
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["User-Agent"] == "airflow-provider-audio"
    assert sent.qs == {"x": ["1"]}


def test_pending_status_is_flagged(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/items/1", json={"message": "building"}, status_code=202)
    assert make_client().call(GET_ITEM, path_params={"item_id": "1"}).pending


def test_get_retries_5xx_then_succeeds(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        f"{BASE}/items/1", [{"status_code": 503, "json": {"message": "busy"}}, {"json": {"ok": 1}}]
    )
    assert make_client().call(GET_ITEM, path_params={"item_id": "1"}).body == {"ok": 1}
    assert requests_mock.call_count == 2


def test_retries_are_bounded_by_attempts(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/items/1", status_code=500, json={"message": "down"})
    with pytest.raises(AudioServiceServerError):
        make_client().call(GET_ITEM, path_params={"item_id": "1"})
    assert requests_mock.call_count == FAST.max_attempts


def test_billed_post_is_not_retried_after_5xx(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{BASE}/jobs", status_code=502, json={"message": "bad gateway"})
    with pytest.raises(AudioServiceServerError):
        make_client().call(CREATE_JOB, json_body={"a": 1})
    assert requests_mock.call_count == 1


def test_billed_post_is_not_retried_after_read_timeout(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{BASE}/jobs", exc=requests.ReadTimeout("read timed out"))
    with pytest.raises(AudioServiceTransportError) as caught:
        make_client().call(CREATE_JOB, json_body={})
    assert caught.value.request_sent
    assert requests_mock.call_count == 1


def test_billed_post_is_retried_when_connection_refused(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{BASE}/jobs", [{"exc": refused()}, {"status_code": 202, "json": {"id": "j1"}}])
    assert make_client().call(CREATE_JOB, json_body={}).body == {"id": "j1"}
    assert requests_mock.call_count == 2


def test_billed_post_is_retried_after_429_honouring_retry_after(requests_mock: rm.Mocker) -> None:
    requests_mock.post(
        f"{BASE}/jobs",
        [
            {"status_code": 429, "headers": {"Retry-After": "0.3"}, "json": {"message": "slow down"}},
            {"status_code": 202, "json": {"id": "j2"}},
        ],
    )
    started = time.monotonic()
    assert make_client().call(CREATE_JOB, json_body={}).body == {"id": "j2"}
    assert time.monotonic() - started >= 0.3


def test_aioz_rate_limit_header_is_honoured(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        f"{BASE}/user/me",
        [
            {"status_code": 429, "headers": {"X-RateLimit-Retry-After": "0.2"}, "json": {"status": "error"}},
            {"json": {"status": "success", "data": {}}},
        ],
    )
    started = time.monotonic()
    make_client(aiozstream.SERVICE).call(aiozstream.GET_ME)
    assert time.monotonic() - started >= 0.2


def test_retry_after_beyond_the_time_budget_stops_instead_of_waiting(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/items/1", status_code=429, headers={"Retry-After": "3600"}, json={})
    policy = RetryPolicy(max_attempts=5, max_elapsed=2, initial_wait=0.01, jitter=0)
    started = time.monotonic()
    with pytest.raises(AudioServiceRateLimitError) as caught:
        make_client(policy=policy).call(GET_ITEM, path_params={"item_id": "1"})
    assert time.monotonic() - started < 1
    assert caught.value.retry_after == 3600
    assert requests_mock.call_count == 1


def test_auth_error_is_typed_not_retried_and_never_shows_the_key(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        f"{BASE}/items/1",
        status_code=401,
        headers={"x-request-id": "req-42"},
        json={"message": f"invalid key {KEY}"},
    )
    with pytest.raises(AudioServiceAuthError) as caught:
        make_client().call(GET_ITEM, path_params={"item_id": "1"})
    text = str(caught.value)
    assert KEY not in text and KEY not in caught.value.api_message
    for part in ("audiostack", "GET", "/items/1", "401", "invalid key ***", "req-42"):
        assert part in text
    assert requests_mock.call_count == 1


def test_validation_error_keeps_the_api_details(requests_mock: rm.Mocker) -> None:
    # AudioStack's shape, as its official client parses it: errors are texts.
    requests_mock.post(
        f"{BASE}/jobs",
        status_code=422,
        json={"message": "Validation failed", "errors": ["assets is required", "production is required"]},
    )
    with pytest.raises(
        AudioServiceRequestError,
        match="HTTP 422: Validation failed: assets is required; production is required",
    ):
        make_client().call(CREATE_JOB, json_body={})


def test_payment_required_is_a_credits_error_with_amounts(requests_mock: rm.Mocker) -> None:
    requests_mock.post(
        f"{BASE}/jobs",
        status_code=402,
        json={"detail": {"message": "Insufficient credits", "required_cents": 120, "available_cents": 7}},
    )
    with pytest.raises(AudioServiceCreditsError, match="required cents: 120, available cents: 7"):
        make_client().call(CREATE_JOB, json_body={})
