"""``python -m audio_sandbox`` as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .conftest import make_audioform

ROOT = Path(__file__).resolve().parents[2]


def _spawn(*args: str, **env: str) -> subprocess.Popen[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AUDIO_SANDBOX_")}
    environment.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "audio_sandbox", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _first_line(process: subprocess.Popen[str], timeout: float = 30.0) -> str:
    assert process.stdout is not None
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(process.stdout.readline).result(timeout=timeout).strip()


def test_cli_serves_until_sigterm_and_honours_env_and_flags() -> None:
    process = _spawn(
        "--port",
        "0",
        "--api-key",
        "cli-key",
        AUDIO_SANDBOX_BUILD_SECONDS="0.1",
        AUDIO_SANDBOX_API_KEY="env-key",
    )
    try:
        line = _first_line(process)
        prefix = "audio sandbox listening on http://127.0.0.1:"
        assert line.startswith(prefix), line
        base_url = line.removeprefix("audio sandbox listening on ")
        assert int(line.removeprefix(prefix)) > 0

        settings = requests.get(base_url + "/_sandbox/settings", timeout=5).json()
        assert settings["build_seconds"] == 0.1
        assert settings["api_key"] == "cli-key"  # the flag wins over the environment

        headers = {"x-api-key": "cli-key", "version": "2"}
        submitted = requests.post(
            base_url + "/audiostack/audioforms",
            json={"audioform": make_audioform()},
            headers=headers,
            timeout=5,
        )
        assert submitted.status_code == 202
        time.sleep(0.15)
        url = f"{base_url}/audiostack/audioforms/{submitted.json()['data']['audioformId']}"
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        return_code = process.wait(timeout=15)
    assert return_code == 0


def test_cli_refuses_a_non_loopback_host() -> None:
    process = _spawn("--host", "0.0.0.0", "--port", "0")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "loopback" in stderr


def test_cli_help_lists_every_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "audio_sandbox", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    for option in (
        "--host",
        "--port",
        "--api-key",
        "--aioz-public-key",
        "--build-seconds",
        "--fault-5xx-rate",
        "--fault-429-rate",
        "--fault-drop-rate",
        "--retry-after",
        "--seed",
        "--words-per-minute",
        "--data-dir",
        "--transcode-seconds",
        "--aioz-balance",
        "--aioz-upload-limit",
        "--aioz-write-limit",
        "--aioz-read-limit",
        "--aioz-rate-window-seconds",
        "--aioz-access-token",
        "--serve NAME=PORT",
    ):
        assert option in result.stdout


def test_cli_names_each_service_port_before_the_listening_line() -> None:
    process = _spawn("--port", "0", "--serve", "audiopod=0", "--api-key", "ap_cli")
    try:
        serving = _first_line(process)
        assert serving.startswith("audio sandbox serving audiopod at http://127.0.0.1:"), serving
        root = serving.removeprefix("audio sandbox serving audiopod at ")
        assert _first_line(process).startswith("audio sandbox listening on ")
        voices = requests.get(
            root + "/api/v1/voice/voice-profiles", headers={"X-API-Key": "ap_cli"}, timeout=5
        )
        assert voices.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
