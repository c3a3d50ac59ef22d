"""
Names checked before billing (issue 14), under dag.test() against the live sandbox: a voice or sound
template AudioStack does not list fails the task before any billed call and is never retried; a
listed one builds; each list is read once per task, however many items name it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.system.conftest import OperatorRunner, sandbox_stats, xcom_of

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

OPS = "airflow_provider_audio.operators"
AUDIOFORM = f"{OPS}.audiostack.AudioStackBuildAudioformOperator"
BATCH = f"{OPS}.audiostack_creator.AudioStackBatchBuildOperator"
BRIEF = f"{OPS}.audiostack_creator.AudioStackBriefOperator"
TTS = f"{OPS}.audiostack_classic.AudioStackTTSOperator"
MIX = f"{OPS}.audiostack_classic.AudioStackMixOperator"
LIST_VOICES = "GET /audiostack/speech/voice"
LIST_SOUND_TEMPLATES = "GET /audiostack/production/sound/template"
FAST = {"poll_interval": 0.2}
# Retries the task would get for a transient error: an unknown name must not use them.
RETRIES = {"retries": 2, "retry_delay_seconds": 0}


def narration(
    text: str = "Good evening.", voice: str = "sara", bed: str | None = "cityscape"
) -> dict[str, Any]:
    """An audioform as the example DAGs write one: a voice asset, speech naming it, a sound bed."""
    assets: dict[str, Any] = {
        "narrator": {"type": "voice", "voiceAlias": voice},
        "speech": {"type": "tts", "text": text, "voiceRef": "narrator"},
    }
    layers: list[dict[str, Any]] = [{"clips": [{"assetRef": "speech"}]}]
    if bed is not None:
        assets["bed"] = {"type": "soundTemplate", "soundTemplateAlias": bed}
        layers.append({"clips": [{"assetRef": "bed"}]})
    return {
        "header": {"version": "1"},
        "assets": assets,
        "production": {"arrangement": {"sections": [{"layers": layers}]}},
        "delivery": {"encoderPreset": "wav"},
    }


def billed_or_built(stats: dict[str, Any]) -> dict[str, int]:
    """Every request that is not a read of a list: none may follow an unknown name."""
    return {
        route: count
        for route, count in stats["requests"].items()
        if route not in (LIST_VOICES, LIST_SOUND_TEMPLATES)
    }


UNKNOWN_NAMES = [
    pytest.param(
        AUDIOFORM, {"audioform": narration(voice="ghost")}, (LIST_VOICES,), id="audioform-voice-asset"
    ),
    pytest.param(
        AUDIOFORM,
        {
            "audioform": {
                **narration(bed=None),
                "assets": {"speech": {"type": "tts", "text": "x", "voice": "ghost"}},
            }
        },
        (LIST_VOICES,),
        id="audioform-tts-voice",
    ),
    pytest.param(
        AUDIOFORM,
        {"audioform": narration(bed="nowhere")},
        (LIST_VOICES, LIST_SOUND_TEMPLATES),
        id="audioform-sound-template",
    ),
    pytest.param(
        BATCH,
        {"items": {f"ep-{n}": narration(voice="ghost" if n == 7 else "sara") for n in range(10)}},
        (LIST_VOICES, LIST_SOUND_TEMPLATES),
        id="batch",
    ),
    pytest.param(
        BRIEF,
        {"brief": {"script": {"scriptText": "Buy tea."}, "voices": [{"alias": "ghost"}]}},
        (LIST_VOICES,),
        id="brief-voice",
    ),
    pytest.param(
        BRIEF,
        {"brief": {"script": {"scriptText": "Buy tea."}, "sounds": {"soundDesign": [{"alias": "nowhere"}]}}},
        (LIST_SOUND_TEMPLATES,),
        id="brief-sound-design",
    ),
    pytest.param(TTS, {"script_id": "any", "voice": "ghost"}, (LIST_VOICES,), id="tts"),
    pytest.param(MIX, {"speech_id": "any", "sound_template": "nowhere"}, (LIST_SOUND_TEMPLATES,), id="mix"),
]


@pytest.mark.parametrize(("operator", "kwargs", "lists"), UNKNOWN_NAMES)
def test_an_unknown_name_fails_the_task_before_any_billed_call_and_is_not_retried(
    airflow_db: Path,
    sandbox_connections: SandboxServer,
    run_operator: OperatorRunner,
    operator: str,
    kwargs: dict[str, Any],
    lists: tuple[str, ...],
) -> None:
    run = run_operator({**kwargs, **RETRIES, **FAST}, operator=operator)
    assert run.state == "failed"
    assert run.get_task_instance("run").try_number == 1  # AudioInputError: a retry cannot help
    stats = sandbox_stats(sandbox_connections)
    assert billed_or_built(stats) == {}
    assert {route: stats["requests"][route] for route in lists} == dict.fromkeys(lists, 1)
    assert stats["audioforms"]["created"] == 0 and not any(stats["audiostack_jobs"].values())


def test_a_listed_name_builds_reading_each_list_once(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    run = run_operator({"audioform": narration(voice="Sara"), **FAST}, operator=AUDIOFORM)  # any case
    assert run.state == "success"
    assert xcom_of(run)["uri"]
    requests = sandbox_stats(sandbox_connections)["requests"]
    assert requests[LIST_VOICES] == requests[LIST_SOUND_TEMPLATES] == 1
    assert requests["POST /audiostack/audioforms"] == 1


def test_a_batch_of_many_items_reads_each_list_once(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    voices = ["sara", "joanna", "isaac", "wren"]
    beds = ["cityscape", "lofi", "upbeat"]
    items = {
        f"ep-{n}": narration(f"Episode {n}.", voice=voices[n % len(voices)], bed=beds[n % len(beds)])
        for n in range(60)
    }
    run = run_operator({"items": items, **FAST, "job_timeout_seconds": 120}, operator=BATCH)
    assert run.state == "success"
    assert xcom_of(run)["failed"] == []
    requests = sandbox_stats(sandbox_connections)["requests"]
    assert requests[LIST_VOICES] == requests[LIST_SOUND_TEMPLATES] == 1
    assert requests["POST /audiostack/audioforms/batches"] == 1


def test_a_brief_naming_listed_voices_and_sounds_builds(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    brief = {
        "script": {"scriptText": "Tea by the sea."},
        "voices": [{"alias": "joanna"}],
        "sounds": {"soundDesign": [{"alias": "cityscape", "useSmartFit": True}]},
    }
    assert run_operator({"brief": brief, "num_ads": 1, **FAST}, operator=BRIEF).state == "success"
    stats = sandbox_stats(sandbox_connections)
    assert stats["requests"][LIST_VOICES] == stats["requests"][LIST_SOUND_TEMPLATES] == 1
    assert stats["audioforms"]["built"] == 1


def test_speech_and_a_mix_naming_listed_names_are_made(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    script_id = AudioStackHook().create_script({"scriptText": "Good evening."})["scriptId"]
    run = run_operator({"script_id": script_id, "voice": "isaac", **FAST}, operator=TTS)
    assert run.state == "success"
    speech_id = xcom_of(run, "speech_ids")[0]
    assert (
        run_operator({"speech_id": speech_id, "sound_template": "lofi", **FAST}, operator=MIX).state
        == "success"
    )
    requests = sandbox_stats(sandbox_connections)["requests"]
    assert requests[LIST_VOICES] == requests[LIST_SOUND_TEMPLATES] == 1
    assert requests["POST /audiostack/speech/tts"] == requests["POST /audiostack/production/mix"] == 1
