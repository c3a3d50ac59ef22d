"""
Extra links and log lines of the operators under dag.test() against the live sandbox.

Each link is read twice: as Airflow stores it for the UI (the XCom of the link's ``xcom_key``, which
the task runner writes from ``get_link`` at the end of the attempt) and by calling the link's
``get_link`` on the task that ran. Object links point at the object the sandbox serves (fetched
here); the AudioStack platform link is empty, the sandbox being no AudioStack host. The log lines
are read from the run's output (the task's and the trigger's loggers write there under dag.test()).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from airflow_provider_audio.operators.aimlapi import AimlApiAudioLink
from airflow_provider_audio.operators.aiozstream import AiozStreamPlayerLink
from airflow_provider_audio.operators.audiopod import AudioPodVoiceLink
from airflow_provider_audio.operators.audiostack import (
    AudioStackAudioLink,
    AudioStackFileLink,
    AudioStackPlatformLink,
)
from airflow_provider_audio.upload.parts import MIN_PART_SIZE
from tests.still_working import STILL_WORKING
from tests.system.conftest import OperatorRunner, patch_settings, xcom_of
from tests.system.test_aiozstream_upload import write_wav

if TYPE_CHECKING:
    from airflow.sdk import BaseOperatorLink
    from audio_sandbox.core.server import SandboxServer

OPS = "airflow_provider_audio.operators"
BUILD = f"{OPS}.audiostack.AudioStackBuildAudioformOperator"
FILE_UPLOAD = f"{OPS}.audiostack_files.AudioStackUploadFileOperator"
FILE_DOWNLOAD = f"{OPS}.audiostack_files.AudioStackDownloadFileOperator"
FILE_UPDATE = f"{OPS}.audiostack_files.AudioStackUpdateFileOperator"
UPLOAD = f"{OPS}.aiozstream.AiozStreamUploadAudioOperator"
UPDATE_MEDIA = f"{OPS}.aiozstream.AiozStreamUpdateMediaOperator"
CREATE_VOICE = f"{OPS}.audiopod.AudioPodCreateVoiceOperator"
PREVIEW = f"{OPS}.audiopod.AudioPodVoicePreviewOperator"
UPDATE_VOICE = f"{OPS}.audiopod.AudioPodUpdateVoiceOperator"
GENERATE = f"{OPS}.aimlapi.AimlApiGenerateAudioOperator"

# A structlog console line: time, [level], the message, then [logger] and key=values.
LOG_LINE = re.compile(r"^\S+ \[(?P<level>\w+)\s*\] (?P<message>.*?)\s* \[[\w.]+\]")


def audioform(**assets: dict[str, Any]) -> dict[str, Any]:
    return {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": "The ferry leaves at nine.", "voice": "sara"}, **assets},
        "production": {
            "arrangement": {
                "sections": [{"layers": [{"clips": [{"assetRef": name}]} for name in ["speech", *assets]]}]
            }
        },
        "delivery": {"encoderPreset": "wav"},
    }


@pytest.fixture
def sandbox(sandbox_connections: SandboxServer) -> Iterator[SandboxServer]:
    """The session sandbox with its builds, uploads and trainings taking a moment (restored after)."""
    patch_settings(sandbox_connections, build_seconds=1.5, file_processing_seconds=0.3)
    yield sandbox_connections
    patch_settings(sandbox_connections, build_seconds=0.5, file_processing_seconds=1.0)


def messages(output: str) -> list[str]:
    """The log messages of a run's output, in order."""
    return [match["message"] for match in map(LOG_LINE.match, output.splitlines()) if match]


def made_lines(output: str) -> list[str]:
    return [message for message in messages(output) if message.startswith("Made ")]


def link_of(run: Any, link: BaseOperatorLink) -> str:
    """The link as the UI shows it (the XCom the task runner stored), checked against ``get_link``
    called on the task that ran."""
    stored = str(xcom_of(run, link.xcom_key) or "")
    task = sys.modules["tests.system.dags.operator_under_test"].dag.get_task("run")
    ti = run.get_task_instance("run")
    asked = link.get_link(task, ti_key=ti)
    assert asked == stored, (link.name, asked, stored)
    return stored


def fetch(url: str) -> requests.Response:
    """The object a link points at, as a browser gets it: no key sent."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return response


def test_a_deferred_build_logs_elapsed_and_deadline_links_its_audio_and_sums_up_once(
    airflow_db: Path,
    sandbox: SandboxServer,
    run_operator: OperatorRunner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "news.wav"
    run = run_operator(
        {"audioform": audioform(), "output_path": str(out), "poll_interval": 0.3, "deferrable": True},
        operator=BUILD,
    )
    output = capsys.readouterr().out
    assert run.state == "success"
    result = xcom_of(run)
    audioform_id = result["audioform_id"]

    waits = [STILL_WORKING.match(message) for message in messages(output) if "Still working" in message]
    assert len(waits) >= 2 and all(waits), [m for m in messages(output) if "Still working" in m]
    assert {wait["id"] for wait in waits if wait} == {audioform_id}
    elapsed = [float(wait["elapsed"].rstrip("s")) for wait in waits if wait]
    assert elapsed == sorted(elapsed) and elapsed[-1] < 5.0, elapsed
    # The default job timeout is an hour, counted from the submit.
    assert all(wait["left"] == "1h00m" or wait["left"].startswith("59m") for wait in waits if wait)

    (made,) = made_lines(output)
    assert made.startswith(f"Made audioform {audioform_id}: {result['size_bytes'] / 1024:.1f} KiB, ")
    assert f"{result['duration_seconds']:.1f} s of audio, in " in made
    assert made.endswith(f"; written to {out}; {result['uri']}")

    audio = link_of(run, AudioStackAudioLink())
    assert audio == result["uri"] and audio.startswith(sandbox.base_url)
    assert fetch(audio).content == out.read_bytes()
    assert link_of(run, AudioStackPlatformLink()) == ""


def test_a_failed_build_names_its_asset_and_says_its_error_once(
    airflow_db: Path, sandbox: SandboxServer, run_operator: OperatorRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    # A sound template named by id is not checked against AudioStack's list before paying (only
    # aliases are listed), so AudioStack accepts the build and fails it.
    bed = {"type": "soundTemplate", "soundTemplateId": "no-such-bed"}
    run = run_operator(
        {"audioform": audioform(bed=bed), "poll_interval": 0.3, "deferrable": True}, operator=BUILD
    )
    output = capsys.readouterr().out
    assert run.state == "failed"
    audioform_id = xcom_of(run, "audioform_id")
    reason = "Sound template 'no-such-bed' is not available"
    failure = f"audioform {audioform_id} (asset 'bed') failed to build: {reason}"
    assert output.count(failure) == 1, output[-3000:]
    assert output.count(reason) == 1
    # Nothing else in the log is an error: no link reading an XCom that was never pushed.
    errors = [m for m in map(LOG_LINE.match, output.splitlines()) if m and m["level"] == "error"]
    assert [m["message"] for m in errors] == ["Task failed with exception"]
    assert link_of(run, AudioStackAudioLink()) == ""


def test_file_links_and_what_an_update_changed(
    airflow_db: Path,
    sandbox: SandboxServer,
    run_operator: OperatorRunner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = write_wav(tmp_path / "jingle.wav", 2)
    run = run_operator({"source": str(source), "poll_interval": 0.2}, operator=FILE_UPLOAD)
    assert run.state == "success"
    uploaded = xcom_of(run)
    file_id = uploaded["fileId"]
    link = link_of(run, AudioStackFileLink())
    assert link == uploaded["url"] and fetch(link).content == source.read_bytes()
    (made,) = made_lines(capsys.readouterr().out)
    assert made.startswith(f"Made file {file_id} ('jingle.wav'): {source.stat().st_size / 1024:.1f} KiB, in ")
    assert made.endswith(f"; {link}")

    copy = tmp_path / "back.wav"
    run = run_operator({"file_id": file_id, "output_path": str(copy)}, operator=FILE_DOWNLOAD)
    assert run.state == "success" and link_of(run, AudioStackFileLink()) == link
    (made,) = made_lines(capsys.readouterr().out)
    assert made.startswith(f"Made a copy of file {file_id}: ") and f"; written to {copy}; {link}" in made

    changes = {"file_name": "intro.wav", "access_control": "private"}
    run = run_operator({"file_id": file_id, "changes": changes}, operator=FILE_UPDATE)
    assert run.state == "success"
    assert (
        f"Changed file {file_id}: file_name: 'jingle.wav' -> 'intro.wav'; "
        "access_control: 'public' -> 'private'"
    ) in messages(capsys.readouterr().out)
    assert link_of(run, AudioStackFileLink()) == xcom_of(run)["url"]


def test_an_upload_reports_its_progress_links_its_player_and_publishing_says_what_changed(
    airflow_db: Path,
    sandbox: SandboxServer,
    run_operator: OperatorRunner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    episode = write_wav(tmp_path / "episode.wav", seconds=290)  # ~12 MiB: three parts
    size = episode.stat().st_size
    kwargs = {
        "source": str(episode),
        "title": "Draft",
        "is_public": False,
        "part_size": MIN_PART_SIZE,
        "poll_interval": 0.2,
    }
    run = run_operator(kwargs, operator=UPLOAD)
    output = capsys.readouterr().out
    assert run.state == "success"
    media = xcom_of(run)
    progress = [m for m in messages(output) if m.startswith("Uploaded part ")]
    # The first part and the last always; the middle one only when 10 s went by since a line.
    first = f"{100 * MIN_PART_SIZE / size:.0f}% (5.0 MiB of {size / 2**20:.1f} MiB)"
    assert progress[0].startswith(f"Uploaded part 1/3 of media {media['media_id']}: {first}, ")
    assert progress[-1].startswith(
        f"Uploaded part 3/3 of media {media['media_id']}: 100% ({size / 2**20:.1f} MiB of {size / 2**20:.1f} MiB), "
    )
    assert all(re.search(r", [\d.]+ [KM]iB/s, [\d.]+s so far$", line) for line in progress), progress
    (made,) = made_lines(output)
    assert made.startswith(
        f"Made media {media['media_id']} from {episode}: {size / 2**20:.1f} MiB, 290.0 s of audio"
    )
    player = link_of(run, AiozStreamPlayerLink())
    assert player == media["hls_player_url"] and made.endswith(f"; {player}")
    assert "<" in fetch(player).text  # the sandbox's player page

    changes = {"title": "Harbour lights", "is_public": True, "tags": ["news"]}
    run = run_operator({"media_id": media["media_id"], "changes": changes}, operator=UPDATE_MEDIA)
    assert run.state == "success"
    assert (
        f"Changed media {media['media_id']}: title: 'Draft' -> 'Harbour lights'; is_public: False -> True; "
        "tags: [] -> ['news']"
    ) in messages(capsys.readouterr().out)
    assert link_of(run, AiozStreamPlayerLink()) == player


def test_a_voice_and_a_generation_link_the_audio_they_made(
    airflow_db: Path,
    sandbox: SandboxServer,
    run_operator: OperatorRunner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = write_wav(tmp_path / "take.wav", 12)
    run = run_operator(
        {"name": "Narrator", "samples": [str(sample)], "poll_interval": 0.2}, operator=CREATE_VOICE
    )
    assert run.state == "success"
    voice = xcom_of(run)
    (made,) = made_lines(capsys.readouterr().out)
    assert made.startswith(f"Made voice {voice['voice_id']} ('Narrator', trained from 1 sample(s)): in ")
    # A voice just trained has no preview yet: its link stays empty rather than point elsewhere.
    assert link_of(run, AudioPodVoiceLink()) == (voice.get("preview_url") or "")

    out = tmp_path / "preview.mp3"
    run = run_operator({"voice_id": voice["voice_id"], "output_path": str(out)}, operator=PREVIEW)
    assert run.state == "success"
    preview = link_of(run, AudioPodVoiceLink())
    assert preview == xcom_of(run)["audio_url"] and fetch(preview).content == out.read_bytes()
    (made,) = made_lines(capsys.readouterr().out)
    assert made.startswith(f"Made a preview of voice {voice['voice_id']}: ") and made.endswith(preview)

    run = run_operator(
        {"voice_id": voice["voice_id"], "changes": {"name": "Evening narrator"}}, operator=UPDATE_VOICE
    )
    assert run.state == "success"
    assert f"Changed voice {voice['voice_id']}: name: 'Narrator' -> 'Evening narrator'" in messages(
        capsys.readouterr().out
    )

    jingle = tmp_path / "jingle.wav"
    run = run_operator(
        {
            "prompt": "a bright news jingle",
            "seconds_total": 3,
            "output_path": str(jingle),
            "poll_interval": 0.2,
        },
        operator=GENERATE,
    )
    assert run.state == "success"
    generated = xcom_of(run)
    audio = link_of(run, AimlApiAudioLink())
    assert audio == generated["audio_url"] and fetch(audio).content == jingle.read_bytes()
    (made,) = made_lines(capsys.readouterr().out)
    assert made.startswith(f"Made generation {generated['generation_id']}: ")
    assert "3.0 s of audio" in made and made.endswith(f"; written to {jingle}; {audio}")
