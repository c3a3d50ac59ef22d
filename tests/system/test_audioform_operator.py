"""AudioStackBuildAudioformOperator under dag.test(): polling in the task, retries, deadlines, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from tests.system.conftest import OperatorRunner, xcom_of

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

AUDIOFORM_OPERATOR = "airflow_provider_audio.operators.audiostack.AudioStackBuildAudioformOperator"


def audioform(text: str = "Short news. Read aloud for the test.") -> dict[str, Any]:
    return {
        "header": {"version": "1"},
        "assets": {
            "narrator": {"type": "voice", "voiceAlias": "isaac"},
            "speech": {"type": "tts", "text": text, "voiceRef": "narrator"},
        },
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "wav", "loudnessPreset": "podcast"},
    }


def stats(sandbox: SandboxServer) -> dict[str, Any]:
    body: dict[str, Any] = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    return body


@pytest.fixture
def run_one(run_operator: OperatorRunner) -> Callable[[dict[str, Any]], Any]:
    """Run the audioform operator with these (JSON) arguments under dag.test()."""
    return lambda kwargs: run_operator(kwargs, operator=AUDIOFORM_OPERATOR)


def test_non_deferrable_mode_polls_in_the_task(
    airflow_db: Path, sandbox_connections: SandboxServer, tmp_path: Path, run_one: Callable[..., Any]
) -> None:
    run = run_one(
        {
            "audioform": audioform(),
            "output_path": str(tmp_path / "a.wav"),
            "deferrable": False,
            "poll_interval": 0.2,
        },
    )
    assert run.state == "success"
    assert (tmp_path / "a.wav").stat().st_size > 1000
    counts = stats(sandbox_connections)["requests"]
    assert counts["POST /audiostack/audioforms"] == 1
    assert counts["GET /audiostack/audioforms/{audioform_id}"] >= 2


def test_json_string_and_file_inputs(
    airflow_db: Path, sandbox_connections: SandboxServer, tmp_path: Path, run_one: Callable[..., Any]
) -> None:
    source = tmp_path / "audioform.json"
    source.write_text(json.dumps(audioform()))
    assert run_one({"audioform": str(source), "poll_interval": 0.2}).state == "success"
    assert run_one({"audioform": json.dumps(audioform()), "poll_interval": 0.2}).state == "success"
    assert stats(sandbox_connections)["audioforms"]["built"] == 2


def test_retry_reattaches_to_the_paid_build(
    airflow_db: Path, sandbox_connections: SandboxServer, tmp_path: Path, run_one: Callable[..., Any]
) -> None:
    # Every download attempt of the first try is cut off, so that try fails after the build
    # succeeded; the retry must pick the same build up again instead of paying for a new one.
    fault = {"match": "GET /audiostack/delivery/*", "kind": "drop", "count": 5}
    requests.post(f"{sandbox_connections.base_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()
    run = run_one(
        {
            "audioform": audioform(),
            "output_path": str(tmp_path / "retried.wav"),
            "poll_interval": 0.2,
            "retries": 1,
            "retry_delay_seconds": 0,
        }
    )
    assert run.state == "success"
    assert (tmp_path / "retried.wav").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["retried.wav"]
    assert stats(sandbox_connections)["requests"]["POST /audiostack/audioforms"] == 1
    ti = run.get_task_instance("run")
    assert ti.try_number == 2


@pytest.mark.parametrize("kind", ["drop", "502"])
def test_a_lost_submit_answer_fails_the_retry_without_sending_again_by_default(
    airflow_db: Path, sandbox_connections: SandboxServer, run_one: Callable[..., Any], kind: str
) -> None:
    # The service may have acted before the answer was lost; AudioStack cannot be asked which
    # builds exist, so the default on_lost_submit="fail" must not pay a second time.
    fault = {"match": "POST /audiostack/audioforms", "kind": kind, "count": 1}
    requests.post(f"{sandbox_connections.base_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()
    run = run_one({"audioform": audioform(), "poll_interval": 0.2, "retries": 2, "retry_delay_seconds": 0})
    assert run.state == "failed"
    ti = run.get_task_instance("run")
    # The retry policy stops at the first lost-submit failure: no third try.
    assert ti.try_number == 2
    assert stats(sandbox_connections)["requests"]["POST /audiostack/audioforms"] == 1


def test_a_lost_submit_answer_is_sent_again_with_resubmit_and_says_so(
    airflow_db: Path, sandbox_connections: SandboxServer, run_one: Callable[..., Any]
) -> None:
    fault = {"match": "POST /audiostack/audioforms", "kind": "drop", "count": 1}
    requests.post(f"{sandbox_connections.base_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()
    run = run_one(
        {
            "audioform": audioform(),
            "poll_interval": 0.2,
            "retries": 1,
            "retry_delay_seconds": 0,
            "on_lost_submit": "resubmit",
        }
    )
    assert run.state == "success"
    assert run.get_task_instance("run").try_number == 2
    counts = stats(sandbox_connections)
    assert counts["requests"]["POST /audiostack/audioforms"] == 2
    assert counts["audioforms"]["created"] == 1  # the dropped request created nothing here
    lost = xcom_of(run, "lost_submit")
    assert lost["route"] == "POST /audioforms" and lost["sent_at"]


def test_a_refused_submit_clears_its_intent_and_the_retry_sends_it(
    airflow_db: Path, sandbox_connections: SandboxServer, run_one: Callable[..., Any]
) -> None:
    # A 429 that outlasts the client's own retries proves the service did not act: the task's
    # retry may send the submit again even under on_lost_submit="fail".
    fault = {"match": "POST /audiostack/audioforms", "kind": "429", "count": 5, "retry_after": 0.01}
    requests.post(f"{sandbox_connections.base_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()
    run = run_one({"audioform": audioform(), "poll_interval": 0.2, "retries": 1, "retry_delay_seconds": 0})
    assert run.state == "success"
    assert stats(sandbox_connections)["audioforms"]["created"] == 1


def test_absolute_deadline_fails_clearly(
    airflow_db: Path, sandbox_connections: SandboxServer, run_one: Callable[..., Any]
) -> None:
    base = sandbox_connections.base_url
    requests.patch(f"{base}/_sandbox/settings", json={"build_seconds": 30}, timeout=5).raise_for_status()
    try:
        run = run_one(
            {
                "audioform": audioform(),
                "poll_interval": 0.2,
                "deadline_in_seconds": 1.5,
            }
        )
    finally:
        requests.patch(f"{base}/_sandbox/settings", json={"build_seconds": 0.5}, timeout=5).raise_for_status()
    assert run.state == "failed"
    assert stats(sandbox_connections)["requests"]["POST /audiostack/audioforms"] == 1


def _malformed() -> list[tuple[str, dict[str, Any], str]]:
    cases: list[tuple[str, dict[str, Any], str]] = []

    def case(name: str, path: str, mutate: Any) -> None:
        data = audioform()
        mutate(data)
        cases.append((name, data, path))

    clips = lambda d: d["production"]["arrangement"]["sections"][0]["layers"][0]["clips"]  # noqa: E731
    case("missing assetRef", "clips[0].assetRef", lambda d: clips(d)[0].pop("assetRef"))
    case("undefined assetRef", "clips[0].assetRef", lambda d: clips(d)[0].update(assetRef="nope"))
    case(
        "empty sections",
        "production.arrangement.sections",
        lambda d: d["production"]["arrangement"].update(sections=[]),
    )
    case(
        "empty clips",
        "layers[0].clips",
        lambda d: d["production"]["arrangement"]["sections"][0]["layers"][0].update(clips=[]),
    )
    case("tts without text", "assets.speech.text", lambda d: d["assets"]["speech"].pop("text"))
    case("blank text", "assets.speech.text", lambda d: d["assets"]["speech"].update(text="   "))
    case("unknown asset type", "assets.speech.type", lambda d: d["assets"]["speech"].update(type="song"))
    case(
        "voiceRef to nothing",
        "assets.speech.voiceRef",
        lambda d: d["assets"]["speech"].update(voiceRef="ghost"),
    )
    case(
        "bad mixing preset", "production.mixingPreset", lambda d: d["production"].update(mixingPreset="loud")
    )
    case("negative fade", "clips[0].fadeIn", lambda d: clips(d)[0].update(fadeIn=-1))
    case("string duration", "clips[0].forcedDuration", lambda d: clips(d)[0].update(forcedDuration="10"))
    case("public not a bool", "delivery.public", lambda d: d["delivery"].update(public="yes"))
    case("assets not an object", "assets", lambda d: d.update(assets=["speech"]))
    return cases


@pytest.mark.parametrize(("name", "data", "path"), _malformed(), ids=[c[0] for c in _malformed()])
def test_malformed_audioform_fails_before_any_call(
    sandbox_connections: SandboxServer, name: str, data: dict[str, Any], path: str
) -> None:
    operator = AudioStackBuildAudioformOperator(task_id=f"bad_{abs(hash(name))}", audioform=data)
    with pytest.raises(AudioInputError) as caught:
        operator.execute(context={})  # type: ignore[arg-type]
    assert path in str(caught.value)
    assert stats(sandbox_connections)["requests"] == {}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"poll_interval": 0}, "poll_interval"),
        ({"job_timeout": timedelta(0)}, "job_timeout"),
        ({"deadline": datetime(2030, 1, 1)}, "deadline"),
        ({"max_consecutive_failures": -1}, "max_consecutive_failures"),
    ],
)
def test_bad_operator_arguments_are_named(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(AudioInputError, match=field):
        AudioStackBuildAudioformOperator(task_id="x", audioform={}, **kwargs)
