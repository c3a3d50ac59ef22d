"""AudioStack batches, briefs, stories, files and the classic pipeline under dag.test(), live sandbox."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.operators.audiostack import AudioStackAudioLink, AudioStackBuildAudioformOperator
from airflow_provider_audio.operators.audiostack_creator import (
    AudioStackBatchBuildOperator,
    AudioStackBriefOperator,
    AudioStackStoryOperator,
)
from airflow_provider_audio.operators.audiostack_files import AudioStackUpdateFileOperator
from tests.system.conftest import OperatorRunner, add_fault, patch_settings, sandbox_stats, xcom_of

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

OPS = "airflow_provider_audio.operators"
BATCH = f"{OPS}.audiostack_creator.AudioStackBatchBuildOperator"
BRIEF = f"{OPS}.audiostack_creator.AudioStackBriefOperator"
STORY = f"{OPS}.audiostack_creator.AudioStackStoryOperator"
UPLOAD = f"{OPS}.audiostack_files.AudioStackUploadFileOperator"
DOWNLOAD = f"{OPS}.audiostack_files.AudioStackDownloadFileOperator"
UPDATE = f"{OPS}.audiostack_files.AudioStackUpdateFileOperator"
COPY = f"{OPS}.audiostack_files.AudioStackCopyFileOperator"
DELETE = f"{OPS}.audiostack_files.AudioStackDeleteFileOperator"
USAGE = f"{OPS}.audiostack_files.AudioStackUsageOperator"
SCRIPT = f"{OPS}.audiostack_classic.AudioStackScriptOperator"
TTS = f"{OPS}.audiostack_classic.AudioStackTTSOperator"
MIX = f"{OPS}.audiostack_classic.AudioStackMixOperator"
ENCODE = f"{OPS}.audiostack_classic.AudioStackEncodeOperator"
FAST = {"poll_interval": 0.2}


def audioform(text: str, voice: str = "sara", encoder: str = "wav") -> dict[str, Any]:
    return {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": text, "voice": voice}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": encoder},
    }


def write_wav(path: Path, seconds: float) -> Path:
    frames = [int(5000 * math.sin(i / 8)) for i in range(int(seconds * 16000))]
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(16000)
        audio.writeframes(struct.pack(f"<{len(frames)}h", *frames))
    return path


def test_batch_reports_failed_items_by_name(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    items = {
        "ep-1": audioform("First episode."),
        # A preset AudioStack offers but the sandbox cannot encode: only the build finds it out (an
        # unknown voice would now fail the whole set before it is paid for).
        "ep-2": audioform("Second.", encoder="ogg"),
        "ep-3": audioform("Third."),
    }
    assert run_operator({"items": items, **FAST}, operator=BATCH).state == "failed"
    assert (
        run_operator({"items": items, "fail_on_item_error": False, **FAST}, operator=BATCH).state == "success"
    )
    assert sandbox_stats(sandbox_connections)["audiostack_jobs"]["batches"] == 2


def test_more_than_1000_items_are_split_into_batches(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    items = [{"name": f"n{i}", "audioform": audioform(f"Item {i}.")} for i in range(1001)]
    assert (
        run_operator({"items": items, **FAST, "job_timeout_seconds": 120}, operator=BATCH).state == "success"
    )
    stats = sandbox_stats(sandbox_connections)
    assert stats["audiostack_jobs"]["batches"] == 2
    assert stats["requests"]["POST /audiostack/audioforms/batches"] == 2


def test_a_retry_carries_on_a_batch_set_submitted_in_several_calls(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    # Two batches of one item each; the second submission fails (a 503 creates nothing), so the
    # first try ends with one batch paid for and stored; the retry must submit only the second.
    add_fault(sandbox_connections, match="POST /audiostack/audioforms/batches", kind="503", count=1, skip=1)
    items = {"ep-1": audioform("First episode."), "ep-2": audioform("Second episode.")}
    run = run_operator(
        {"items": items, "batch_size": 1, "retries": 1, "retry_delay_seconds": 0, **FAST}, operator=BATCH
    )
    assert run.state == "success"
    assert run.get_task_instance("run").try_number == 2
    stats = sandbox_stats(sandbox_connections)
    assert stats["audiostack_jobs"]["batches"] == 2
    (batch_ids,) = [xcom_of(run, "batch_ids")]
    assert len(batch_ids) == 2


def test_brief_waits_on_every_ad(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    brief = {
        "script": {
            "productName": "Harbour Tea",
            "productDescription": "Tea blended by the sea",
            "adLength": 15,
        },
        "voices": [{"alias": "joanna"}],
    }
    assert run_operator({"brief": brief, "num_ads": 2, **FAST}, operator=BRIEF).state == "success"
    assert sandbox_stats(sandbox_connections)["audioforms"]["built"] == 2
    bad_voice = {**brief, "voices": [{"alias": "nobody"}]}
    assert run_operator({"brief": bad_voice, "num_ads": 1, **FAST}, operator=BRIEF).state == "failed"


def story(speaker: str = "host") -> dict[str, Any]:
    return {
        "title": "Tides",
        "voices": [{"speakerIdentifier": "host", "alias": "sara"}],
        "chapters": [
            {
                "title": "One",
                "narratives": [{"foreground": [{"speakerIdentifier": speaker, "text": "The tide came in."}]}],
            },
            {
                "title": "Two",
                "narratives": [{"foreground": [{"speakerIdentifier": "host", "text": "And went out."}]}],
            },
        ],
    }


def test_story_succeeds_and_a_failed_story_is_an_error(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    patch_settings(sandbox_connections, story_seconds=0.5)
    assert run_operator({"story": story(), **FAST}, operator=STORY).state == "success"
    assert run_operator({"story": story(speaker="stranger"), **FAST}, operator=STORY).state == "failed"
    assert sandbox_stats(sandbox_connections)["audiostack_jobs"]["stories"] == 2


def test_file_library_round_trip(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    patch_settings(sandbox_connections, file_processing_seconds=0.3)
    source = write_wav(tmp_path / "jingle.wav", 2)
    run = run_operator({"source": str(source), **FAST}, operator=UPLOAD)
    assert run.state == "success"
    hook = AudioStackHook()
    file_id = xcom_of(run, "file_ids")[0]
    out = tmp_path / "back.wav"
    assert run_operator({"file_id": file_id, "output_path": str(out)}, operator=DOWNLOAD).state == "success"
    assert out.read_bytes() == source.read_bytes()
    changes = {"file_name": "intro.wav", "access_control": "private"}
    assert run_operator({"file_id": file_id, "changes": changes}, operator=UPDATE).state == "success"
    assert (hook.get_file(file_id)["fileName"], hook.get_file(file_id)["accessControl"]) == (
        "intro.wav",
        "private",
    )
    # A move is a copy into the new folder, then a delete of the original.
    root, archive = hook.root_folder_id(), hook.create_folder("archive")["folderId"]
    assert hook.get_file(file_id)["folderId"] == root
    run = run_operator(
        {"file_id": file_id, "current_folder_id": root, "new_folder_id": archive}, operator=COPY
    )
    assert run.state == "success"
    copy = xcom_of(run)
    assert copy["folderId"] == archive and copy["fileId"] != file_id
    assert [item["fileId"] for item in hook.folder_files(archive)] == [copy["fileId"]]
    assert run_operator({"file_id": file_id}, operator=DELETE).state == "success"
    assert run_operator({"file_id": file_id, "missing_ok": False}, operator=DELETE).state == "failed"
    assert run_operator({}, operator=USAGE).state == "success"
    assert hook.file_categories()


def test_file_that_never_reaches_uploaded_times_out(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    patch_settings(sandbox_connections, file_processing_seconds=60)
    try:
        source = write_wav(tmp_path / "slow.wav", 1)
        assert (
            run_operator({"source": str(source), **FAST, "job_timeout_seconds": 1.5}, operator=UPLOAD).state
            == "failed"
        )
    finally:
        patch_settings(sandbox_connections, file_processing_seconds=1.0)


def test_classic_pipeline_script_speech_mix_encode(
    airflow_db: Path,
    sandbox_connections: SandboxServer,
    run_operator: OperatorRunner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = '<as:section name="intro">Good evening.</as:section><as:section name="story">The lights are back.</as:section>'
    names = {"project_name": "news", "module_name": "evening", "script_name": "harbour"}
    run = run_operator({"script_text": text, **names}, operator=SCRIPT)
    assert run.state == "success"
    script_id = xcom_of(run)["scriptId"]
    assert run_operator({"script_text": text + " ", **names}, operator=SCRIPT).state == "success"
    assert sandbox_stats(sandbox_connections)["audiostack_jobs"]["scripts"] == 1  # updated, not duplicated
    assert (
        f"Script {script_id} exists (news/evening/harbour); changing its text: scriptText: "
        f"{len(text)} -> {len(text) + 1} characters"
    ) in capsys.readouterr().out
    run = run_operator({"script_id": script_id, "voice": "sara", **FAST}, operator=TTS)
    assert run.state == "success"
    speech_id = xcom_of(run, "speech_ids")[0]
    run = run_operator({"speech_id": speech_id, "sound_template": "cityscape", **FAST}, operator=MIX)
    assert run.state == "success"
    production_id = xcom_of(run, "mix_ids")[0]
    out = tmp_path / "final.mp3"
    encode = {
        "production_id": production_id,
        "preset": "mp3",
        "loudness_preset": "podcast",
        "output_path": str(out),
        **FAST,
    }
    run = run_operator(encode, operator=ENCODE)
    assert run.state == "success"
    head = out.read_bytes()[:3]
    assert head == b"ID3" or head[0] == 0xFF
    # The chain's summary lines, and the encoding's link to its audio.
    output = capsys.readouterr().out
    encoded = xcom_of(run)
    assert f"Made speech {speech_id} of script {script_id} by 'sara' (2 section(s)): in " in output
    assert f"Made mix {production_id} over 'cityscape': in " in output
    assert (
        f"Made encoding {encoded['encoder_id']} of mix {production_id} (mp3): {out.stat().st_size / 1024:.1f} KiB"
    ) in output
    assert f"; written to {out}; {encoded['url']}" in output
    assert xcom_of(run, AudioStackAudioLink.xcom_key) == encoded["url"]
    assert run_operator({"script_id": script_id, "voice": "nobody", **FAST}, operator=TTS).state == "failed"


@pytest.mark.parametrize(
    ("operator", "kwargs", "text"),
    [
        (
            AudioStackBriefOperator,
            {"brief": {"script": {"productName": "x", "productDescription": "y", "adLength": 25}}},
            "adLength: got 25",
        ),
        (
            AudioStackBriefOperator,
            {"brief": {"script": {"scriptText": "Buy."}}, "num_ads": 9},
            "numAds: Input should be less than or equal to 5",
        ),
        (AudioStackBatchBuildOperator, {"items": {}}, "items: empty"),
        (
            AudioStackBatchBuildOperator,
            {
                "items": [
                    {"name": "a", "audioform": audioform("x")},
                    {"name": "a", "audioform": audioform("y")},
                ]
            },
            "appears twice",
        ),
        (
            AudioStackStoryOperator,
            {"story": {"title": "t", "chapters": []}},
            "story.chapters: List should have at least 1 item(s)",
        ),
        (
            AudioStackBuildAudioformOperator,
            {
                "audioform": {
                    **audioform("x"),
                    "assets": {"speech": {"type": "tts", "text": "x", "voiceRef": "ghost"}},
                }
            },
            "voiceRef",
        ),
        (
            AudioStackUpdateFileOperator,
            {"file_id": "f", "changes": {"folder_id": "archive"}},
            "folder_id: AudioStack cannot move a file",
        ),
        (
            AudioStackUpdateFileOperator,
            {"file_id": "f", "changes": {"access_control": "secret"}},
            "access_control: 'secret'; allowed values: public, private",
        ),
    ],
)
def test_bad_input_fails_before_any_call(
    sandbox_connections: SandboxServer, operator: type[Any], kwargs: dict[str, Any], text: str
) -> None:
    with pytest.raises(AudioInputError) as caught:
        operator(task_id="bad", **kwargs).execute(context={})
    assert text in str(caught.value)
    assert sandbox_stats(sandbox_connections)["requests"] == {}
