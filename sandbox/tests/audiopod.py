"""Helpers of the AudioPod sandbox tests: samples, requests, and waiting for training."""

from __future__ import annotations

import io
import time
import wave
from typing import Any

import requests
from audio_sandbox import SandboxServer

from .aioz import make_mp3, make_wav
from .conftest import API_KEY

HEADERS = {"X-API-Key": API_KEY}
#: A WAV's signature over bytes that do not decode.
BROKEN_WAV = b"RIFF\x24\x10\x00\x00WAVEjunk" + bytes(64)
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isommp42" + bytes(256)

__all__ = ["BROKEN_WAV", "HEADERS", "M4A", "make_mp3", "make_wav"]


def api(sandbox: SandboxServer) -> str:
    return sandbox.service_url("audiopod")


def wav(seconds: float) -> bytes:
    """A small mono WAV (8 kHz) of ``seconds``."""
    return make_wav(seconds, rate=8000, channels=1)


def create(
    sandbox: SandboxServer,
    name: str = "My Voice",
    data: bytes | None = None,
    filename: str = "sample.wav",
    **fields: str,
) -> requests.Response:
    """``POST /voice-profiles`` with one ``file`` (a 4 s WAV unless given)."""
    return requests.post(
        api(sandbox) + "/voice-profiles",
        headers=HEADERS,
        data={"name": name, **fields},
        files={"file": (filename, wav(4.0) if data is None else data, "application/octet-stream")},
        timeout=10,
    )


def create_multi(
    sandbox: SandboxServer, samples: list[bytes], name: str = "Multi", **fields: str
) -> requests.Response:
    """``POST /voice-profiles/multi-sample`` with one ``voice_files`` part per sample."""
    files = [("voice_files", (f"s{i}.wav", data, "audio/wav")) for i, data in enumerate(samples)]
    return requests.post(
        api(sandbox) + "/voice-profiles/multi-sample",
        headers=HEADERS,
        data={"name": name, **fields},
        files=files,
        timeout=10,
    )


def created(sandbox: SandboxServer, **kwargs: Any) -> dict[str, Any]:
    """Create a voice (see :func:`create`); return the voice object."""
    response = create(sandbox, **kwargs)
    assert response.status_code == 200, response.text
    voice: dict[str, Any] = response.json()
    return voice


def status(sandbox: SandboxServer, identifier: object) -> requests.Response:
    return requests.get(f"{api(sandbox)}/voices/{identifier}/status", headers=HEADERS, timeout=10)


def wait_trained(sandbox: SandboxServer, identifier: object, timeout: float = 10.0) -> dict[str, Any]:
    """Poll the status until the voice is no longer PROCESSING; return it."""
    deadline = time.monotonic() + timeout
    while True:
        response = status(sandbox, identifier)
        assert response.status_code == 200, response.text
        voice: dict[str, Any] = response.json()
        if voice["status"] != "PROCESSING":
            return voice
        assert time.monotonic() < deadline, f"voice {identifier} still PROCESSING after {timeout} s"
        time.sleep(0.05)


def trained_voice(sandbox: SandboxServer, **kwargs: Any) -> dict[str, Any]:
    """A custom voice, created and trained (COMPLETED)."""
    voice = wait_trained(sandbox, created(sandbox, **kwargs)["id"])
    assert voice["status"] == "COMPLETED", voice
    return voice


def list_voices(sandbox: SandboxServer, **params: Any) -> requests.Response:
    return requests.get(api(sandbox) + "/voice-profiles", headers=HEADERS, params=params, timeout=10)


def preview(sandbox: SandboxServer, identifier: object, **params: Any) -> requests.Response:
    return requests.get(
        f"{api(sandbox)}/voice-profiles/{identifier}/preview", headers=HEADERS, params=params, timeout=10
    )


def batch(sandbox: SandboxServer, **body: Any) -> requests.Response:
    return requests.post(api(sandbox) + "/preview/batch", headers=HEADERS, json=body, timeout=30)


def stats(sandbox: SandboxServer) -> dict[str, Any]:
    body: dict[str, Any] = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    return body


def set_knobs(sandbox: SandboxServer, **knobs: Any) -> None:
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json=knobs, timeout=5).raise_for_status()


def detail(response: requests.Response, status_code: int) -> Any:
    """Assert a FastAPI-style error of ``status_code``; return its ``detail``."""
    assert response.status_code == status_code, response.text
    body = response.json()
    assert set(body) == {"detail"}, body
    return body["detail"]


def wav_duration(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getnframes() / reader.getframerate()


def is_mp3(data: bytes) -> bool:
    """Starts with an MPEG audio frame (after an ID3 tag, if any)."""
    if data[:3] == b"ID3":
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        data = data[10 + size :]
    return len(data) > 4 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
