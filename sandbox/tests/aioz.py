"""Helpers of the AIOZ Stream sandbox tests: audio files, requests, and upload steps."""

from __future__ import annotations

import base64
import hashlib
import io
import math
import time
import wave
from array import array
from typing import Any

import requests
from audio_sandbox import SandboxServer

from .conftest import API_KEY

PUBLIC_KEY = "sandbox-public"
#: What the official Go client sends: HTTP Basic public key : secret key.
HEADERS = {"Authorization": "Basic " + base64.b64encode(f"{PUBLIC_KEY}:{API_KEY}".encode()).decode()}
PAIR_HEADERS = {"stream-public-key": PUBLIC_KEY, "stream-secret-key": API_KEY}


def api(sandbox: SandboxServer) -> str:
    return sandbox.service_url("aiozstream")


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def make_wav(seconds: float, rate: int = 22050, channels: int = 2, width: int = 2) -> bytes:
    """A WAV of a 441 Hz tone (a whole period every 1/441 s, so tiling it is seamless)."""
    period = rate // 441 if rate % 441 == 0 else 50
    tone = array("h", (int(9000 * math.sin(2 * math.pi * i / period)) for i in range(period)))
    frames = int(seconds * rate)
    mono = (tone.tobytes() * (frames // period + 1))[: frames * 2]
    samples = array("h")
    samples.frombytes(mono)
    interleaved = array("h", bytes(2 * frames * channels))
    for channel in range(channels):
        interleaved[channel::channels] = samples
    pcm = interleaved.tobytes()
    if width == 1:
        pcm = bytes((pcm[i + 1] + 128) % 256 for i in range(0, len(pcm), 2))
    elif width == 3:
        pcm = b"".join(b"\x00" + pcm[i : i + 2] for i in range(0, len(pcm), 2))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def make_mp3(seconds: float, rate: int = 44100, kbps: int = 128) -> bytes:
    """An MP3 (stereo, constant bitrate) of a tone, encoded by LAME."""
    import lameenc

    wav = make_wav(seconds, rate=rate)
    with wave.open(io.BytesIO(wav)) as reader:
        pcm = reader.readframes(reader.getnframes())
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(2)
    encoder.set_quality(7)
    chunks = [bytes(encoder.encode(pcm[i : i + 8192])) for i in range(0, len(pcm), 8192)]
    return b"".join([*chunks, bytes(encoder.flush())])


def quality(
    resolution: str = "standard", kind: str = "hls", container: str | None = None, **audio: Any
) -> dict[str, Any]:
    """A valid quality object, with ``audio`` overriding the audio_config fields."""
    config: dict[str, Any] = {
        "codec": "aac",
        "bitrate": 128000,
        "channels": "2",
        "sample_rate": 44100,
        "language": "en",
        "index": 0,
    }
    config.update(audio)
    return {
        "resolution": resolution,
        "type": kind,
        "container_type": container or ("mpegts" if kind == "hls" else "fmp4"),
        "audio_config": config,
    }


def create(sandbox: SandboxServer, **body: Any) -> dict[str, Any]:
    """Create an audio media; return its ``data``."""
    payload = {"type": "audio", "title": "Episode", **body}
    response = requests.post(api(sandbox) + "/media/create", json=payload, headers=HEADERS, timeout=5)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def send_part(
    sandbox: SandboxServer,
    media_id: str,
    data: bytes,
    *,
    start: int,
    total: int,
    index: int | str | None,
    digest: str | None = None,
    content_range: str | None = None,
) -> requests.Response:
    """POST one part: ``file``, ``index``, ``hash`` and ``Content-Range`` (each overridable)."""
    fields: dict[str, str] = {}
    if index is not None:
        fields["index"] = str(index)
    fields["hash"] = md5(data) if digest is None else digest
    headers = {**HEADERS, "Content-Range": content_range or f"bytes {start}-{start + len(data) - 1}/{total}"}
    return requests.post(
        f"{api(sandbox)}/media/{media_id}/part",
        headers=headers,
        data=fields,
        files={"file": ("part.bin", data, "application/octet-stream")},
        timeout=30,
    )


def split(data: bytes, parts: int) -> list[tuple[int, bytes]]:
    """``data`` cut into ``parts`` consecutive pieces, with their offsets."""
    size = math.ceil(len(data) / parts)
    return [(start, data[start : start + size]) for start in range(0, len(data), size)]


def upload(sandbox: SandboxServer, media_id: str, data: bytes, parts: int = 3) -> None:
    """Upload ``data`` in ``parts`` parts, in order."""
    for index, (start, piece) in enumerate(split(data, parts), 1):
        response = send_part(sandbox, media_id, piece, start=start, total=len(data), index=index)
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "success", "message": "Upload part successfully."}


def complete(sandbox: SandboxServer, media_id: str) -> requests.Response:
    return requests.get(f"{api(sandbox)}/media/{media_id}/complete", headers=HEADERS, timeout=5)


def get_media(sandbox: SandboxServer, media_id: str) -> requests.Response:
    return requests.get(f"{api(sandbox)}/media/{media_id}", headers=HEADERS, timeout=10)


def admin_media(sandbox: SandboxServer, media_id: str) -> dict[str, Any]:
    response = requests.get(f"{sandbox.base_url}/_sandbox/aioz/media/{media_id}", timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def aioz_stats(sandbox: SandboxServer) -> dict[str, int]:
    stats: dict[str, int] = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()["aioz"]
    return stats


def wait_settled(sandbox: SandboxServer, media_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll ``GET /media/{id}`` until the media is no longer transcoding; return it."""
    deadline = time.monotonic() + timeout
    while True:
        response = get_media(sandbox, media_id)
        assert response.status_code == 200, response.text
        media: dict[str, Any] = response.json()["data"]
        if media["status"] != "transcoding":
            return media
        assert time.monotonic() < deadline, f"media {media_id} still transcoding after {timeout} s"
        time.sleep(0.05)


def uploaded(sandbox: SandboxServer, data: bytes, parts: int = 3, **body: Any) -> dict[str, Any]:
    """Create, upload ``data``, complete, wait: the settled media."""
    media = create(sandbox, **body)
    upload(sandbox, media["id"], data, parts)
    assert complete(sandbox, media["id"]).status_code == 200
    return wait_settled(sandbox, media["id"])


def list_media(sandbox: SandboxServer, **body: Any) -> requests.Response:
    return requests.post(f"{api(sandbox)}/media", json=body, headers=HEADERS, timeout=10)


def error_message(response: requests.Response, status: int) -> str:
    """Assert an AIOZ error of ``status``; return its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert set(body) == {"status", "message"}
    message: str = body["message"]
    return message
