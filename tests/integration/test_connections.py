"""``test_connection()`` of the four hooks against the sandbox: right key, wrong key, no key leaked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.aimlapi import AimlApiHook
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.base import AudioServiceHook
from tests.conftest import SANDBOX_AIOZ_TOKEN, SANDBOX_KEY
from tests.integration.conftest import WRONG_KEY, SandboxAdmin, set_connection

#: A well-formed JWT the sandbox did not issue.
WRONG_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3cm9uZyJ9.d3Jvbmc"

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


@dataclass(frozen=True)
class Case:
    """One way of connecting to one service, and the route its probe must hit."""

    id: str
    hook_class: type[AudioServiceHook]
    service: str
    probe_route: str
    public_key: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    key: str = SANDBOX_KEY
    wrong_key: str = WRONG_KEY


CASES = [
    Case("audiostack", AudioStackHook, "audiostack", "GET /audiostack/files/file-categories"),
    Case(
        "aiozstream-bearer",
        AiozStreamHook,
        "aiozstream",
        "GET /aiozstream/api/user/me",
        extra={"auth": "bearer"},
        key=SANDBOX_AIOZ_TOKEN,
        wrong_key=WRONG_TOKEN,
    ),
    Case("aiozstream-key-pair", AiozStreamHook, "aiozstream", "GET /aiozstream/api/user/me", public_key=True),
    Case("audiopod-api-key", AudioPodHook, "audiopod", "GET /audiopod/api/v1/voice/voice-profiles"),
    Case(
        "audiopod-bearer",
        AudioPodHook,
        "audiopod",
        "GET /audiopod/api/v1/voice/voice-profiles",
        extra={"auth": "bearer"},
    ),
    Case("aimlapi", AimlApiHook, "aimlapi", "GET /aimlapi/v2/generate/audio"),
]


def connect(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, case: Case, key: str, public_key: str = ""
) -> AudioServiceHook:
    extra = dict(case.extra)
    if case.public_key:
        extra["public_key"] = public_key or sandbox.settings.aioz_public_key
    conn_id = set_connection(
        monkeypatch,
        f"{case.id.replace('-', '_')}_probe",
        case.hook_class.conn_type,
        host=sandbox.service_url(case.service),
        password=key,
        extra=extra,
    )
    return case.hook_class(conn_id)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_right_key_passes(
    case: Case, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, admin: SandboxAdmin
) -> None:
    ok, message = connect(monkeypatch, sandbox, case, case.key).test_connection()

    assert ok is True, message
    assert message == f"Connection to {case.hook_class.service.display_name} successfully tested"
    assert case.key not in message
    # The probe really went to the service (one request, no retries needed).
    assert admin.count(case.probe_route) == 1


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_wrong_key_fails_naming_the_401_without_any_key(
    case: Case, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, admin: SandboxAdmin
) -> None:
    ok, message = connect(monkeypatch, sandbox, case, case.wrong_key).test_connection()

    assert ok is False
    assert "401" in message, message
    assert case.service in message, message
    assert case.wrong_key not in message, message
    assert case.key not in message, message
    # A 401 is final: it is not retried.
    assert admin.count(case.probe_route) == 1


def test_aioz_wrong_public_key_with_right_secret_fails(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer
) -> None:
    case = next(case for case in CASES if case.id == "aiozstream-key-pair")
    hook = connect(monkeypatch, sandbox, case, SANDBOX_KEY, public_key="not-the-public-key")

    ok, message = hook.test_connection()

    assert ok is False
    assert "401" in message, message
    assert SANDBOX_KEY not in message, message


def test_aioz_secret_key_without_public_key_is_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, admin: SandboxAdmin
) -> None:
    conn_id = set_connection(
        monkeypatch,
        "aioz_no_public_key",
        "aiozstream",
        host=sandbox.service_url("aiozstream"),
        password=SANDBOX_KEY,
    )

    with pytest.raises(AudioInputError, match=r"aioz_no_public_key\.extra\.public_key: missing"):
        AiozStreamHook(conn_id).list_media()

    assert admin.count("POST /aiozstream/api/media") == 0
