"""One sandbox server for the whole sandbox test session, reset before every test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

API_KEY = "sandbox-key"
BUILD_SECONDS = 0.3
WORDS_PER_MINUTE = 160.0
TRANSCODE_SECONDS = 0.3
TRAINING_SECONDS = 0.3
GENERATION_SECONDS = 0.45
STORY_SECONDS = 0.4
FILE_PROCESSING_SECONDS = 0.3


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(
        build_seconds=BUILD_SECONDS,
        seed=7,
        words_per_minute=WORDS_PER_MINUTE,
        transcode_seconds=TRANSCODE_SECONDS,
        training_seconds=TRAINING_SECONDS,
        generation_seconds=GENERATION_SECONDS,
        story_seconds=STORY_SECONDS,
        file_processing_seconds=FILE_PROCESSING_SECONDS,
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reset jobs, counters, faults and run-time knobs around tests that use the sandbox."""
    if "sandbox" not in request.fixturenames:
        yield
        return
    server: SandboxServer = request.getfixturevalue("sandbox")
    admin = server.base_url + "/_sandbox"
    defaults = {
        "build_seconds": BUILD_SECONDS,
        "fault_5xx_rate": 0.0,
        "fault_429_rate": 0.0,
        "fault_drop_rate": 0.0,
        "fault_loose_list_rate": 0.0,
        "retry_after": 1.0,
        "words_per_minute": WORDS_PER_MINUTE,
        "transcode_seconds": TRANSCODE_SECONDS,
        "aioz_balance": 10.0,
        "aioz_upload_limit": 0,
        "aioz_write_limit": 0,
        "aioz_read_limit": 0,
        "aioz_rate_window_seconds": 60.0,
        "training_seconds": TRAINING_SECONDS,
        "audiopod_credits_cents": 10_000,
        "generation_seconds": GENERATION_SECONDS,
        "aimlapi_credits": 1_000_000,
        "aimlapi_concurrency": 0,
        "story_seconds": STORY_SECONDS,
        "file_processing_seconds": FILE_PROCESSING_SECONDS,
    }
    requests.patch(admin + "/settings", json=defaults, timeout=5).raise_for_status()
    requests.post(admin + "/reset", timeout=5).raise_for_status()
    yield
    requests.patch(admin + "/settings", json=defaults, timeout=5).raise_for_status()
    requests.delete(admin + "/faults", timeout=5).raise_for_status()


def audiostack_headers(**extra: str) -> dict[str, str]:
    return {"x-api-key": API_KEY, "version": "2", **extra}


def make_audioform(
    text: str = "Hello from the sandbox. It reads this text aloud.",
    *,
    voice: str = "sara",
    encoder: str | None = "wav",
    bed: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A minimal valid audioform: one section, one tts layer, optionally a sound-template bed."""
    assets: dict[str, Any] = {"speech": {"type": "tts", "text": text, "voice": voice}}
    layers: list[dict[str, Any]] = [{"clips": [{"assetRef": "speech"}]}]
    if bed:
        assets["bed"] = {"type": "soundTemplate", "template": "sandbox_bed"}
        layers.append({"clips": [{"assetRef": "bed"}]})
    audioform: dict[str, Any] = {
        "header": {"version": "1"},
        "assets": assets,
        "production": {"arrangement": {"sections": [{"layers": layers}]}, "mixingPreset": "balanced"},
        **extra,
    }
    if encoder is not None:
        audioform["delivery"] = {"encoderPreset": encoder, "loudnessPreset": "podcast", "public": True}
    return audioform


def submit(sandbox: SandboxServer, audioform: dict[str, Any]) -> str:
    response = requests.post(
        sandbox.service_url("audiostack") + "/audioforms",
        json={"audioform": audioform},
        headers=audiostack_headers(),
        timeout=5,
    )
    assert response.status_code == 202, response.text
    audioform_id: str = response.json()["data"]["audioformId"]
    return audioform_id


def wait_built(sandbox: SandboxServer, audioform_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll until the audioform answers 200; return that body."""
    url = f"{sandbox.service_url('audiostack')}/audioforms/{audioform_id}"
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(url, headers=audiostack_headers(), timeout=10)
        if response.status_code == 200:
            body: dict[str, Any] = response.json()
            return body
        assert response.status_code == 202, response.text
        assert time.monotonic() < deadline, f"audioform {audioform_id} not built within {timeout} s"
        time.sleep(0.05)
