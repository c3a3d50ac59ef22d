"""
The environment-variable connections of the docs' connections page work as printed.

Every ``export AIRFLOW_CONN_...`` line of ``docs/connections.md`` is read by its hook without a
complaint (the real-key lines hold placeholders, so they are not sent anywhere); the sandbox lines
pass ``test_connection()`` against a sandbox started with its default keys, as the page says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from airflow_provider_audio.hooks.aimlapi import AimlApiHook
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.base import AudioServiceHook
from tests.conftest import REPO

PAGE = REPO / "docs" / "connections.md"
HOOKS: dict[str, type[AudioServiceHook]] = {
    "audiostack": AudioStackHook,
    "aiozstream": AiozStreamHook,
    "audiopod": AudioPodHook,
    "aimlapi": AimlApiHook,
}
#: Where the page's sandbox lines point: ``python -m audio_sandbox --port 8765``.
DOC_SANDBOX_URL = "http://127.0.0.1:8765"
EXPORT = re.compile(r"^export (AIRFLOW_CONN_\w+)='(.*)'$", re.MULTILINE)


def exports(section: str) -> list[tuple[str, dict[str, object]]]:
    """The ``(variable, connection)`` pairs of the page's section whose heading starts with ``section``."""
    text = PAGE.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}", 1)[1].split("\n## ", 1)[0]
    return [(name, json.loads(value)) for name, value in EXPORT.findall(body)]


def hook_for(
    monkeypatch: pytest.MonkeyPatch, variable: str, connection: dict[str, object]
) -> AudioServiceHook:
    conn_id = variable.removeprefix("AIRFLOW_CONN_").lower()
    monkeypatch.setenv(variable, json.dumps(connection))
    hook = HOOKS[str(connection["conn_type"])](conn_id)
    assert hook.default_conn_name == conn_id
    return hook


def test_the_real_key_lines_are_read_by_their_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = exports("Real keys")
    assert sorted({str(connection["conn_type"]) for _, connection in lines}) == sorted(HOOKS)
    assert len(lines) == 7  # one per type, and three variants
    for variable, connection in lines:
        settings = hook_for(monkeypatch, variable, connection).settings()
        assert settings.base_url == settings.service.default_base_url


@pytest.fixture
def doc_sandbox() -> Iterator[str]:
    """A sandbox with its default keys (``sandbox-key``, AIOZ public key ``sandbox-public``)."""
    from audio_sandbox.core.server import SandboxServer

    with SandboxServer() as server:
        yield server.base_url


def test_the_sandbox_lines_pass_the_connection_test(
    monkeypatch: pytest.MonkeyPatch, doc_sandbox: str
) -> None:
    lines = exports("The sandbox")
    assert sorted(str(connection["conn_type"]) for _, connection in lines) == sorted(HOOKS)
    for variable, connection in lines:
        assert str(connection["host"]).startswith(DOC_SANDBOX_URL + "/")
        moved = {**connection, "host": str(connection["host"]).replace(DOC_SANDBOX_URL, doc_sandbox)}
        ok, message = hook_for(monkeypatch, variable, moved).test_connection()
        assert ok, f"{variable}: {message}"
