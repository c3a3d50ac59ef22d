"""
Secrets never leak: every example DAG runs with distinctive keys, then everything Airflow kept or
printed is scanned for them -- task and triggerer output, log files, XComs, rendered template
fields, serialized trigger kwargs and exception texts. Zero occurrences are allowed.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from audio_sandbox.core.errors import SERVICE_NAMES
from audio_sandbox.core.server import SandboxServer

from tests.conftest import AIRFLOW_HOME
from tests.spec_judging import SPECS, assert_no_new_violations

CANARY_KEY = f"sk-canary-{uuid.uuid4().hex}"
CANARY_PUBLIC = f"pk-canary-{uuid.uuid4().hex}"
EXAMPLES = [
    "article_to_stream",
    "scheduled_conversion",
    "article_to_audio",
    "custom_voice",
    "jingle_under_speech",
    "brief_ads",
    "story_podcast",
    "batch_archive",
]


@pytest.fixture(scope="module")
def canary_sandbox() -> Iterator[SandboxServer]:
    """A sandbox whose only accepted keys are the canaries."""
    with SandboxServer(
        api_key=CANARY_KEY,
        aioz_public_key=CANARY_PUBLIC,
        build_seconds=0.3,
        transcode_seconds=0.3,
        training_seconds=0.3,
        generation_seconds=0.3,
        story_seconds=0.3,
        file_processing_seconds=0.2,
        judge_specs=str(SPECS),
    ) as server:
        yield server
        assert_no_new_violations(server.base_url, before=0)


@contextlib.contextmanager
def output_captured(into: Path) -> Iterator[None]:
    """Everything written to file descriptors 1 and 2 (task and triggerer output) goes to ``into``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with into.open("wb") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@pytest.fixture(scope="module")
def example_runs(
    canary_sandbox: SandboxServer, airflow_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[Any], str]]:
    """Every example run once with canary keys (the AIOZ connection uses the key pair), and its output."""
    storage = tmp_path_factory.mktemp("storage")
    patch = pytest.MonkeyPatch()
    for name, service in SERVICE_NAMES.items():
        connection: dict[str, Any] = {
            "conn_type": name,
            "host": canary_sandbox.base_url + service.prefix,
            "password": CANARY_KEY,
        }
        if name == "aiozstream":
            connection["extra"] = {"public_key": CANARY_PUBLIC}
        patch.setenv(f"AIRFLOW_CONN_{name.upper()}_DEFAULT", json.dumps(connection))
    patch.setenv("AUDIO_STORAGE_URL", f"file://{storage}/storage")
    patch.setenv("AUDIO_OUTPUT_DIR", f"file://{storage}/audio")
    patch.setenv("AUDIO_POLL_SECONDS", "0.2")
    runs = []
    output = storage / "output.log"
    try:
        with output_captured(output):
            for example in EXAMPLES:
                sys.modules.pop(f"dags_examples.{example}", None)
                runs.append(importlib.import_module(f"dags_examples.{example}").dag.test())
        assert [run.state for run in runs] == ["success"] * len(EXAMPLES)
        yield runs, output.read_text(errors="replace")
    finally:
        patch.undo()


def assert_clean(where: str, text: str) -> None:
    for secret in (CANARY_KEY, CANARY_PUBLIC):
        assert secret not in text, f"a key leaked into {where}"


def test_examples_leak_no_key_into_output_or_log_files(
    example_runs: list[Any], capfd: pytest.CaptureFixture[str]
) -> None:
    out, err = capfd.readouterr()
    assert_clean("task/triggerer output", out + err)
    for log_file in (AIRFLOW_HOME / "logs").rglob("*"):
        if log_file.is_file():
            assert_clean(str(log_file), log_file.read_text(errors="replace"))


def test_examples_leak_no_key_into_xcoms_rendered_fields_or_triggers(
    example_runs: tuple[list[Any], str],
) -> None:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.trigger import Trigger
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    run_ids = [run.run_id for run in example_runs[0]]
    with create_session() as session:
        xcoms = session.scalars(select(XComModel).where(XComModel.run_id.in_(run_ids))).all()
        assert xcoms, "the examples pushed no XCom?"
        for row in xcoms:
            assert_clean(f"XCom {row.dag_id}.{row.task_id}.{row.key}", json.dumps(row.value, default=str))
        rendered = session.scalars(
            select(RenderedTaskInstanceFields).where(RenderedTaskInstanceFields.run_id.in_(run_ids))
        ).all()
        assert rendered, "no rendered fields were stored?"
        for fields in rendered:
            assert_clean(
                f"rendered fields of {fields.task_id}", json.dumps(fields.rendered_fields, default=str)
            )
        for trigger in session.scalars(select(Trigger)).all():
            assert_clean(f"trigger {trigger.classpath}", json.dumps(trigger.kwargs, default=str))


def test_serialized_trigger_kwargs_hold_no_key(canary_sandbox: SandboxServer) -> None:
    from airflow_provider_audio.triggers.aimlapi import AimlApiGenerationTrigger
    from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger
    from airflow_provider_audio.triggers.audiopod import AudioPodVoiceTrainingTrigger
    from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger

    common = {"poll_interval": 1.0, "deadline": 1e12}
    triggers = [
        AudioStackResourceTrigger(
            conn_id="audiostack_default", resource="story", resource_ids=["s"], **common
        ),
        AiozStreamTranscodeTrigger(conn_id="aiozstream_default", media_id="m", **common),
        AudioPodVoiceTrainingTrigger(conn_id="audiopod_default", voice_id="v", **common),
        AimlApiGenerationTrigger(conn_id="aimlapi_default", generation_id="g", **common),
    ]
    for trigger in triggers:
        assert_clean(type(trigger).__name__, json.dumps(trigger.serialize()))


def test_exception_texts_hold_no_key(canary_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind of failure a hook raises: wrong key, not found, refused input, transport error."""
    from airflow_provider_audio.client.service import RetryPolicy
    from airflow_provider_audio.exceptions import AudioServiceError
    from airflow_provider_audio.hooks.aimlapi import AimlApiHook
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
    from airflow_provider_audio.hooks.audiopod import AudioPodHook
    from airflow_provider_audio.hooks.audiostack import AudioStackHook

    wrong = f"{CANARY_KEY}-wrong"
    for name, service in SERVICE_NAMES.items():
        for conn_id, key, host in (
            (f"{name}_right", CANARY_KEY, canary_sandbox.base_url + service.prefix),
            (f"{name}_wrong", wrong, canary_sandbox.base_url + service.prefix),
            (f"{name}_down", CANARY_KEY, "http://127.0.0.1:9"),
        ):
            extra = {"public_key": CANARY_PUBLIC} if name == "aiozstream" else {}
            monkeypatch.setenv(
                f"AIRFLOW_CONN_{conn_id.upper()}",
                json.dumps({"conn_type": name, "host": host, "password": key, "extra": extra}),
            )
    once = RetryPolicy.no_retries()
    failures = [
        lambda: AudioStackHook("audiostack_wrong", retry_policy=once).get_audioform("x"),
        lambda: AudioStackHook("audiostack_right", retry_policy=once).get_audioform("no-such-build"),
        lambda: AudioStackHook("audiostack_down", retry_policy=once).file_categories(),
        lambda: AiozStreamHook("aiozstream_wrong", retry_policy=once).get_media("m"),
        lambda: AiozStreamHook("aiozstream_right", retry_policy=once).get_media("no-such-media"),
        lambda: AudioPodHook("audiopod_wrong", retry_policy=once).voice_status("1"),
        lambda: AudioPodHook("audiopod_right", retry_policy=once).voice_preview("no-such-voice"),
        lambda: AimlApiHook("aimlapi_wrong", retry_policy=once).get_generation("g"),
        lambda: AimlApiHook("aimlapi_down", retry_policy=once).get_generation("g"),
    ]
    for fail in failures:
        with pytest.raises(AudioServiceError) as caught:
            fail()
        assert_clean("an exception", f"{caught.value!s} {caught.value!r} {caught.value.api_message}")
    assert requests.get(f"{canary_sandbox.base_url}/_sandbox/stats", timeout=5).status_code == 200
