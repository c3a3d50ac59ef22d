"""Cancellation: killing a task mid-upload removes its incomplete media; a trigger stopped early says so."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator
from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger
from tests.system.conftest import patch_settings, sandbox_stats

AUDIOFORM = {
    "header": {"version": "1"},
    "assets": {"speech": {"type": "tts", "text": "Still building.", "voice": "sara"}},
    "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
    "delivery": {"encoderPreset": "wav"},
}

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


async def test_trigger_stopped_early_says_what_it_could_not_cancel(
    sandbox_connections: SandboxServer, capfd: pytest.CaptureFixture[str]
) -> None:
    patch_settings(sandbox_connections, build_seconds=30)
    try:
        audioform_id = AudioStackHook().submit_audioform(AUDIOFORM).audioform_id
    finally:
        patch_settings(sandbox_connections, build_seconds=0.5)
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
    runner.cancel()
    await trigger.cleanup()
    out, err = capfd.readouterr()
    assert f"Stopped waiting on audioform {audioform_id} before it ended" in out + err
    assert "no way to cancel" in out + err
