"""Knobs: flags over environment over defaults, validation, loopback only."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from audio_sandbox import SandboxServer, Settings, SettingsError, settings_from_sources
from audio_sandbox.core.settings import build_parser, env_var, flag


def test_defaults() -> None:
    settings = settings_from_sources([], {})
    assert settings == Settings()
    assert (settings.host, settings.port, settings.api_key) == ("127.0.0.1", 8765, "sandbox-key")
    assert settings.aioz_public_key == "sandbox-public"
    assert settings.build_seconds == 3.0
    assert settings.words_per_minute == 160.0
    assert (settings.fault_5xx_rate, settings.fault_429_rate, settings.fault_drop_rate) == (0, 0, 0)
    assert settings.retry_after == 1.0
    assert settings.seed is None
    assert settings.data_dir is None
    assert settings.transcode_seconds == 3.0
    assert settings.aioz_balance == 10.0
    assert (settings.aioz_upload_limit, settings.aioz_write_limit, settings.aioz_read_limit) == (0, 0, 0)
    assert settings.aioz_rate_window_seconds == 60.0
    assert (settings.training_seconds, settings.generation_seconds) == (3.0, 3.0)
    assert (settings.audiopod_credits_cents, settings.aimlapi_credits) == (10_000, 1_000_000)
    assert settings.aimlapi_concurrency == 0
    assert settings.aioz_access_token is None
    assert settings.serve == {}


def test_serve_is_repeated_as_a_flag_or_listed_in_the_environment() -> None:
    flags = ["--serve", "audiopod=0", "--serve", "aimlapi=8802"]
    assert settings_from_sources(flags, {}).serve == {"audiopod": 0, "aimlapi": 8802}
    environ = {"AUDIO_SANDBOX_SERVE": "aiozstream=0, audiostack=8803"}
    assert settings_from_sources([], environ).serve == {"aiozstream": 0, "audiostack": 8803}
    assert settings_from_sources(["--serve", "audiopod=0"], environ).serve == {"audiopod": 0}
    with pytest.raises(SettingsError, match="audiopod is given twice"):
        settings_from_sources(["--serve", "audiopod=0", "--serve", "audiopod=1"], {})
    with pytest.raises(SettingsError, match="AUDIO_SANDBOX_SERVE"):
        settings_from_sources([], {"AUDIO_SANDBOX_SERVE": "audiopod"})
    with pytest.raises(SystemExit):
        settings_from_sources(["--serve", "audiopod:1"], {})


def test_an_aioz_access_token_is_a_jwt_other_than_the_secret_key() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    assert settings_from_sources(["--aioz-access-token", token], {}).aioz_access_token == token
    assert settings_from_sources([], {"AUDIO_SANDBOX_AIOZ_ACCESS_TOKEN": ""}).aioz_access_token is None
    for wrong in ("sandbox-key", "not a token"):
        with pytest.raises(SettingsError, match="aioz_access_token must be a JWT"):
            Settings(aioz_access_token=wrong)


def test_flag_wins_over_environment_which_wins_over_default() -> None:
    environ = {
        "AUDIO_SANDBOX_BUILD_SECONDS": "0.5",
        "AUDIO_SANDBOX_API_KEY": "from-env",
        "AUDIO_SANDBOX_SEED": "3",
    }
    settings = settings_from_sources(["--api-key", "from-flag", "--fault-429-rate", "0.25"], environ)
    assert settings.api_key == "from-flag"
    assert settings.build_seconds == 0.5
    assert settings.seed == 3
    assert settings.fault_429_rate == 0.25


def test_aioz_knobs_come_from_flags_and_environment(tmp_path: Path) -> None:
    environ = {
        "AUDIO_SANDBOX_DATA_DIR": str(tmp_path),
        "AUDIO_SANDBOX_TRANSCODE_SECONDS": "0.5",
        "AUDIO_SANDBOX_AIOZ_BALANCE": "2.5",
        "AUDIO_SANDBOX_AIOZ_UPLOAD_LIMIT": "100",
        "AUDIO_SANDBOX_AIOZ_WRITE_LIMIT": "7",
    }
    settings = settings_from_sources(
        ["--aioz-read-limit", "500", "--aioz-rate-window-seconds", "30", "--aioz-write-limit", "200"], environ
    )
    assert settings.data_dir == str(tmp_path)
    assert settings.transcode_seconds == 0.5
    assert settings.aioz_balance == 2.5
    assert (settings.aioz_upload_limit, settings.aioz_write_limit, settings.aioz_read_limit) == (
        100,
        200,
        500,
    )
    assert settings.aioz_rate_window_seconds == 30.0


def test_audiopod_and_aimlapi_knobs_come_from_flags_and_environment() -> None:
    environ = {
        "AUDIO_SANDBOX_TRAINING_SECONDS": "0.5",
        "AUDIO_SANDBOX_AUDIOPOD_CREDITS_CENTS": "250",
        "AUDIO_SANDBOX_GENERATION_SECONDS": "1.5",
        "AUDIO_SANDBOX_AIMLAPI_CREDITS": "9",
    }
    settings = settings_from_sources(["--aimlapi-concurrency", "2", "--aimlapi-credits", "5000"], environ)
    assert (settings.training_seconds, settings.generation_seconds) == (0.5, 1.5)
    assert (settings.audiopod_credits_cents, settings.aimlapi_credits, settings.aimlapi_concurrency) == (
        250,
        5000,
        2,
    )


def test_credits_knobs_set_the_balances_at_run_time() -> None:
    import requests

    with SandboxServer(audiopod_credits_cents=40, aimlapi_credits=7) as sandbox:
        admin = sandbox.base_url + "/_sandbox"
        assert requests.get(admin + "/stats", timeout=5).json()["credits"] == {
            "audiostack": 100_000.0,
            "audiopod_cents": 40,
            "aimlapi": 7,
        }
        changed = requests.patch(
            admin + "/settings", json={"audiopod_credits_cents": 3, "aimlapi_credits": 12}, timeout=5
        )
        assert changed.status_code == 200, changed.text
        credits = requests.get(admin + "/stats", timeout=5).json()["credits"]
        assert (credits["audiopod_cents"], credits["aimlapi"]) == (3, 12)
        refused = requests.patch(admin + "/settings", json={"aimlapi_credits": 1.5}, timeout=5)
        assert refused.status_code == 422 and "whole number" in refused.json()["detail"]


def test_every_knob_has_a_flag_an_env_var_and_help() -> None:
    parser = build_parser()
    by_dest = {action.dest: action for action in parser._actions}
    for field in dataclasses.fields(Settings):
        action = by_dest[field.name]
        assert flag(field.name) in action.option_strings
        assert action.help and env_var(field.name) in action.help
    assert env_var("fault_5xx_rate") == "AUDIO_SANDBOX_FAULT_5XX_RATE"


def test_malformed_environment_variable_is_named() -> None:
    with pytest.raises(SettingsError, match="AUDIO_SANDBOX_PORT"):
        settings_from_sources([], {"AUDIO_SANDBOX_PORT": "eighty"})


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(SettingsError, match="loopback"):
        Settings(host=host)
    with pytest.raises(SettingsError, match="loopback"):
        settings_from_sources(["--host", host], {})
    with pytest.raises(SettingsError, match="loopback"):
        SandboxServer(host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_loopback_hosts_are_accepted(host: str) -> None:
    assert Settings(host=host).host == host


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"port": 70000}, "port"),
        ({"fault_drop_rate": -0.1}, "fault_drop_rate"),
        ({"fault_5xx_rate": 0.7, "fault_drop_rate": 0.7}, "sum"),
        ({"words_per_minute": 10}, "words_per_minute"),
        ({"build_seconds": -1}, "build_seconds"),
        ({"retry_after": float("nan")}, "retry_after"),
        ({"api_key": ""}, "api_key"),
        ({"log_level": "loud"}, "log_level"),
        ({"transcode_seconds": -1}, "transcode_seconds"),
        ({"aioz_balance": float("inf")}, "aioz_balance"),
        ({"aioz_upload_limit": -1}, "aioz_upload_limit"),
        ({"aioz_read_limit": 1.5}, "aioz_read_limit"),
        ({"aioz_rate_window_seconds": 0}, "aioz_rate_window_seconds"),
        ({"training_seconds": -0.1}, "training_seconds"),
        ({"generation_seconds": float("nan")}, "generation_seconds"),
        ({"audiopod_credits_cents": -1}, "audiopod_credits_cents"),
        ({"aimlapi_credits": 2.5}, "aimlapi_credits"),
        ({"aimlapi_concurrency": -3}, "aimlapi_concurrency"),
        ({"data_dir": ""}, "data_dir"),
        ({"data_dir": __file__}, "data_dir"),
        ({"serve": {"spotify": 0}}, "unknown service 'spotify'"),
        ({"serve": {"audiopod": 70000}}, "audiopod's port must be 0..65535"),
        ({"serve": {"audiopod": 8765}}, "port 8765 is already"),
        ({"serve": {"audiopod": 9000, "aimlapi": 9000}}, "port 9000 is already"),
    ],
)
def test_out_of_range_values_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings(**changes)  # type: ignore[arg-type]


def test_service_urls() -> None:
    with SandboxServer() as sandbox:
        assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}"
        assert sandbox.port != 0
        assert sandbox.service_url("audiostack") == sandbox.base_url + "/audiostack"
        assert sandbox.service_url("aiozstream") == sandbox.base_url + "/aiozstream/api"
        assert sandbox.service_url("audiopod") == sandbox.base_url + "/audiopod/api/v1/voice"
        assert sandbox.service_url("aimlapi") == sandbox.base_url + "/aimlapi"
        with pytest.raises(ValueError, match="unknown service"):
            sandbox.service_url("spotify")
    with pytest.raises(RuntimeError, match="not started"):
        _ = sandbox.base_url
