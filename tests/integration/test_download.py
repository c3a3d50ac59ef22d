"""``AudioStackHook.download_delivered_file``: a built audioform's file, whole or not at all."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from airflow_provider_audio.client.routes.audiostack import BuildState
from airflow_provider_audio.exceptions import AudioServiceTransportError
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.integration.conftest import FAST_RETRIES, VALID_AUDIOFORM, HookFactory, SandboxAdmin, wait_built

DELIVERY_MATCH = "GET /audiostack/delivery/*"
DELIVERY_ROUTE = "GET /audiostack/delivery/{filename}"


@pytest.fixture
def hook(make_hook: HookFactory, audiostack_conn: str) -> AudioStackHook:
    return make_hook(AudioStackHook, audiostack_conn, retry_policy=FAST_RETRIES)


@pytest.fixture
def delivery_uri(hook: AudioStackHook) -> str:
    """The delivery URI of a freshly submitted and built audioform."""
    submitted = hook.submit_audioform(VALID_AUDIOFORM)
    status = wait_built(hook, submitted.audioform_id)
    assert status.state is BuildState.SUCCEEDED, status.describe_errors()
    assert status.state.value == "succeeded"
    assert status.uri
    return status.uri


def assert_wav(path: Path) -> None:
    with wave.open(str(path), "rb") as audio:
        assert audio.getnframes() > 0
        assert audio.getframerate() > 0
        assert audio.getnchannels() >= 1


def test_downloads_a_whole_wav(
    hook: AudioStackHook, delivery_uri: str, tmp_path: Path, admin: SandboxAdmin
) -> None:
    destination = tmp_path / "nested" / "speech.wav"

    downloaded = hook.download_delivered_file(delivery_uri, destination)

    assert downloaded.path == str(destination)
    assert downloaded.size_bytes == destination.stat().st_size > 44
    assert downloaded.content_type and "wav" in downloaded.content_type
    assert_wav(destination)
    assert sorted(path.name for path in destination.parent.iterdir()) == ["speech.wav"]
    assert admin.count(DELIVERY_ROUTE) == 1


def test_a_single_dropped_download_is_retried_and_the_file_is_complete(
    hook: AudioStackHook, delivery_uri: str, tmp_path: Path, admin: SandboxAdmin
) -> None:
    reference = tmp_path / "reference.wav"
    hook.download_delivered_file(delivery_uri, reference)
    destination = tmp_path / "out" / "speech.wav"
    admin.fault(DELIVERY_MATCH, "drop", count=1)

    downloaded = hook.download_delivered_file(delivery_uri, destination)

    assert admin.count(DELIVERY_ROUTE) == 3  # the reference, the dropped attempt, its retry
    assert downloaded.size_bytes == reference.stat().st_size
    assert destination.read_bytes() == reference.read_bytes()
    assert_wav(destination)
    assert sorted(path.name for path in destination.parent.iterdir()) == ["speech.wav"]


def test_a_download_dropped_on_every_attempt_leaves_nothing_behind(
    hook: AudioStackHook, delivery_uri: str, tmp_path: Path, admin: SandboxAdmin
) -> None:
    destination = tmp_path / "speech.wav"
    admin.fault(DELIVERY_MATCH, "drop", count=FAST_RETRIES.max_attempts)

    with pytest.raises(AudioServiceTransportError) as caught:
        hook.download_delivered_file(delivery_uri, destination)

    assert caught.value.request_sent is True
    assert caught.value.route.startswith("/audiostack/delivery/")
    assert admin.count(DELIVERY_ROUTE) == FAST_RETRIES.max_attempts
    assert admin.pending_faults() == []
    # Neither the file nor a hidden ".speech.wav.<id>.part" temporary.
    assert list(tmp_path.iterdir()) == []
