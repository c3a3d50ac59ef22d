"""Extra links: the vendor's console only for a connection that reaches the vendor, object links from
what the attempt recorded (no XCom read that may not exist)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_audio.operators.aimlapi import AimlApiAudioLink, AimlApiGenerateAudioOperator
from airflow_provider_audio.operators.audiostack import (
    PLATFORM_URL,
    AudioStackAudioLink,
    AudioStackBuildAudioformOperator,
    AudioStackPlatformLink,
)
from tests.unit.conftest import UNIT_KEY


@dataclass
class Attempt:
    """What a link is given as ``ti_key``: a task instance's identity and try."""

    dag_id: str = "d"
    task_id: str = "t"
    run_id: str = "r"
    map_index: int = -1
    try_number: int = 1


class PushedXComs:
    """The ``ti`` of a context, keeping what is pushed."""

    def __init__(self, attempt: Attempt) -> None:
        self.__dict__.update(vars(attempt))
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def build_operator() -> AudioStackBuildAudioformOperator:
    return AudioStackBuildAudioformOperator(task_id="t", audioform={})


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        (None, True),  # no host: AudioStack's own base URL
        ("v2.api.audio", True),
        ("https://v2.api.audio/", True),
        ("https://V2.API.AUDIO", True),
        ("http://127.0.0.1:8765/audiostack", False),
        ("http://localhost:8765/audiostack", False),
        ("https://staging.audiostack.test", False),
        ("https://v2.api.audio.example.com", False),
    ],
)
def test_the_platform_link_only_for_audiostack_s_own_host(
    monkeypatch: pytest.MonkeyPatch, host: str | None, shown: bool
) -> None:
    connection: dict[str, Any] = {"conn_type": "audiostack", "password": UNIT_KEY}
    if host is not None:
        connection["host"] = host
    monkeypatch.setenv("AIRFLOW_CONN_AUDIOSTACK_DEFAULT", json.dumps(connection))
    link = AudioStackPlatformLink().get_link(build_operator(), ti_key=Attempt())  # type: ignore[arg-type]
    assert link == (PLATFORM_URL if shown else "")


def test_no_platform_link_when_the_connection_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_AUDIOSTACK_DEFAULT", raising=False)
    operator = AudioStackBuildAudioformOperator(task_id="t", audioform={}, conn_id="no_such_connection")
    assert AudioStackPlatformLink().get_link(operator, ti_key=Attempt()) == ""  # type: ignore[arg-type]


def test_an_object_link_is_what_this_attempt_recorded_and_pushed() -> None:
    operator = build_operator()
    first, second = Attempt(try_number=1), Attempt(try_number=2)
    # Nothing recorded: empty, without asking for an XCom (there is no supervisor here to ask).
    assert AudioStackAudioLink().get_link(operator, ti_key=first) == ""  # type: ignore[arg-type]
    ti = PushedXComs(first)
    operator.record_link({"ti": ti}, AudioStackAudioLink.xcom_key, "https://cdn.test/a.wav")  # type: ignore[arg-type]
    assert ti.pushed == {"audio_uri": "https://cdn.test/a.wav"}
    assert AudioStackAudioLink().get_link(operator, ti_key=first) == "https://cdn.test/a.wav"  # type: ignore[arg-type]
    # Another try of the task (or another link) shows nothing of it.
    assert AudioStackAudioLink().get_link(operator, ti_key=second) == ""  # type: ignore[arg-type]
    generation = AimlApiGenerateAudioOperator(task_id="g", prompt="p")
    assert AimlApiAudioLink().get_link(generation, ti_key=first) == ""  # type: ignore[arg-type]
