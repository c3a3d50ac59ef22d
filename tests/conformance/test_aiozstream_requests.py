"""
AIOZ Stream has no Python client: its official client is Go (``AIOZNetwork/aioz-stream-go-client``,
HEAD e67d4ab). These tests send, with httpx, exactly the requests that client builds -- Basic
public:secret auth (or its Bearer token), JSON bodies as Go's encoder writes them, parts as
``UploadVideo`` cuts them (50 MiB, 1-based ``index``, MD5-hex ``hash``, ``Content-Range: bytes
s-e/total``) -- and read the answers as it does: JSON decoded on every 2xx, lists at ``data.media``.
Then the vendor's documented curl requests (the ``stream-public-key`` / ``stream-secret-key`` pair).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.conformance.conftest import AIOZ_ACCESS_TOKEN, AIOZ_PUBLIC_KEY, CONFORMANCE_KEY

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

SAMPLE = (
    Path(__file__).resolve().parents[2] / "dags_examples" / "data" / "voice_samples" / "narrator-take1.wav"
)
#: ``prepareRangeRequests`` cuts every upload into parts of this size, whatever the builder says.
GO_CHUNK_SIZE = 50 * 1024 * 1024


class GoStatusError(Exception):
    """What the Go client's ``checkResponse`` returns for a non-2xx answer: the status and the body."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"[{status}] {body!r}")
        self.status = status
        self.body = json.loads(body) if body else None


class GoShapedClient:
    """
    The Go client's requests: ``Accept`` and ``Content-Type: application/json`` on every one, the
    route joined to the base URL's path, ``Authorization: Basic`` (or ``Bearer`` when a token is
    given); any 2xx is decoded as JSON, anything else is an error carrying the body.
    """

    def __init__(
        self, base_url: str, public_key: str = "", secret_key: str = "", bearer_token: str = ""
    ) -> None:
        if bearer_token:
            authorization = f"Bearer {bearer_token}"
        else:
            authorization = "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            headers={
                "Accept": "application/json",
                "User-Agent": "Go-http-client/1.1",
                "Authorization": authorization,
            },
            timeout=30,
        )

    def close(self) -> None:
        self.http.close()

    def do(
        self,
        method: str,
        route: str,
        body: Any = None,
        query: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = self.base_url + route + (f"?{urlencode(sorted(query.items()))}" if query else "")
        if content is None:
            # json.NewEncoder(buf).Encode(body) ends the document with a newline.
            content = b"" if body is None else (json.dumps(body, separators=(",", ":")) + "\n").encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        response = self.http.request(method, url, content=content, headers=sent)
        if not 200 <= response.status_code <= 299:
            raise GoStatusError(response.status_code, response.content)
        decoded: dict[str, Any] = json.loads(response.content)
        return decoded

    def upload_video(self, media_id: str, file_name: str, data: bytes) -> None:
        """``client.UploadVideo``: every part in order (built as ``prepareRangeRequests`` does), then complete."""
        total = len(data)
        for number, start in enumerate(range(0, total, GO_CHUNK_SIZE), start=1):
            end = min(start + GO_CHUNK_SIZE, total) - 1
            chunk = data[start : end + 1]
            body, content_type = go_multipart(file_name, chunk, hashlib.md5(chunk).hexdigest(), str(number))
            headers = {"Content-Type": content_type, "Content-Range": f"bytes {start}-{end}/{total}"}
            self.do("POST", f"/media/{media_id}/part", content=body, headers=headers)
        self.do("GET", f"/media/{media_id}/complete")


def go_multipart(file_name: str, chunk: bytes, md5_hex: str, index: str) -> tuple[bytes, str]:
    """A part's body as Go's ``mime/multipart`` writes it: the file first, then ``hash``, then ``index``."""
    boundary = secrets.token_hex(30)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = b"".join(
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()
        for name, value in (("hash", md5_hex), ("index", index))
    )
    return (
        head + chunk + tail + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def wait_done(client: GoShapedClient, media_id: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        media: dict[str, Any] = client.do("GET", f"/media/{media_id}")["data"]
        if media["status"] in ("done", "fail") or time.monotonic() > deadline:
            return media
        time.sleep(0.05)


@pytest.fixture
def api(fresh_sandbox: SandboxServer) -> str:
    """The base URL a Go user passes to ``BaseURL``: the host's ``/api/`` (``https://api.aiozstream.network/api/``)."""
    return fresh_sandbox.service_root_url("aiozstream") + "/api/"


@pytest.fixture
def go(api: str) -> Iterator[GoShapedClient]:
    """``ClientBuilder(AuthCredentials{PublicKey, SecretKey}).BaseURL(api).Build()``."""
    client = GoShapedClient(api, public_key=AIOZ_PUBLIC_KEY, secret_key=CONFORMANCE_KEY)
    yield client
    client.close()


def test_the_go_clients_media_lifecycle(go: GoShapedClient) -> None:
    created = go.do(
        "POST", "/media/create", body={"title": "Conformance episode", "type": "audio", "tags": ["podcast"]}
    )
    media_id = created["data"]["id"]
    go.upload_video(media_id, SAMPLE.name, SAMPLE.read_bytes())
    done = wait_done(go, media_id)
    listed = go.do("POST", "/media", body={"limit": 10, "offset": 0, "type": "audio"})
    cost = go.do("GET", "/media/cost", query={"qualities": "standard", "type": "audio", "duration": "60"})
    updated = go.do(
        "PATCH",
        f"/media/{media_id}",
        body={"title": "Renamed", "metadata": [{"key": "article", "value": "42"}], "player_id": "player-1"},
    )
    renamed = go.do("GET", f"/media/{media_id}")["data"]
    deleted = go.do("DELETE", f"/media/{media_id}")

    assert created["status"] == "success"
    assert created["data"]["status"] == "new"
    assert done["status"] == "done", done
    assert done["size"] == SAMPLE.stat().st_size
    assert done["assets"]["hls_url"]
    assert [item["id"] for item in listed["data"]["media"]] == [media_id]
    assert listed["data"]["total"] == 1
    assert cost["data"]["price"] > 0
    assert cost["data"]["is_enough"] is True
    assert updated == {"status": "success", "message": updated["message"]}
    assert renamed["title"] == "Renamed"
    assert renamed["metadata"] == [{"key": "article", "value": "42"}]
    assert set(deleted) == {"status", "message"}
    with pytest.raises(GoStatusError) as gone:
        go.do("GET", f"/media/{media_id}")
    assert gone.value.status == 404
    assert gone.value.body["status"] == "error"


def test_upload_video_in_two_50_mib_parts(go: GoShapedClient, tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    frames = GO_CHUNK_SIZE // 2 + 4096
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(b"\x00\x01" * frames)
    data = path.read_bytes()
    media_id = go.do("POST", "/media/create", body={"title": "Two parts", "type": "audio"})["data"]["id"]

    go.upload_video(media_id, path.name, data)

    media = wait_done(go, media_id)
    assert media["status"] == "done", media
    assert media["size"] == len(data)


def test_basic_auth_with_a_wrong_secret_is_refused(api: str) -> None:
    wrong = GoShapedClient(api, public_key=AIOZ_PUBLIC_KEY, secret_key="not-the-secret")
    with pytest.raises(GoStatusError) as refused:
        wrong.do("POST", "/media", body={})
    wrong.close()

    assert refused.value.status == 401
    assert refused.value.body["status"] == "error"


def test_the_secret_key_alone_is_not_a_bearer_token(api: str) -> None:
    secret_as_token = GoShapedClient(api, bearer_token=CONFORMANCE_KEY)
    with pytest.raises(GoStatusError) as refused:
        secret_as_token.do("POST", "/media", body={})
    secret_as_token.close()

    assert refused.value.status == 401
    assert "public" in refused.value.body["message"].lower()


def test_the_go_clients_bearer_token(api: str) -> None:
    client = GoShapedClient(api, bearer_token=AIOZ_ACCESS_TOKEN)
    listed = client.do("POST", "/media", body={"type": "audio"})
    client.close()

    assert listed["data"] == {"media": [], "total": 0}


def test_the_documented_curl_requests_with_the_key_pair_headers(api: str) -> None:
    pair = {"stream-public-key": AIOZ_PUBLIC_KEY, "stream-secret-key": CONFORMANCE_KEY}
    data = SAMPLE.read_bytes()
    with httpx.Client(base_url=api, headers=pair, timeout=30) as curl:
        created = curl.post("media/create", json={"title": "My Audio Title", "type": "audio"})
        media_id = created.json()["data"]["id"]
        part = curl.post(
            f"media/{media_id}/part",
            headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
            data={"hash": hashlib.md5(data).hexdigest(), "index": "0"},
            files={"file": (SAMPLE.name, data)},
        )
        completed = curl.get(f"media/{media_id}/complete")
        listed = curl.post(
            "media",
            json={"limit": 10, "offset": 0, "sort_by": "created_at", "order_by": "desc", "type": "audio"},
        )
        detail = curl.get(f"media/{media_id}")
        cost = curl.get(
            "media/cost", params={"duration": 60, "type": "audio", "qualities": "highest,standard"}
        )
        patched = curl.patch(
            f"media/{media_id}",
            json={
                "description": "string",
                "is_public": True,
                "metadata": [{"key": "string", "value": "string"}],
                "tags": ["string"],
                "title": "string",
            },
        )
        deleted = curl.delete(f"media/{media_id}")

    assert created.status_code in (200, 201)
    assert part.json() == {"status": "success", "message": "Upload part successfully."}
    assert completed.json() == {"status": "success", "message": "Upload completed successfully."}
    assert [item["id"] for item in listed.json()["data"]["media"]] == [media_id]
    assert detail.json()["data"]["id"] == media_id
    assert set(cost.json()["data"]) == {"price", "is_enough"}
    assert patched.json() == {"status": "success", "message": "Update audio info successfully."}
    assert deleted.json() == {"status": "success", "message": "Audio deleted successfully."}
