"""Hooks: connection -> base URL and credentials, masking, AudioStack sync calls (the connection
form: tests/unit/test_connection_forms.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests_mock as rm
from airflow.sdk import Connection

from airflow_provider_audio.client.routes.audiostack import BuildState
from airflow_provider_audio.client.service import Credentials
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.aimlapi import AimlApiHook
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.base import AudioServiceHook, base_url_from_connection
from tests.unit.conftest import AUDIOSTACK_TEST_URL, UNIT_KEY

HOOKS: list[type[AudioServiceHook]] = [AudioStackHook, AiozStreamHook, AudioPodHook, AimlApiHook]
VALID_AUDIOFORM: dict[str, Any] = {
    "header": {"version": "1"},
    "assets": {"intro": {"type": "tts", "text": "Hello there.", "voice": "sara"}},
    "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "intro"}]}]}]}},
    "delivery": {"encoderPreset": "wav"},
}


def conn(**fields: Any) -> Connection:
    return Connection(conn_id="c", conn_type="x", **fields)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "https://default.test/api"),
        ({"host": "http://127.0.0.1:8765/audiostack/"}, "http://127.0.0.1:8765/audiostack"),
        ({"host": "staging.example.com"}, "https://staging.example.com"),
        ({"host": "127.0.0.1", "schema": "http", "port": 9000}, "http://127.0.0.1:9000"),
        ({"host": "http://127.0.0.1/aimlapi", "port": 9001}, "http://127.0.0.1:9001/aimlapi"),
    ],
)
def test_base_url_from_connection(fields: dict[str, Any], expected: str) -> None:
    assert base_url_from_connection(conn(**fields), "https://default.test/api/") == expected


def credentials(hook_class: type[AudioServiceHook], connection: Connection) -> Credentials:
    """What a hook makes of ``connection``, its extras read as the sync path reads them."""
    return hook_class.credentials_from_connection(connection, connection.extra_dejson)


@pytest.mark.parametrize("hook_class", HOOKS)
def test_empty_key_is_refused_naming_the_field(hook_class: type[AudioServiceHook]) -> None:
    with pytest.raises(AudioInputError, match=r"c\.password"):
        credentials(hook_class, conn())


def test_credentials_per_service() -> None:
    stack = credentials(AudioStackHook, conn(password="k1", extra=json.dumps({"assume_org": "org-9"})))
    assert stack.headers == {"x-api-key": "k1", "x-assume-org": "org-9"}
    pair = credentials(AiozStreamHook, conn(password="s", extra=json.dumps({"public_key": "p"})))
    assert pair.headers == {"Authorization": "Basic cDpz"}  # base64("p:s"), as the Go client sends it
    assert pair.secrets == ("s", "cDpz")
    token = credentials(AiozStreamHook, conn(password="h.p.s", extra=json.dumps({"auth": "bearer"})))
    assert token.headers == {"Authorization": "Bearer h.p.s"}
    assert credentials(AudioPodHook, conn(password="ap_1")).headers == {"X-API-Key": "ap_1"}
    jwt = credentials(AudioPodHook, conn(password="j.w.t", extra=json.dumps({"auth": "bearer"})))
    assert jwt.headers == {"Authorization": "Bearer j.w.t"}
    assert credentials(AimlApiHook, conn(password="m")).headers == {"Authorization": "Bearer m"}
    assert "k1" not in repr(stack)


def test_aioz_secret_key_without_its_public_key_is_refused_naming_the_extra() -> None:
    with pytest.raises(
        AudioInputError, match=r"c\.extra\.public_key: missing; .* only together with its public key"
    ):
        credentials(AiozStreamHook, conn(password="secret"))


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"auth": "bearer"}, r"c\.password: with extra\.auth 'bearer' it holds an access token, a JWT"),
        ({"auth": "basic"}, r"c\.extra\.auth: 'basic'; allowed values: \('key_pair', 'bearer'\)"),
    ],
)
def test_aioz_bearer_is_for_an_access_token_only(extra: dict[str, str], fragment: str) -> None:
    with pytest.raises(AudioInputError, match=fragment):
        credentials(AiozStreamHook, conn(password="a-secret-key", extra=json.dumps(extra)))


def test_audiopod_unknown_auth_scheme_lists_allowed_values() -> None:
    with pytest.raises(
        AudioInputError, match=r"c\.extra\.auth: 'basic'; allowed values: \('api_key', 'bearer'\)"
    ):
        credentials(AudioPodHook, conn(password="x", extra=json.dumps({"auth": "basic"})))


def test_key_is_registered_with_the_secrets_masker(
    audiostack_conn: str, caplog: pytest.LogCaptureFixture
) -> None:
    from airflow.sdk._shared.secrets_masker import redact

    AudioStackHook(audiostack_conn).get_conn()
    assert UNIT_KEY not in str(redact(f"the key is {UNIT_KEY}"))


def test_submit_validates_before_any_call(requests_mock: rm.Mocker, audiostack_conn: str) -> None:
    broken = json.loads(json.dumps(VALID_AUDIOFORM))
    broken["production"]["arrangement"]["sections"][0]["layers"][0]["clips"][0]["assetRef"] = "missing"
    with pytest.raises(AudioInputError, match=r"clips\[0\]\.assetRef"):
        AudioStackHook(audiostack_conn).submit_audioform(broken)
    assert requests_mock.call_count == 0


def test_submit_and_get(requests_mock: rm.Mocker, audiostack_conn: str) -> None:
    requests_mock.post(
        f"{AUDIOSTACK_TEST_URL}/audioforms",
        status_code=202,
        json={
            "metadata": {"requestId": "r1", "creditUsed": 1.5},
            "warnings": [],
            "data": {"audioformId": "af-9"},
        },
    )
    requests_mock.get(
        f"{AUDIOSTACK_TEST_URL}/audioforms/af-9",
        [
            {"status_code": 202, "json": {"message": "building", "audioformId": "af-9"}},
            {
                "status_code": 200,
                "json": {"data": {"result": {"delivery": {"uri": "https://cdn/x.wav"}}, "errors": []}},
            },
        ],
    )
    hook = AudioStackHook(audiostack_conn)
    submitted = hook.submit_audioform(VALID_AUDIOFORM)
    assert (submitted.audioform_id, submitted.request_id, submitted.credit_used) == ("af-9", "r1", 1.5)
    assert requests_mock.request_history[0].json() == {"audioform": VALID_AUDIOFORM}
    assert hook.get_audioform("af-9").state is BuildState.BUILDING
    built = hook.get_audioform("af-9")
    assert built.state is BuildState.SUCCEEDED and built.uri == "https://cdn/x.wav"
    assert requests_mock.last_request.headers["version"] == "2"


def test_version_extra_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AUDIOSTACK_V9",
        json.dumps({"conn_type": "audiostack", "password": "k", "extra": {"version": "9"}}),
    )
    with pytest.raises(AudioInputError, match=r"audiostack_v9\.extra\.version: '9'; allowed values"):
        AudioStackHook("audiostack_v9").response_version()


def test_test_connection_reports_failure_without_the_key(
    requests_mock: rm.Mocker, audiostack_conn: str
) -> None:
    requests_mock.get(
        f"{AUDIOSTACK_TEST_URL}/files/file-categories", status_code=401, json={"message": "bad key"}
    )
    ok, message = AudioStackHook(audiostack_conn).test_connection()
    assert not ok and "401" in message and UNIT_KEY not in message


def test_test_connection_reports_a_connection_the_hook_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

    monkeypatch.setenv(
        "AIRFLOW_CONN_AIOZ_NO_PUBLIC", json.dumps({"conn_type": "aiozstream", "password": "s3cr3t-981"})
    )
    ok, message = AiozStreamHook("aioz_no_public").test_connection()
    assert (
        not ok
        and "aioz_no_public.extra.public_key: missing" in message
        and "secret" not in message.split(";")[0]
    )


def test_connection_extras_set_timeouts_and_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {"connect_timeout": 2, "read_timeout": 0.5, "max_attempts": 2, "max_retry_seconds": 9}
    monkeypatch.setenv(
        "AIRFLOW_CONN_AUDIOSTACK_LIMITS",
        json.dumps({"conn_type": "audiostack", "password": "k", "extra": extra}),
    )
    hook = AudioStackHook("audiostack_limits")
    client = hook.get_conn()
    assert (client.timeouts.connect, client.timeouts.read) == (2, 0.5)
    assert (client.retry_policy.max_attempts, client.retry_policy.max_elapsed) == (2, 9)
    from airflow_provider_audio.client.service import RetryPolicy

    explicit = AudioStackHook("audiostack_limits", retry_policy=RetryPolicy.no_retries()).get_conn()
    assert explicit.retry_policy.max_attempts == 1


@pytest.mark.parametrize("hook_class", HOOKS)
def test_connection_limits_apply_to_a_download_from_a_fresh_hook(
    hook_class: type[AudioServiceHook], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # Operators download with a hook made just for it (no API call first): the connection's read
    # timeout and attempts must still bound the download (found by tests/faults).
    extra: dict[str, Any] = {"read_timeout": 0.5, "max_attempts": 2}
    if hook_class is AiozStreamHook:
        extra["public_key"] = "p"
    monkeypatch.setenv(
        "AIRFLOW_CONN_AUDIO_LIMITS",
        json.dumps({"conn_type": hook_class.conn_type, "password": "k", "extra": extra}),
    )
    seen: dict[str, Any] = {}

    def fake_download(url: str, destination: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        from airflow_provider_audio.client.files import DownloadedFile

        return DownloadedFile(path=str(destination), size_bytes=1, content_type=None)

    monkeypatch.setattr("airflow_provider_audio.hooks.base.download_file", fake_download)
    hook_class("audio_limits").download("https://cdn.example.test/a.wav", tmp_path / "a.wav")
    assert seen["timeouts"].read == 0.5
    assert seen["retry_policy"].max_attempts == 2


def test_bad_limit_extras_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AUDIOSTACK_BADLIMITS",
        json.dumps({"conn_type": "audiostack", "password": "k", "extra": {"read_timeout": "fast"}}),
    )
    with pytest.raises(
        AudioInputError, match=r"audiostack_badlimits\.extra\.read_timeout: 'fast'; must be a positive number"
    ):
        AudioStackHook("audiostack_badlimits").get_conn()
