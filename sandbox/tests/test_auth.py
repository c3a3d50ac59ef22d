"""Each service refuses wrong and missing keys in its own error shape and accepts each header form."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from audio_sandbox import SandboxServer

from .conftest import API_KEY

PUBLIC_KEY = "sandbox-public"
#: A JWT-shaped access token, for a sandbox started with ``aioz_access_token``.
ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYW5kYm94In0.c2lnbmF0dXJl"


def basic(public: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()}


@dataclass(frozen=True)
class Probe:
    service: str
    path: str
    ok_status: int
    extra_headers: tuple[tuple[str, str], ...] = ()


PROBES = {
    "audiostack": Probe("audiostack", "/files/file-categories", 200),
    "aiozstream": Probe("aiozstream", "/user/me", 200),
    "audiopod": Probe(
        "audiopod", "/voice-profiles?skip=0&limit=10&voice_type=&is_public=&include_public=", 200
    ),
    # An unknown generation: a valid key gets past auth to a 404, a wrong key stops at 401.
    "aimlapi": Probe("aimlapi", "/v2/generate/audio?generation_id=unknown-id", 404),
}

ACCEPTED = [
    ("audiostack", {"x-api-key": API_KEY}),
    ("audiostack", {"Authorization": f"Bearer {API_KEY}"}),
    ("audiostack", {"x-api-key": API_KEY, "x-assume-org": "org-123"}),
    ("aiozstream", basic(PUBLIC_KEY, API_KEY)),
    ("aiozstream", {"stream-public-key": PUBLIC_KEY, "stream-secret-key": API_KEY}),
    ("audiopod", {"X-API-Key": API_KEY}),
    ("audiopod", {"Authorization": f"Bearer {API_KEY}"}),
    ("aimlapi", {"Authorization": f"Bearer {API_KEY}"}),
]

REFUSED = [
    ("audiostack", {}),
    ("audiostack", {"x-api-key": "wrong"}),
    ("audiostack", {"Authorization": "Bearer wrong"}),
    # The first credential form present decides: a wrong x-api-key is not rescued by a bearer.
    ("audiostack", {"x-api-key": "wrong", "Authorization": f"Bearer {API_KEY}"}),
    ("aiozstream", {}),
    ("aiozstream", {"Authorization": "Bearer wrong"}),
    # The secret key is not a token: it goes with its public key.
    ("aiozstream", {"Authorization": f"Bearer {API_KEY}"}),
    # No access token is configured, so no Bearer token passes.
    ("aiozstream", {"Authorization": f"Bearer {ACCESS_TOKEN}"}),
    ("aiozstream", basic(PUBLIC_KEY, "wrong")),
    ("aiozstream", basic("wrong", API_KEY)),
    ("aiozstream", {"Authorization": "Basic " + base64.b64encode(API_KEY.encode()).decode()}),
    ("aiozstream", {"Authorization": "Basic not-base64!"}),
    ("aiozstream", {"Authorization": f"Token {API_KEY}"}),
    # The first credential form present decides: a wrong Basic pair is not rescued by the headers.
    (
        "aiozstream",
        {**basic(PUBLIC_KEY, "wrong"), "stream-public-key": PUBLIC_KEY, "stream-secret-key": API_KEY},
    ),
    ("aiozstream", {"stream-public-key": PUBLIC_KEY, "stream-secret-key": "wrong"}),
    ("aiozstream", {"stream-public-key": "wrong", "stream-secret-key": API_KEY}),
    ("aiozstream", {"stream-secret-key": API_KEY}),
    ("audiopod", {}),
    ("audiopod", {"X-API-Key": "wrong"}),
    ("audiopod", {"Authorization": "Bearer wrong"}),
    ("aimlapi", {}),
    ("aimlapi", {"Authorization": "Bearer wrong"}),
    # AIML API knows only the bearer form.
    ("aimlapi", {"x-api-key": API_KEY}),
]


def _get(sandbox: SandboxServer, service: str, headers: dict[str, str]) -> requests.Response:
    probe = PROBES[service]
    return requests.get(sandbox.service_url(service) + probe.path, headers=headers, timeout=5)


def _assert_error_shape(service: str, response: requests.Response) -> None:
    body = response.json()
    assert response.headers["x-request-id"]
    if service == "audiostack":
        assert isinstance(body["message"], str) and body["message"]
        assert body["errors"] == []
    elif service == "aiozstream":
        assert body["status"] == "error"
        assert body["message"]
    elif service == "audiopod":
        assert isinstance(body["detail"], str) and body["detail"]
    else:
        assert set(body) == {"message", "path", "requestId", "statusCode", "timestamp"}
        assert body["statusCode"] == response.status_code
        assert body["requestId"] == response.headers["x-request-id"]
        assert body["path"] == "/v2/generate/audio"


@pytest.mark.parametrize(("service", "headers"), ACCEPTED)
def test_accepted_credentials(sandbox: SandboxServer, service: str, headers: dict[str, str]) -> None:
    response = _get(sandbox, service, headers)
    assert response.status_code == PROBES[service].ok_status, response.text
    if service == "aimlapi":
        _assert_error_shape(service, response)


@pytest.mark.parametrize(("service", "headers"), REFUSED)
def test_refused_credentials(sandbox: SandboxServer, service: str, headers: dict[str, str]) -> None:
    response = _get(sandbox, service, headers)
    assert response.status_code == 401, response.text
    _assert_error_shape(service, response)
    assert API_KEY not in response.text


def test_aioz_secret_key_as_bearer_is_told_to_send_its_public_key(sandbox: SandboxServer) -> None:
    response = _get(sandbox, "aiozstream", {"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 401
    assert "public key" in response.json()["message"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert _get(sandbox, "aiozstream", basic(PUBLIC_KEY, "wrong")).headers["www-authenticate"] == "Basic"


@pytest.fixture(scope="module")
def with_access_token() -> Iterator[SandboxServer]:
    with SandboxServer(api_key=API_KEY, aioz_access_token=ACCESS_TOKEN) as server:
        yield server


def test_aioz_bearer_takes_the_configured_access_token_only(with_access_token: SandboxServer) -> None:
    assert (
        _get(with_access_token, "aiozstream", {"Authorization": f"Bearer {ACCESS_TOKEN}"}).status_code == 200
    )
    assert _get(with_access_token, "aiozstream", basic(PUBLIC_KEY, API_KEY)).status_code == 200
    assert _get(with_access_token, "aiozstream", {"Authorization": f"Bearer {API_KEY}"}).status_code == 401
    assert (
        _get(with_access_token, "aiozstream", {"Authorization": f"Bearer {ACCESS_TOKEN}x"}).status_code == 401
    )


def test_success_bodies(sandbox: SandboxServer) -> None:
    me = _get(sandbox, "aiozstream", basic(PUBLIC_KEY, API_KEY)).json()
    assert me["status"] == "success"
    assert set(me["data"]) >= {"id", "email", "name", "user"}
    assert set(me["data"]["user"]) >= {"id", "email", "first_name", "last_name", "created_at"}
    voices = _get(sandbox, "audiopod", {"X-API-Key": API_KEY}).json()
    # The probe asks for 10 of the 57 standard voices every sandbox starts with.
    assert (len(voices["voices"]), voices["total"], voices["hasMore"]) == (10, 57, True)
    categories = _get(sandbox, "audiostack", {"x-api-key": API_KEY}).json()
    assert "audio" in [file_type["name"] for file_type in categories["fileTypes"]]


def test_audiopod_takes_the_official_clients_limit_of_100_and_pages_50(sandbox: SandboxServer) -> None:
    response = requests.get(
        sandbox.service_url("audiopod") + "/voice-profiles?skip=0&limit=100&include_public=true",
        headers={"X-API-Key": API_KEY},
        timeout=5,
    )
    assert response.status_code == 200
    page = response.json()
    assert (len(page["voices"]), page["total"], page["hasMore"]) == (50, 57, True)


@pytest.mark.parametrize("limit", [0, 101])
def test_audiopod_limit_out_of_range_is_fastapi_422(sandbox: SandboxServer, limit: int) -> None:
    response = requests.get(
        sandbox.service_url("audiopod") + f"/voice-profiles?limit={limit}",
        headers={"X-API-Key": API_KEY},
        timeout=5,
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["query", "limit"]


def test_audiopod_bad_boolean_is_fastapi_422(sandbox: SandboxServer) -> None:
    response = requests.get(
        sandbox.service_url("audiopod") + "/voice-profiles?is_public=maybe",
        headers={"X-API-Key": API_KEY},
        timeout=5,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "is_public"]


def test_aimlapi_requires_generation_id(sandbox: SandboxServer) -> None:
    response = requests.get(
        sandbox.service_url("aimlapi") + "/v2/generate/audio",
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=5,
    )
    assert response.status_code == 400
    _assert_error_shape("aimlapi", response)
