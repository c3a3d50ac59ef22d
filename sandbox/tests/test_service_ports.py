"""Each service at the root of a port of its own (``serve``), sharing one app and one state."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
from audio_sandbox import SandboxServer

from .aioz import PAIR_HEADERS as AIOZ_HEADERS
from .aioz import make_wav, md5
from .audiopod import HEADERS as AUDIOPOD_HEADERS
from .audiopod import wav
from .conftest import API_KEY

AIML_HEADERS = {"Authorization": f"Bearer {API_KEY}"}
SERVICES = ("audiostack", "aiozstream", "audiopod", "aimlapi")


@pytest.fixture(scope="module")
def served() -> Iterator[SandboxServer]:
    with SandboxServer(api_key=API_KEY, serve=dict.fromkeys(SERVICES, 0), training_seconds=0) as server:
        yield server


def test_each_service_has_a_port_of_its_own_and_urls_for_it(served: SandboxServer) -> None:
    ports = served.service_ports
    assert set(ports) == set(SERVICES)
    assert len({served.port, *ports.values()}) == 5
    assert served.service_root_url("audiopod") == f"http://127.0.0.1:{ports['audiopod']}"
    assert (
        served.service_url("audiopod", own_port=True) == f"http://127.0.0.1:{ports['audiopod']}/api/v1/voice"
    )
    assert served.service_url("aiozstream", own_port=True) == f"http://127.0.0.1:{ports['aiozstream']}/api"
    assert served.service_url("aimlapi", own_port=True) == served.service_root_url("aimlapi")
    assert served.service_url("audiostack", own_port=True) == served.service_root_url("audiostack")


def test_what_is_made_through_one_port_is_seen_through_the_other(served: SandboxServer) -> None:
    root = served.service_url("audiopod", own_port=True)
    made = requests.post(
        root + "/voice-profiles",
        headers=AUDIOPOD_HEADERS,
        data={"name": "Both ports"},
        files={"file": ("s.wav", wav(1.0), "audio/wav")},
        timeout=10,
    )
    assert made.status_code == 200, made.text
    voice_id = made.json()["id"]
    prefixed = requests.get(
        f"{served.service_url('audiopod')}/voices/{voice_id}/status", headers=AUDIOPOD_HEADERS
    )
    assert prefixed.json()["name"] == "Both ports"
    counted = requests.get(served.base_url + "/_sandbox/stats", timeout=5).json()["requests"]
    assert counted["POST /audiopod/api/v1/voice/voice-profiles"] >= 1


def test_errors_keep_the_services_shape_on_its_own_port(served: SandboxServer) -> None:
    aiml = requests.get(
        served.service_root_url("aimlapi") + "/v2/generate/audio?generation_id=nope", headers=AIML_HEADERS
    )
    assert aiml.status_code == 404
    assert aiml.json()["path"] == "/v2/generate/audio"
    aioz = requests.post(served.service_url("aiozstream", own_port=True) + "/media", json={"limit": 101})
    assert aioz.status_code == 401
    assert aioz.json()["status"] == "error"
    pod = requests.get(
        served.service_url("audiopod", own_port=True) + "/voice-profiles?limit=0", headers=AUDIOPOD_HEADERS
    )
    assert pod.status_code == 422
    assert pod.json()["detail"][0]["loc"] == ["query", "limit"]


def test_a_service_port_serves_that_service_only(served: SandboxServer) -> None:
    pod = served.service_root_url("audiopod")
    assert (
        requests.get(pod + "/aimlapi/v2/generate/audio?generation_id=x", headers=AIML_HEADERS).status_code
        == 404
    )
    assert requests.get(pod + "/_sandbox/stats", timeout=5).status_code == 404
    assert requests.get(pod + "/v2/generate/audio?generation_id=x", headers=AIML_HEADERS).status_code == 404


def test_urls_handed_out_on_a_service_port_work_there(served: SandboxServer) -> None:
    api = served.service_url("aiozstream", own_port=True)
    media = requests.post(
        api + "/media/create", json={"type": "audio", "title": "t"}, headers=AIOZ_HEADERS
    ).json()
    media_id = media["data"]["id"]
    data = make_wav(0.5)
    part = requests.post(
        f"{api}/media/{media_id}/part",
        headers={**AIOZ_HEADERS, "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
        data={"index": "1", "hash": md5(data)},
        files={"file": ("a.wav", data)},
        timeout=10,
    )
    assert part.status_code == 200, part.text
    requests.get(f"{api}/media/{media_id}/complete", headers=AIOZ_HEADERS).raise_for_status()
    assets = requests.get(f"{api}/media/{media_id}", headers=AIOZ_HEADERS).json()["data"]["assets"]
    assert assets["source_url"].startswith(served.service_root_url("aiozstream") + "/aiozstream/api/")
    source = requests.get(assets["source_url"], headers=AIOZ_HEADERS, timeout=10)
    assert source.content == data


def test_a_service_not_served_on_its_own_port_has_no_root_url() -> None:
    with SandboxServer() as plain:
        assert plain.service_ports == {}
        with pytest.raises(ValueError, match="serve="):
            plain.service_root_url("audiopod")
        with pytest.raises(ValueError, match="unknown service"):
            plain.service_root_url("spotify")


def test_a_taken_port_fails_the_start_and_releases_the_others() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = SandboxServer(serve={"audiopod": 0, "aimlapi": taken.getsockname()[1]})
        with pytest.raises(OSError):
            server.start()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.service_ports
