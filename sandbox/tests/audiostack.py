"""Helpers for the AudioStack batch, creator, file and classic-pipeline tests: calls, polls, audio checks."""

from __future__ import annotations

import io
import math
import struct
import time
import wave
from typing import Any

import requests
from audio_sandbox import SandboxServer

from .conftest import audiostack_headers

TIMEOUT = 10


def url(sandbox: SandboxServer, path: str) -> str:
    return sandbox.service_url("audiostack") + path


def call(
    sandbox: SandboxServer, method: str, path: str, body: Any = None, **kwargs: Any
) -> requests.Response:
    """An authenticated AudioStack call with a JSON body (when given)."""
    headers = {**audiostack_headers(), **kwargs.pop("headers", {})}
    if body is not None:
        kwargs["json"] = body
    return requests.request(method, url(sandbox, path), headers=headers, timeout=TIMEOUT, **kwargs)


def poll(sandbox: SandboxServer, path: str, timeout: float = 10.0) -> requests.Response:
    """GET ``path`` until it stops answering 202; return that answer."""
    deadline = time.monotonic() + timeout
    while True:
        response = call(sandbox, "GET", path)
        if response.status_code != 202:
            return response
        assert time.monotonic() < deadline, f"{path} still 202 after {timeout} s"
        time.sleep(0.05)


def wait_uploaded(sandbox: SandboxServer, file_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll a library file until it is ``uploaded``; return it."""
    deadline = time.monotonic() + timeout
    while True:
        data: dict[str, Any] = call(sandbox, "GET", f"/files/{file_id}").json()  # the file, at the top level
        if data["status"] == "uploaded":
            return data
        assert time.monotonic() < deadline, f"file {file_id} is still {data['status']} after {timeout} s"
        time.sleep(0.05)


def loc_of(error: str) -> list[Any]:
    """The location an AudioStack error text names: ``"items.0.name: ..."`` -> ``["items", 0, "name"]``."""
    assert isinstance(error, str), f"AudioStack errors are texts, not {type(error).__name__}"
    where, _, _ = error.partition(": ")
    return [int(part) if part.isdigit() else part for part in where.split(".")]


def locs(response: requests.Response) -> list[list[Any]]:
    """The location of every problem of a 422 in AudioStack's shape (``errors`` are texts)."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["message"].startswith("Validation error")
    return [loc_of(error) for error in body["errors"]]


def stats(sandbox: SandboxServer) -> dict[str, Any]:
    body: dict[str, Any] = requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).json()
    return body


def patch_settings(sandbox: SandboxServer, **knobs: float) -> None:
    requests.patch(sandbox.base_url + "/_sandbox/settings", json=knobs, timeout=5).raise_for_status()


def add_fault(sandbox: SandboxServer, **spec: Any) -> None:
    requests.post(sandbox.base_url + "/_sandbox/faults", json=spec, timeout=5).raise_for_status()


def wav_seconds(data: bytes) -> float:
    """Length of a mono 16-bit WAV file."""
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        frames: int = wav.getnframes()
        rate: int = wav.getframerate()
        return frames / rate


def is_mp3(data: bytes) -> bool:
    """An MPEG audio frame sync at the start (no ID3 tag from the sandbox's encoder)."""
    return len(data) > 1000 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0


def make_wav(seconds: float, rate: int = 8000) -> bytes:
    """A WAV file of a 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def tts_audioform(
    text: str = "Hello there. A short line.", *, voice: str = "sara", encoder: str = "wav"
) -> dict[str, Any]:
    """A minimal valid audioform: one tts clip."""
    return {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": text, "voice": voice}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": encoder},
    }
