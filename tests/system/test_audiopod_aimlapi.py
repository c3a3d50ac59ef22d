"""AudioPod voices and AIML API generation under dag.test() against the live sandbox."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError, AudioServiceCreditsError
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.operators.aimlapi import AimlApiGenerateAudioOperator
from airflow_provider_audio.operators.audiopod import (
    AudioPodCreateVoiceOperator,
    AudioPodVoicePreviewOperator,
)
from tests.system.conftest import OperatorRunner, add_fault, patch_settings, sandbox_stats

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

OPS = "airflow_provider_audio.operators"
CREATE_VOICE = f"{OPS}.audiopod.AudioPodCreateVoiceOperator"
PREVIEW = f"{OPS}.audiopod.AudioPodVoicePreviewOperator"
BATCH = f"{OPS}.audiopod.AudioPodBatchPreviewOperator"
UPDATE = f"{OPS}.audiopod.AudioPodUpdateVoiceOperator"
DELETE = f"{OPS}.audiopod.AudioPodDeleteVoiceOperator"
COLLECTION = f"{OPS}.audiopod.AudioPodCreateCollectionOperator"
ADD_TO_COLLECTION = f"{OPS}.audiopod.AudioPodAddVoicesToCollectionOperator"
USAGE = f"{OPS}.audiopod.AudioPodUsageOperator"
GENERATE = f"{OPS}.aimlapi.AimlApiGenerateAudioOperator"


def write_wav(path: Path, seconds: float, rate: int = 22050) -> Path:
    frames = [int(6000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(int(seconds * rate))]
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(struct.pack(f"<{len(frames)}h", *frames))
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


def voice_kwargs(samples: list[str], **extra: Any) -> dict[str, Any]:
    return {"name": "Narrator", "samples": samples, "poll_interval": 0.2, **extra}


def created_voice_id() -> str:
    """The voice the run created, from the sandbox's list of custom voices."""
    voices = list(AudioPodHook().iter_voices({"voice_type": "CUSTOM"}))
    assert voices, "no custom voice was created"
    return voices[-1].id


def test_voice_from_one_sample_trains_then_previews(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    sample = write_wav(tmp_path / "s.wav", 12)
    run = run_operator(voice_kwargs([str(sample)], denoise=True, deferrable=True), operator=CREATE_VOICE)
    assert run.state == "success"
    voice_id = created_voice_id()
    out = tmp_path / "previews" / "narrator.wav"
    preview = {"voice_id": voice_id, "output_path": str(out), "audio_format": "wav"}
    assert run_operator(preview, operator=PREVIEW).state == "success"
    assert wav_seconds(out) > 1
    stats = sandbox_stats(sandbox_connections)
    assert stats["audiopod"]["voices_created"] == 1 and stats["audiopod"]["trained"] == 1


def test_voice_from_several_samples_in_the_task(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    samples = [str(write_wav(tmp_path / f"s{i}.wav", 11)) for i in range(3)]
    assert run_operator(voice_kwargs(samples, deferrable=False), operator=CREATE_VOICE).state == "success"
    assert (
        sandbox_stats(sandbox_connections)["requests"][
            "POST /audiopod/api/v1/voice/voice-profiles/multi-sample"
        ]
        == 1
    )


def test_training_failure_fails_the_task(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    too_short = write_wav(tmp_path / "short.wav", 1.0)
    assert run_operator(voice_kwargs([str(too_short)]), operator=CREATE_VOICE).state == "failed"
    assert sandbox_stats(sandbox_connections)["audiopod"]["failed"] == 1


def test_a_retry_never_creates_the_voice_twice(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    # Every status poll of the first try fails (more than its budget of 2), so the try fails after
    # creating the voice; the retry must wait on that voice, not create another.
    add_fault(sandbox_connections, match="GET /audiopod/api/v1/voice/voices/*/status", kind="503", count=3)
    sample = write_wav(tmp_path / "s.wav", 12)
    kwargs = voice_kwargs([str(sample)], max_consecutive_failures=2, retries=1, retry_delay_seconds=0)
    run = run_operator(kwargs, operator=CREATE_VOICE)
    assert run.state == "success"
    assert run.get_task_instance("run").try_number == 2
    assert sandbox_stats(sandbox_connections)["audiopod"]["voices_created"] == 1


def test_batch_preview_update_collections_usage_delete(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    run_operator(voice_kwargs([str(write_wav(tmp_path / "s.wav", 12))]), operator=CREATE_VOICE)
    voice_id = created_voice_id()
    standard = next(AudioPodHook().iter_voices({"voice_type": "STANDARD", "limit": 1})).id
    batch = {
        "voice_ids": [voice_id, standard],
        "text": "Good evening, here is the news.",
        "audio_format": "mp3",
        "output_folder": str(tmp_path / "batch"),
    }
    assert run_operator(batch, operator=BATCH).state == "success"
    assert sorted(p.suffix for p in (tmp_path / "batch").iterdir()) == [".mp3", ".mp3"]
    assert (
        run_operator(
            {"voice_id": voice_id, "changes": {"name": "Evening narrator", "tags": ["news"]}}, operator=UPDATE
        ).state
        == "success"
    )
    assert AudioPodHook().voice_status(voice_id).data["name"] == "Evening narrator"
    collection = {"name": "News voices", "voice_ids": [voice_id]}
    assert run_operator(collection, operator=COLLECTION).state == "success"
    assert run_operator(collection, operator=COLLECTION).state == "success"  # re-run: reused, not duplicated
    collections = list(AudioPodHook().iter_collections())
    assert [c["name"] for c in collections] == ["News voices"]
    add = {"collection_id": collections[0]["collection_id"], "voice_ids": [standard]}
    assert run_operator(add, operator=ADD_TO_COLLECTION).state == "success"
    assert set(next(AudioPodHook().iter_collections())["voice_ids"]) == {voice_id, standard}
    assert run_operator({"voice_id": voice_id, "period": "7d"}, operator=USAGE).state == "success"
    assert AudioPodHook().usage({"voice_id": voice_id, "period": "7d"})["total_generations"] >= 1
    assert run_operator({"voice_id": voice_id}, operator=DELETE).state == "success"
    assert run_operator({"voice_id": voice_id, "missing_ok": False}, operator=DELETE).state == "failed"
    assert run_operator({"voice_id": standard}, operator=DELETE).state == "failed"  # 403: not ours
    assert sandbox_stats(sandbox_connections)["audiopod"]["deleted"] == 1


def test_out_of_credits_preview_is_a_clear_error(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    standard = next(AudioPodHook().iter_voices({"voice_type": "STANDARD", "limit": 1})).id
    patch_settings(sandbox_connections, audiopod_credits_cents=1)
    try:
        with pytest.raises(AudioServiceCreditsError, match=r"required cents: \d+, available cents: 1"):
            AudioPodHook().voice_preview(standard, "mp3")
        preview = {"voice_id": standard, "output_path": str(tmp_path / "p.mp3")}
        assert run_operator(preview, operator=PREVIEW).state == "failed"
    finally:
        patch_settings(sandbox_connections, audiopod_credits_cents=10000)
    assert not (tmp_path / "p.mp3").exists()


def test_generation_downloads_the_audio_and_reports_credits(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    out = tmp_path / "jingle.wav"
    kwargs = {
        "prompt": "a bright four-note jingle",
        "seconds_total": 6,
        "steps": 20,
        "output_path": str(out),
        "poll_interval": 0.2,
    }
    assert run_operator(kwargs, operator=GENERATE).state == "success"
    assert wav_seconds(out) == pytest.approx(6, abs=0.1)
    assert sandbox_stats(sandbox_connections)["aimlapi"] == {"generations": 1, "completed": 1, "errors": 0}


def test_generation_error_and_credits_fail_the_task(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    refused = {"prompt": "something forbidden", "seconds_total": 3, "poll_interval": 0.2}
    assert run_operator(refused, operator=GENERATE).state == "failed"
    patch_settings(sandbox_connections, aimlapi_credits=10)
    try:
        assert run_operator({"prompt": "rain", "poll_interval": 0.2}, operator=GENERATE).state == "failed"
    finally:
        patch_settings(sandbox_connections, aimlapi_credits=1000000)
    assert sandbox_stats(sandbox_connections)["aimlapi"]["errors"] == 1
    assert sandbox_stats(sandbox_connections)["aimlapi"]["generations"] == 1


@pytest.mark.parametrize(
    ("operator", "kwargs", "text"),
    [
        (AimlApiGenerateAudioOperator, {"prompt": ""}, "prompt"),
        (
            AimlApiGenerateAudioOperator,
            {"prompt": "x", "seconds_total": 60},
            "seconds_total: Input should be less than or equal to 47",
        ),
        (AimlApiGenerateAudioOperator, {"prompt": "x", "seconds_start": 0}, "seconds_start"),
        (AimlApiGenerateAudioOperator, {"prompt": "x", "steps": 5000}, "steps"),
        (AudioPodCreateVoiceOperator, {"name": "v", "samples": "/no/such.wav"}, "no such file"),
        (AudioPodCreateVoiceOperator, {"name": "v", "samples": []}, "at least one audio file"),
        (
            AudioPodCreateVoiceOperator,
            {"name": "v", "samples": "NOT_AUDIO"},
            "allowed formats: wav, mp3, m4a",
        ),
        (AudioPodCreateVoiceOperator, {"name": "v", "samples": "EMPTY"}, "the file is empty"),
        (AudioPodCreateVoiceOperator, {"name": " ", "samples": "OK"}, "name"),
    ],
)
def test_bad_input_fails_before_any_call(
    sandbox_connections: SandboxServer, tmp_path: Path, operator: type[Any], kwargs: dict[str, Any], text: str
) -> None:
    files = {"NOT_AUDIO": tmp_path / "n.wav", "EMPTY": tmp_path / "e.wav", "OK": tmp_path / "ok.wav"}
    files["NOT_AUDIO"].write_bytes(b"plain text")
    files["EMPTY"].write_bytes(b"")
    write_wav(files["OK"], 12)
    if isinstance(kwargs.get("samples"), str) and kwargs["samples"] in files:
        kwargs = {**kwargs, "samples": str(files[kwargs["samples"]])}
    with pytest.raises(AudioInputError) as caught:
        operator(task_id="bad", **kwargs).execute(context={})
    assert text in str(caught.value)
    assert sandbox_stats(sandbox_connections)["requests"] == {}


def test_preview_format_is_checked_at_construction() -> None:
    with pytest.raises(AudioInputError, match="audio_format: 'ogg'; allowed values"):
        AudioPodVoicePreviewOperator(task_id="p", voice_id="1", output_path="/tmp/x", audio_format="ogg")
