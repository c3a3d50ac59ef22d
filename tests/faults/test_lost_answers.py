"""
One lost answer on every job-creating route: the service acts (creates, and bills, the job), then a
502 replaces its answer; the task has retries. Counted in the sandbox afterwards: how many of the
job exist. Where the service can be asked (a lookup by mark, name or listing, judged on the client)
the retry finds the job and the task succeeds with one; elsewhere ``on_lost_submit`` decides: the
default ``"fail"`` fails the retry without paying again, ``"resubmit"`` pays a second time and
says so. ``tests/faults/FAULTS.md`` has the table these tests prove.
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.faults.helpers import FaultSandbox, TaskErrors, try_numbers, xcoms_of

OPS = "airflow_provider_audio.operators"
AUDIOPOD = "/audiopod/api/v1/voice"
FAST = {"poll_interval": 0.2}
RETRIES = {"retries": 2, "retry_delay_seconds": 0}
SCRIPT = {"project_name": "lost", "module_name": "answers", "script_name": "bulletin"}
SCRIPT_TEXT = "Good evening. The harbour lights are back on."
FILE_NAME = "jingle.wav"

Stats = dict[str, Any]


def audioform(text: str = "The harbour lights are back on.") -> dict[str, Any]:
    return {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": text, "voice": "sara"}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "wav"},
    }


def write_wav(path: Path, seconds: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [int(5000 * math.sin(2 * math.pi * 220 * i / 16000)) for i in range(int(seconds * 16000))]
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(16000)
        audio.writeframes(struct.pack(f"<{len(frames)}h", *frames))
    return path


def ready(faults: FaultSandbox, operator: str, kwargs: dict[str, Any], key: str) -> Any:
    """Run a prerequisite operator with no fault; its XCom ``key``."""
    errors = TaskErrors()
    run = faults.run_operator(f"{OPS}.{operator}", kwargs, errors)
    assert run.state == "success", errors.lines
    return xcoms_of(run, "run", key)[0]


def script_id(faults: FaultSandbox) -> str:
    made = ready(
        faults,
        "audiostack_classic.AudioStackScriptOperator",
        {"script_text": SCRIPT_TEXT, **SCRIPT},
        "return_value",
    )
    return str(made["scriptId"])


def speech_id(faults: FaultSandbox) -> str:
    kwargs = {"script_id": script_id(faults), "voice": "sara", **FAST}
    return str(ready(faults, "audiostack_classic.AudioStackTTSOperator", kwargs, "speech_ids")[0])


def production_id(faults: FaultSandbox) -> str:
    kwargs = {"speech_id": speech_id(faults), **FAST}
    return str(ready(faults, "audiostack_classic.AudioStackMixOperator", kwargs, "mix_ids")[0])


def library_file(faults: FaultSandbox) -> tuple[str, str, str]:
    """A file in the root folder and an empty folder to copy it to: (file id, root id, folder id)."""
    source = write_wav(faults.tmp_path / "source" / FILE_NAME, 1)
    file_id = str(
        ready(
            faults,
            "audiostack_files.AudioStackUploadFileOperator",
            {"source": str(source), **FAST},
            "file_ids",
        )[0]
    )
    hook = AudioStackHook()
    return file_id, hook.root_folder_id(), str(hook.create_folder("copies")["folderId"])


def files_named(folder: Callable[[AudioStackHook], str]) -> Callable[[FaultSandbox, Stats], int]:
    def count(faults: FaultSandbox, stats: Stats) -> int:
        hook = AudioStackHook()
        return len(hook.files_named(folder(hook), FILE_NAME))

    return count


def counter(group: str, name: str, minus: str | None = None) -> Callable[[FaultSandbox, Stats], int]:
    def count(faults: FaultSandbox, stats: Stats) -> int:
        return int(stats[group][name]) - (int(stats[group][minus]) if minus else 0)

    return count


@dataclass(frozen=True)
class LostRoute:
    """
    A job-creating route and how its operator is run.

    :param route: the route as the table names it.
    :param match: the sandbox fault pattern of its request.
    :param operator: ``module.Class`` under ``airflow_provider_audio.operators``.
    :param kwargs: the operator's arguments (prerequisites made first, without faults).
    :param made: how many of the job the sandbox holds (live).
    :param found: whether the service can be asked for the job (else ``on_lost_submit`` decides).
    """

    route: str
    match: str
    operator: str
    kwargs: Callable[[FaultSandbox], dict[str, Any]]
    made: Callable[[FaultSandbox, Stats], int]
    found: bool


ROUTES = [
    LostRoute(
        "AudioStack POST /audioforms",
        "POST /audiostack/audioforms",
        "audiostack.AudioStackBuildAudioformOperator",
        lambda faults: {"audioform": audioform(), **FAST},
        counter("audioforms", "created"),
        found=False,
    ),
    LostRoute(
        "AudioStack POST /audioforms/batches",
        "POST /audiostack/audioforms/batches",
        "audiostack_creator.AudioStackBatchBuildOperator",
        lambda faults: {"items": {"ep-1": audioform()}, **FAST},
        counter("audiostack_jobs", "batches"),
        found=False,
    ),
    LostRoute(
        "AudioStack POST /creator/brief",
        "POST /audiostack/creator/brief",
        "audiostack_creator.AudioStackBriefOperator",
        lambda faults: {
            "brief": {
                "script": {
                    "productName": "Harbour Tea",
                    "productDescription": "Tea of the sea",
                    "adLength": 15,
                },
                "voices": [{"alias": "joanna"}],
            },
            "num_ads": 1,
            **FAST,
        },
        counter("audiostack_jobs", "briefs"),
        found=False,
    ),
    LostRoute(
        "AudioStack POST /creator/story",
        "POST /audiostack/creator/story",
        "audiostack_creator.AudioStackStoryOperator",
        lambda faults: {
            "story": {
                "title": "Tides",
                "voices": [{"speakerIdentifier": "host", "alias": "sara"}],
                "chapters": [
                    {
                        "title": "One",
                        "narratives": [
                            {"foreground": [{"speakerIdentifier": "host", "text": "The tide came in."}]}
                        ],
                    }
                ],
            },
            **FAST,
        },
        counter("audiostack_jobs", "stories"),
        found=False,
    ),
    LostRoute(
        "AudioStack POST /files",
        "POST /audiostack/files",
        "audiostack_files.AudioStackUploadFileOperator",
        lambda faults: {"source": str(write_wav(faults.tmp_path / "source" / FILE_NAME, 1)), **FAST},
        files_named(lambda hook: hook.root_folder_id()),
        found=True,
    ),
    LostRoute(
        "AudioStack PUT /files/copy",
        "PUT /audiostack/files/copy",
        "audiostack_files.AudioStackCopyFileOperator",
        lambda faults: dict(
            zip(("file_id", "current_folder_id", "new_folder_id"), library_file(faults), strict=True)
        ),
        files_named(lambda hook: hook.folder_at_path("copies")["folderId"]),
        found=True,
    ),
    LostRoute(
        "AudioStack POST /content/script",
        "POST /audiostack/content/script",
        "audiostack_classic.AudioStackScriptOperator",
        lambda faults: {"script_text": SCRIPT_TEXT, **SCRIPT},
        counter("audiostack_jobs", "scripts"),
        found=True,
    ),
    LostRoute(
        "AudioStack POST /speech/tts",
        "POST /audiostack/speech/tts",
        "audiostack_classic.AudioStackTTSOperator",
        lambda faults: {"script_id": script_id(faults), "voice": "sara", **FAST},
        counter("audiostack_jobs", "speech"),
        found=False,
    ),
    LostRoute(
        "AudioStack POST /production/mix",
        "POST /audiostack/production/mix",
        "audiostack_classic.AudioStackMixOperator",
        lambda faults: {"speech_id": speech_id(faults), **FAST},
        counter("audiostack_jobs", "mixes"),
        found=False,
    ),
    LostRoute(
        "AudioStack POST /delivery/encoder",
        "POST /audiostack/delivery/encoder",
        "audiostack_classic.AudioStackEncodeOperator",
        lambda faults: {"production_id": production_id(faults), "preset": "mp3", **FAST},
        counter("audiostack_jobs", "encodings"),
        found=False,
    ),
    LostRoute(
        "AudioPod POST /voice-profiles",
        f"POST {AUDIOPOD}/voice-profiles",
        "audiopod.AudioPodCreateVoiceOperator",
        lambda faults: {
            "name": "Narrator",
            "samples": [str(write_wav(faults.tmp_path / "samples" / "one.wav", 12))],
            **FAST,
        },
        counter("audiopod", "voices_created", minus="deleted"),
        found=True,
    ),
    LostRoute(
        "AudioPod POST /voice-profiles/multi-sample",
        f"POST {AUDIOPOD}/voice-profiles/multi-sample",
        "audiopod.AudioPodCreateVoiceOperator",
        lambda faults: {
            "name": "Narrator",
            "samples": [str(write_wav(faults.tmp_path / "samples" / f"s{i}.wav", 11)) for i in range(2)],
            **FAST,
        },
        counter("audiopod", "voices_created", minus="deleted"),
        found=True,
    ),
    LostRoute(
        "AudioPod POST /collections",
        f"POST {AUDIOPOD}/collections",
        "audiopod.AudioPodCreateCollectionOperator",
        lambda faults: {"name": "Harbour voices"},
        counter("audiopod", "collections"),
        found=True,
    ),
    LostRoute(
        "AIML API POST /v2/generate/audio",
        "POST /aimlapi/v2/generate/audio",
        "aimlapi.AimlApiGenerateAudioOperator",
        lambda faults: {
            "prompt": "a calm piano jingle",
            "seconds_total": 3,
            "steps": 20,
            "output_path": str(faults.tmp_path / "audio" / "jingle.wav"),
            **FAST,
        },
        counter("aimlapi", "generations"),
        found=False,
    ),
    LostRoute(
        "AIOZ Stream POST /media/create",
        "POST /aiozstream/api/media/create",
        "aiozstream.AiozStreamUploadAudioOperator",
        lambda faults: {
            "source": str(write_wav(faults.tmp_path / "episode" / "episode.wav", 2)),
            "title": "Harbour lights",
            **FAST,
        },
        counter("aioz", "created", minus="deleted"),
        found=True,
    ),
]
POLICY_ROUTES = [route for route in ROUTES if not route.found]


def lose_one_answer(faults: FaultSandbox, route: LostRoute, errors: TaskErrors, **extra: Any) -> Any:
    """Make the prerequisites, lose the route's next answer after it acted, run the operator."""
    kwargs = {**route.kwargs(faults), **RETRIES, **extra}
    before = route.made(faults, faults.stats())
    faults.fault(route.match, "502", after_acting=True)
    run = faults.run_operator(f"{OPS}.{route.operator}", kwargs, errors)
    assert not faults.pending_faults(), "the lost answer was never sent"
    return run, route.made(faults, faults.stats()) - before


@pytest.mark.parametrize("route", ROUTES, ids=[route.route for route in ROUTES])
def test_one_lost_answer_never_makes_a_second_job(
    faults: FaultSandbox, errors: TaskErrors, route: LostRoute
) -> None:
    faults.patch(file_processing_seconds=0.2, story_seconds=0.3)
    run, made = lose_one_answer(faults, route, errors)
    assert made == 1, f"{route.route}: {made} jobs after one lost answer"
    if route.found:
        assert run.state == "success", errors.lines
        assert try_numbers(run, "run") == [2]
    else:
        assert run.state == "failed"
        errors.named("try 2", "AudioLostSubmitError", "on_lost_submit='fail'")
        assert try_numbers(run, "run") == [2]  # the retry policy stops at the lost submit


@pytest.mark.parametrize("route", POLICY_ROUTES, ids=[route.route for route in POLICY_ROUTES])
def test_resubmit_pays_again_once_and_says_so(
    faults: FaultSandbox, errors: TaskErrors, route: LostRoute
) -> None:
    faults.patch(file_processing_seconds=0.2, story_seconds=0.3)
    run, made = lose_one_answer(faults, route, errors, on_lost_submit="resubmit")
    assert run.state == "success", errors.lines
    assert made == 2  # the job the lost answer made, and the one sent again: the policy's price
    [lost] = xcoms_of(run, "run", "lost_submit")
    assert lost["sent_at"] and lost["route"] in route.route


def test_a_lost_voice_create_this_task_cannot_tell_apart_fails_without_a_third_voice(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    # A voice of the same name made just before (by someone else) and the one the lost answer
    # made: the retry cannot tell which is its own, so it adopts neither and trains no other.
    from airflow_provider_audio.hooks.audiopod import AudioPodHook
    from airflow_provider_audio.voice_samples import load_voice_samples

    [route] = [route for route in ROUTES if route.route == "AudioPod POST /voice-profiles"]
    kwargs = route.kwargs(faults)
    samples, _ = load_voice_samples(kwargs["samples"])
    other = AudioPodHook().create_voice("Narrator", samples)
    run, made = lose_one_answer(faults, route, errors)
    assert run.state == "failed"
    line = errors.named("try 2", "AudioLostSubmitError", other.id, "'Narrator'")
    assert "cannot tell" in line
    assert made == 1 and faults.stats()["audiopod"]["voices_created"] == 2
