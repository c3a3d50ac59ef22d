"""
Cancellation: killing a task mid-upload removes its incomplete media; a killed task's trigger
(``on_kill``) deletes the unfinished media or the training voice it created, and nothing else, and
says what it cannot cancel; a trigger stopped without a kill (a triggerer restart) touches nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.operators.aiozstream import UPLOAD_MARK_KEY, AiozStreamUploadAudioOperator
from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger
from airflow_provider_audio.triggers.audiopod import AudioPodVoiceTrainingTrigger
from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger
from airflow_provider_audio.upload.sources import FileSource
from airflow_provider_audio.voice_samples import load_voice_samples
from tests.conftest import sandbox_connection
from tests.system.conftest import add_fault, patch_settings, sandbox_stats
from tests.system.test_audiopod_aimlapi import write_wav

AUDIOFORM = {
    "header": {"version": "1"},
    "assets": {"speech": {"type": "tts", "text": "Still building.", "voice": "sara"}},
    "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
    "delivery": {"encoderPreset": "wav"},
}

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


def test_on_kill_mid_upload_deletes_the_incomplete_media(
    sandbox_connections: SandboxServer, tmp_path: Path
) -> None:
    source = tmp_path / "a.wav"
    source.write_bytes(b"RIFF" + b"\x00" * 100)
    operator = AiozStreamUploadAudioOperator(task_id="upload", source=str(source), title="t")
    media = AiozStreamHook().create_media({"title": "interrupted"})
    operator._uploading_media_id = media.id  # as set while parts are being sent
    operator.on_kill()
    assert sandbox_stats(sandbox_connections)["aioz"]["deleted"] == 1
    assert not AiozStreamHook().media_exists(media.id)


def test_on_kill_after_upload_leaves_the_media_and_says_why(
    sandbox_connections: SandboxServer, capfd: pytest.CaptureFixture[str]
) -> None:
    operator = AiozStreamUploadAudioOperator(task_id="upload", source="a.wav", title="t")
    operator.on_kill()
    out, err = capfd.readouterr()
    assert "cannot cancel transcoding" in out + err
    assert sandbox_stats(sandbox_connections)["aioz"]["deleted"] == 0


async def running_build_trigger(
    sandbox: SandboxServer,
) -> tuple[AudioStackResourceTrigger, asyncio.Future[Any]]:
    """A trigger waiting on a 30 s build, its ``run()`` under way."""
    patch_settings(sandbox, build_seconds=30)
    try:
        audioform_id = AudioStackHook().submit_audioform(AUDIOFORM).audioform_id
    finally:
        patch_settings(sandbox, build_seconds=0.5)
    trigger = AudioStackResourceTrigger(
        conn_id="audiostack_default",
        resource="audioform",
        resource_ids=[audioform_id],
        poll_interval=0.1,
        deadline=time.time() + 30,
    )
    runner = asyncio.ensure_future(trigger.run().__anext__())
    await asyncio.sleep(0.5)
    assert not runner.done(), "the build should still be running"
    return trigger, runner


async def test_trigger_stopped_without_a_kill_says_the_job_goes_on(
    sandbox_connections: SandboxServer, capfd: pytest.CaptureFixture[str]
) -> None:
    # What a triggerer restart does: cancel the trigger's task, then cleanup(); no on_kill.
    trigger, runner = await running_build_trigger(sandbox_connections)
    runner.cancel()
    await trigger.cleanup()
    out, err = capfd.readouterr()
    audioform_id = trigger.resource_ids[0]
    assert f"Stopped waiting on audioform {audioform_id} before it ended" in out + err
    assert "the job goes on, and a triggerer that takes this trigger over resumes the wait" in out + err
    assert "killed" not in out + err and "cancel" not in out + err


async def test_killed_build_says_audiostack_cannot_cancel_it(
    sandbox_connections: SandboxServer, capfd: pytest.CaptureFixture[str]
) -> None:
    # What a kill does: cancel the trigger's task, on_kill(), then cleanup().
    trigger, runner = await running_build_trigger(sandbox_connections)
    runner.cancel()
    await trigger.on_kill()
    await trigger.cleanup()
    out, err = capfd.readouterr()
    audioform_id = trigger.resource_ids[0]
    assert (
        f"The task was killed while waiting on audioform {audioform_id}: AudioStack has no route that "
        "cancels a build; it finishes and is billed" in out + err
    )
    # cleanup() does not say it again after on_kill.
    assert "Stopped waiting" not in out + err


def aioz_trigger(media_id: str, created_by: str | None) -> AiozStreamTranscodeTrigger:
    return AiozStreamTranscodeTrigger(
        conn_id="aiozstream_default",
        media_id=media_id,
        created_by=created_by,
        poll_interval=1.0,
        deadline=time.time() + 60,
    )


def marked_media(mark: str) -> str:
    """A new (unfinished) media carrying the provider's upload mark ``<mark>.<marker>``."""
    return (
        AiozStreamHook()
        .create_media({"title": f"by {mark}", "metadata": [{"key": UPLOAD_MARK_KEY, "value": f"{mark}.m1"}]})
        .id
    )


async def test_killed_upload_trigger_deletes_only_the_unfinished_media_its_task_created(
    sandbox_connections: SandboxServer, capfd: pytest.CaptureFixture[str]
) -> None:
    own, another = marked_media("task-a"), marked_media("task-b")
    plain = AiozStreamHook().create_media({"title": "not the provider's"}).id

    await aioz_trigger(own, created_by="task-a").on_kill()
    # Another task's media, a media without a mark, and a trigger that did not create its media
    # (a reused media, a sensor's) are left alone.
    await aioz_trigger(another, created_by="task-a").on_kill()
    await aioz_trigger(plain, created_by="task-a").on_kill()
    await aioz_trigger(another, created_by=None).on_kill()

    hook = AiozStreamHook()
    assert not hook.media_exists(own)
    assert hook.media_exists(another) and hook.media_exists(plain)
    assert sandbox_stats(sandbox_connections)["aioz"]["deleted"] == 1
    logged = "".join(capfd.readouterr())
    assert f"deleted media {own}, which this task created and which was still new" in logged
    assert f"media {another} does not carry this task's airflow_upload mark, so it is not deleted" in logged
    assert f"media {plain} does not carry this task's airflow_upload mark" in logged
    assert (
        f"AIOZ Stream cannot cancel a transcoding; the media stays: media {another} was not created" in logged
    )


async def test_killed_upload_trigger_leaves_a_finished_media(
    sandbox_connections: SandboxServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    patch_settings(sandbox_connections, transcode_seconds=0.0)
    media_id = marked_media("task-a")
    source = FileSource(write_wav(tmp_path / "a.wav", 1))
    hook = AiozStreamHook()
    hook.upload_parts(media_id, source, 5 * 1024 * 1024)
    hook.complete_upload(media_id)
    assert hook.get_media(media_id).status.value == "done"
    await aioz_trigger(media_id, created_by="task-a").on_kill()
    assert hook.media_exists(media_id)
    assert f"media {media_id} is already done; left as it is" in "".join(capfd.readouterr())


async def test_killed_voice_trigger_deletes_the_voice_its_task_is_training(
    sandbox_connections: SandboxServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    patch_settings(sandbox_connections, training_seconds=60)
    samples, _ = load_voice_samples([str(write_wav(tmp_path / "s.wav", 12))])
    hook = AudioPodHook()
    training = hook.create_voice("Narrator", samples).id
    other = hook.create_voice("Someone else", samples).id

    def trigger(voice_id: str, created_name: str | None) -> AudioPodVoiceTrainingTrigger:
        return AudioPodVoiceTrainingTrigger(
            conn_id="audiopod_default",
            voice_id=voice_id,
            created_name=created_name,
            poll_interval=1.0,
            deadline=time.time() + 60,
        )

    await trigger(other, created_name="Narrator").on_kill()
    await trigger(other, created_name=None).on_kill()
    await trigger(training, created_name="Narrator").on_kill()
    stats = sandbox_stats(sandbox_connections)["audiopod"]
    logged = "".join(capfd.readouterr())
    assert stats["deleted"] == 1, stats
    assert (
        f"deleted voice {training} ('Narrator'), which this task created and which was still training"
        in logged
    )
    assert f"AudioPod shows voice {other} as CUSTOM 'Someone else', not the custom voice 'Narrator'" in logged
    # The voice left alone is still there, training.
    assert hook.voice_status(other).status.value == "PROCESSING"


async def test_on_kill_that_cannot_reach_the_service_logs_and_does_not_raise(
    sandbox_connections: SandboxServer, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A connection to a closed port: on_kill gives up within its bounds and says what it left.
    monkeypatch.setenv(
        "AIRFLOW_CONN_AIOZSTREAM_DEFAULT",
        json.dumps(sandbox_connection("aiozstream", "http://127.0.0.1:9/aiozstream/api", max_attempts=1)),
    )
    started = time.monotonic()
    await aioz_trigger("m-1", created_by="task-a").on_kill()
    assert time.monotonic() - started < AiozStreamTranscodeTrigger.kill_timeout
    logged = "".join(capfd.readouterr())
    assert (
        "The task was killed while waiting on media m-1; cleaning up failed, the job is left as it is"
        in logged
    )


async def test_a_second_cancel_does_not_cut_the_clean_up_short(
    sandbox_connections: SandboxServer, capfd: pytest.CaptureFixture[str]
) -> None:
    # Airflow 3.3.2 cancels the trigger's task again on each pass of the triggerer's loop while
    # on_kill runs; the clean-up is shielded and ends anyway.
    own = marked_media("task-a")
    add_fault(sandbox_connections, match="DELETE /aiozstream/api/media/*", kind="slow", delay=1.0)
    killing = asyncio.ensure_future(aioz_trigger(own, created_by="task-a").on_kill())
    await asyncio.sleep(0.3)
    killing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await killing
    for _ in range(50):
        if not AiozStreamHook().media_exists(own):
            break
        await asyncio.sleep(0.1)
    assert not AiozStreamHook().media_exists(own)
    logged = ""
    for _ in range(20):
        logged += "".join(capfd.readouterr())
        if "deleted media" in logged:
            break
        await asyncio.sleep(0.1)
    assert f"deleted media {own}, which this task created" in logged
