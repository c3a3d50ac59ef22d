"""``SandboxProcess``: the sandbox as a child process, started, read over HTTP and stopped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from audio_sandbox import SandboxProcess

KEY = "process-key"


def _gone(pid: int) -> bool:
    """Whether neither the process ``pid`` nor any process of its group is left."""
    for send in (os.kill, os.killpg):
        try:
            send(pid, 0)
        except ProcessLookupError:
            continue
        return False
    return True


def test_serves_in_its_own_process_group_until_stopped(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "sandbox.log"
    # log_level=info: uvicorn's access lines go to stdout, which the launcher copies to the log.
    sandbox = SandboxProcess(api_key=KEY, log=log, cwd=tmp_path, build_seconds=0.5, log_level="info")
    with sandbox:
        base_url = sandbox.base_url
        assert base_url.startswith("http://127.0.0.1:")
        assert os.getpgid(sandbox.pid) == sandbox.pid
        assert sandbox.returncode is None

        settings = requests.get(f"{base_url}/_sandbox/settings", timeout=10).json()
        assert settings["build_seconds"] == 0.5
        scripts = sandbox.service_url("audiostack") + "/content/scripts"
        assert requests.get(scripts, headers={"x-api-key": KEY}, timeout=10).status_code == 200
        assert requests.get(scripts, headers={"x-api-key": "other"}, timeout=10).status_code == 401

    assert sandbox.returncode == 0  # SIGTERM: the sandbox shut down cleanly
    assert _gone(sandbox.pid)
    sandbox.stop()  # a second stop is a no-op
    with pytest.raises(RuntimeError, match="not serving"):
        sandbox.base_url  # noqa: B018
    text = log.read_text()
    assert f"audio sandbox listening on {base_url}\n" in text
    assert "GET /audiostack/content/scripts HTTP/1.1" in text


def test_service_ports_are_read_from_what_the_child_announces(tmp_path: Path) -> None:
    with SandboxProcess(api_key=KEY, serve={"aimlapi": 0}, log=tmp_path / "sandbox.log") as sandbox:
        assert "--serve" in sandbox.argv and "aimlapi=0" in sandbox.argv
        port = sandbox.service_ports["aimlapi"]
        assert sandbox.service_root_url("aimlapi") == f"http://127.0.0.1:{port}"
        unknown = requests.get(
            sandbox.service_root_url("aimlapi") + "/v2/generate/audio?generation_id=x",
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=10,
        )
        assert unknown.status_code == 404
        assert unknown.json()["path"] == "/v2/generate/audio"
    with pytest.raises(RuntimeError, match="not serving"):
        _ = sandbox.service_ports


def test_a_sandbox_that_cannot_start_is_named_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "sandbox.log"
    sandbox = SandboxProcess(api_key=KEY, log=log, build_seconds="soon")
    with pytest.raises(RuntimeError) as raised:
        sandbox.start()
    message = str(raised.value)
    assert message.startswith("the sandbox exited with code 2 before it served; see " + str(log))
    assert "argument --build-seconds: invalid float value: 'soon'" in message
    assert _gone(sandbox.pid)


def test_a_sandbox_silent_past_its_deadline_is_stopped(tmp_path: Path) -> None:
    sandbox = SandboxProcess(api_key=KEY, log=tmp_path / "sandbox.log", start_timeout=0.01)
    with pytest.raises(RuntimeError, match=r"did not serve within 0\.01 s; see .*sandbox\.log"):
        sandbox.start()
    assert sandbox.returncode is not None
    assert _gone(sandbox.pid)
