"""The ``version`` header of an audioform poll, from the connection's extras, against the live sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests

from airflow_provider_audio.client.routes.audiostack import BuildState
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.conftest import SANDBOX_KEY
from tests.integration.conftest import (
    FAST_RETRIES,
    VALID_AUDIOFORM,
    HookFactory,
    SandboxAdmin,
    set_connection,
    wait_built,
)

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


@pytest.mark.parametrize("version", ["0.0.1", "1", "2", "3"])
def test_every_version_the_vendor_documents_polls_to_a_delivered_file(
    version: str, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, make_hook: HookFactory
) -> None:
    conn_id = set_connection(
        monkeypatch,
        f"audiostack_v{version.replace('.', '_')}",
        "audiostack",
        host=sandbox.service_url("audiostack"),
        password=SANDBOX_KEY,
        extra={"version": version},
    )
    hook = make_hook(AudioStackHook, conn_id, retry_policy=FAST_RETRIES)
    built = wait_built(hook, hook.submit_audioform(VALID_AUDIOFORM).audioform_id)
    assert built.state is BuildState.SUCCEEDED, built.describe_errors()
    assert built.result["header"]["version"] == version
    assert built.uri and requests.get(built.uri, timeout=5).status_code == 200


def test_a_version_the_vendor_does_not_document_fails_before_any_call(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, admin: SandboxAdmin
) -> None:
    conn_id = set_connection(
        monkeypatch,
        "audiostack_v4",
        "audiostack",
        host=sandbox.service_url("audiostack"),
        password=SANDBOX_KEY,
        extra={"version": "4"},
    )
    with pytest.raises(AudioInputError, match=r"extra\.version: '4'; allowed values: 0\.0\.1, 1, 2, 3"):
        AudioStackHook(conn_id).get_audioform("any")
    assert admin.stats()["requests"] == {}
