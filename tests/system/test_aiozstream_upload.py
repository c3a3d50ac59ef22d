"""AIOZ Stream publishing under dag.test() against the live sandbox: parts, retries, resume, guards, reuse."""

from __future__ import annotations

import hashlib
import math
import struct
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator
from airflow_provider_audio.upload.parts import MIN_PART_SIZE
from tests.conftest import SANDBOX_AIOZ_HEADERS
from tests.system.conftest import OperatorRunner, add_fault, patch_settings, sandbox_stats, xcom_of

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

UPLOAD = "airflow_provider_audio.operators.aiozstream.AiozStreamUploadAudioOperator"
UPDATE = "airflow_provider_audio.operators.aiozstream.AiozStreamUpdateMediaOperator"
DELETE = "airflow_provider_audio.operators.aiozstream.AiozStreamDeleteMediaOperator"
SENSOR = "airflow_provider_audio.sensors.aiozstream.AiozStreamMediaSensor"
PART_ROUTE = "POST /aiozstream/api/media/{media_id}/part"


def write_wav(path: Path, seconds: float, rate: int = 22050) -> Path:
    """A real mono 16-bit WAV: a tone, so every part has different bytes."""
    period = [int(8000 * math.sin(2 * math.pi * i / 50)) for i in range(50)]
    cycle = struct.pack(f"<{len(period)}h", *period)
    frames = int(seconds * rate)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(cycle * (frames // len(period)))
    return path


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~12 MiB of WAV: three parts at the smallest part size."""
    return write_wav(tmp_path_factory.mktemp("audio") / "episode.wav", seconds=290)


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def sandbox_media(sandbox: SandboxServer, media_id: str) -> dict[str, Any]:
    found: dict[str, Any] = requests.get(
        f"{sandbox.base_url}/_sandbox/aioz/media/{media_id}", timeout=5
    ).json()
    return found


def only_media_id(sandbox: SandboxServer) -> str:
    body = requests.post(
        f"{sandbox.service_url('aiozstream')}/media",
        json={"status": ["new", "transcoding", "done", "fail"]},
        headers=SANDBOX_AIOZ_HEADERS,
        timeout=5,
    ).json()
    media = body["data"]["media"]
    assert len(media) == 1, media
    return str(media[0]["id"])


def upload_kwargs(source: Path, **extra: Any) -> dict[str, Any]:
    return {
        "source": str(source),
        "title": "Harbour lights",
        "metadata": {"article_id": "harbour-1"},
        "part_size": MIN_PART_SIZE,
        "poll_interval": 0.2,
        **extra,
    }


def test_multi_part_upload_assembles_the_source(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    run = run_operator(upload_kwargs(episode, deferrable=True), operator=UPLOAD)
    assert run.state == "success"
    media_id = only_media_id(sandbox_connections)
    stored = sandbox_media(sandbox_connections, media_id)
    assert stored["status"] == "done"
    assert stored["md5"] == md5_of(episode)
    assert stored["size"] == episode.stat().st_size
    assert [part["index"] for part in stored["parts"]] == [1, 2, 3]
    assert sandbox_stats(sandbox_connections)["requests"][PART_ROUTE] == 3


def test_a_failed_part_is_retried_alone(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    add_fault(sandbox_connections, match="POST /aiozstream/api/media/*/part", kind="503", count=1, skip=1)
    assert run_operator(upload_kwargs(episode), operator=UPLOAD).state == "success"
    stats = sandbox_stats(sandbox_connections)
    assert stats["requests"][PART_ROUTE] == 4
    assert stats["aioz"]["created"] == 1
    assert sandbox_media(sandbox_connections, only_media_id(sandbox_connections))["md5"] == md5_of(episode)


def test_a_retried_task_sends_only_the_missing_parts(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    # Part 3 is cut off on every attempt of the first try (5 attempts), so the try fails with two
    # parts confirmed; the retry must create nothing and send part 3 alone.
    add_fault(sandbox_connections, match="POST /aiozstream/api/media/*/part", kind="drop", count=5, skip=2)
    run = run_operator(upload_kwargs(episode, retries=1, retry_delay_seconds=0), operator=UPLOAD)
    assert run.state == "success"
    assert run.get_task_instance("run").try_number == 2
    stats = sandbox_stats(sandbox_connections)
    assert stats["aioz"]["created"] == 1
    assert stats["requests"][PART_ROUTE] == 2 + 5 + 1
    stored = sandbox_media(sandbox_connections, only_media_id(sandbox_connections))
    assert stored["md5"] == md5_of(episode)
    assert [part["index"] for part in stored["parts"]] == [1, 2, 3]


def test_transcoding_failure_fails_the_task(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, tmp_path: Path
) -> None:
    not_audio = tmp_path / "notes.wav"
    not_audio.write_bytes(b"these are not audio bytes " * 1000)
    run = run_operator(upload_kwargs(not_audio), operator=UPLOAD)
    assert run.state == "failed"
    assert sandbox_media(sandbox_connections, only_media_id(sandbox_connections))["status"] == "fail"


@pytest.mark.parametrize(
    ("settings", "kwargs"),
    [({"aioz_balance": 0.0}, {"check_cost": True}), ({}, {"max_price": 0.000001})],
    ids=["balance-not-enough", "above-max-price"],
)
def test_cost_guard_stops_before_anything_is_created(
    airflow_db: Path,
    sandbox_connections: SandboxServer,
    run_operator: OperatorRunner,
    episode: Path,
    settings: dict[str, Any],
    kwargs: dict[str, Any],
) -> None:
    if settings:
        patch_settings(sandbox_connections, **settings)
    try:
        run = run_operator(upload_kwargs(episode, **kwargs), operator=UPLOAD)
    finally:
        patch_settings(sandbox_connections, aioz_balance=10.0)
    assert run.state == "failed"
    stats = sandbox_stats(sandbox_connections)
    assert stats["requests"]["GET /aiozstream/api/media/cost"] == 1
    assert stats["aioz"]["created"] == 0


def test_cost_guard_within_limits_lets_the_upload_go(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    assert run_operator(upload_kwargs(episode, max_price=5.0), operator=UPLOAD).state == "success"
    assert sandbox_stats(sandbox_connections)["aioz"]["created"] == 1


def test_rerun_with_reuse_key_reuses_the_published_media(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    kwargs = upload_kwargs(episode, reuse_key="article_id")
    assert run_operator(kwargs, operator=UPLOAD).state == "success"
    assert run_operator(kwargs, operator=UPLOAD).state == "success"
    stats = sandbox_stats(sandbox_connections)
    assert stats["aioz"]["created"] == 1
    assert stats["requests"][PART_ROUTE] == 3


def test_reuse_never_takes_or_deletes_another_article_s_media_when_the_list_ignores_its_filter(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    # The service answers every media whatever the metadata and status filters say: the hook must
    # judge each answer itself, so "other-1" neither reuses "ep-1" nor deletes an upload in
    # progress that another client began for "other-1".
    patch_settings(sandbox_connections, fault_loose_list_rate=1.0)
    try:
        first = upload_kwargs(episode, reuse_key="article_id", metadata={"article_id": "ep-1"})
        assert run_operator(first, operator=UPLOAD).state == "success"
        foreign = requests.post(
            f"{sandbox_connections.service_url('aiozstream')}/media/create",
            json={
                "type": "audio",
                "title": "Begun elsewhere",
                "metadata": [{"key": "article_id", "value": "other-1"}],
            },
            headers=SANDBOX_AIOZ_HEADERS,
            timeout=5,
        ).json()["data"]
        second = upload_kwargs(episode, reuse_key="article_id", metadata={"article_id": "other-1"})
        run = run_operator(second, operator=UPLOAD)
    finally:
        patch_settings(sandbox_connections, fault_loose_list_rate=0.0)
    assert run.state == "success"
    published = xcom_of(run)
    assert published["reused"] is False and published["media_id"] != foreign["id"]
    stored = sandbox_media(sandbox_connections, published["media_id"])
    assert stored["status"] == "done" and stored["md5"] == md5_of(episode)
    detail = requests.get(
        f"{sandbox_connections.service_url('aiozstream')}/media/{published['media_id']}",
        headers=SANDBOX_AIOZ_HEADERS,
        timeout=5,
    ).json()["data"]
    assert {"key": "article_id", "value": "other-1"} in detail["metadata"]
    assert sandbox_media(sandbox_connections, foreign["id"])["status"] == "new"
    stats = sandbox_stats(sandbox_connections)
    assert stats["aioz"]["created"] == 3 and stats["aioz"]["deleted"] == 0


def test_a_create_whose_answer_was_lost_is_found_by_its_mark_on_the_retry(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    # The service creates the media and the answer is lost (a 502 after the commit): the retry
    # finds that media by the task's mark and uploads into it, creating (and paying for) no other.
    add_fault(sandbox_connections, match="POST /aiozstream/api/media/create", kind="502", after_acting=True)
    run = run_operator(upload_kwargs(episode, retries=1, retry_delay_seconds=0), operator=UPLOAD)
    assert run.state == "success"
    assert run.get_task_instance("run").try_number == 2
    stats = sandbox_stats(sandbox_connections)
    assert stats["requests"]["POST /aiozstream/api/media/create"] == 1
    assert stats["aioz"]["created"] == 1
    media_id = only_media_id(sandbox_connections)
    assert xcom_of(run)["media_id"] == media_id
    assert sandbox_media(sandbox_connections, media_id)["md5"] == md5_of(episode)


def test_update_sensor_and_delete(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    assert run_operator(upload_kwargs(episode), operator=UPLOAD).state == "success"
    media_id = only_media_id(sandbox_connections)
    changes = {"title": "Renamed", "metadata": {"article_id": "harbour-1", "season": "1"}, "is_public": False}
    assert run_operator({"media_id": media_id, "changes": changes}, operator=UPDATE).state == "success"
    detail = requests.get(
        f"{sandbox_connections.service_url('aiozstream')}/media/{media_id}",
        headers=SANDBOX_AIOZ_HEADERS,
        timeout=5,
    ).json()["data"]
    assert detail["title"] == "Renamed" and detail["is_public"] is False
    assert {"key": "season", "value": "1"} in detail["metadata"]
    sensor = {"media_id": media_id, "poke_interval": 0.2, "timeout": 30, "deferrable": True}
    assert run_operator(sensor, operator=SENSOR).state == "success"
    assert run_operator({"media_id": media_id}, operator=DELETE).state == "success"
    assert run_operator({**sensor, "timeout": 5}, operator=SENSOR).state == "failed"
    assert run_operator({"media_id": media_id, "missing_ok": False}, operator=DELETE).state == "failed"


def test_audiostack_build_streams_into_aioz_parts(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    from airflow_provider_audio.client.routes.audiostack import BuildState
    from airflow_provider_audio.hooks.audiostack import AudioStackHook

    long_text = " ".join(["The harbour lights shone over the east pier tonight."] * 120)
    audioform = {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": long_text, "voice": "sara"}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "wav"},
    }
    hook = AudioStackHook()
    audioform_id = hook.submit_audioform(audioform).audioform_id
    status = hook.get_audioform(audioform_id)
    while status.state is BuildState.BUILDING:
        status = hook.get_audioform(audioform_id)
    assert status.uri
    delivered = requests.get(status.uri, timeout=30).content
    assert len(delivered) > 2 * MIN_PART_SIZE

    kwargs = {
        "audioform_id": audioform_id,
        "title": "From AudioStack",
        "part_size": MIN_PART_SIZE,
        "poll_interval": 0.2,
        "check_cost": True,
    }
    run = run_operator(
        kwargs,
        operator="airflow_provider_audio.transfers.audiostack_to_aiozstream.AudioStackToAiozStreamOperator",
    )
    assert run.state == "success"
    stored = sandbox_media(sandbox_connections, only_media_id(sandbox_connections))
    assert stored["md5"] == hashlib.md5(delivered).hexdigest()
    assert len(stored["parts"]) == math.ceil(len(delivered) / MIN_PART_SIZE)


def test_the_cost_guard_reads_a_delivered_wav_s_duration_from_its_header(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner
) -> None:
    # Given a delivery URL only (no build result, so no reported duration), the guard reads the
    # duration from the WAV header of a small ranged GET, instead of refusing the upload.
    from airflow_provider_audio.client.routes.audiostack import BuildState
    from airflow_provider_audio.hooks.audiostack import AudioStackHook

    audioform = {
        "header": {"version": "1"},
        "assets": {
            "speech": {"type": "tts", "text": "A short bulletin read for the guard.", "voice": "sara"}
        },
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "wav"},
    }
    hook = AudioStackHook()
    audioform_id = hook.submit_audioform(audioform).audioform_id
    status = hook.get_audioform(audioform_id)
    while status.state is BuildState.BUILDING:
        status = hook.get_audioform(audioform_id)
    assert status.uri
    kwargs = {"audio_uri": status.uri, "title": "Guarded", "poll_interval": 0.2, "max_price": 100.0}
    run = run_operator(
        kwargs,
        operator="airflow_provider_audio.transfers.audiostack_to_aiozstream.AudioStackToAiozStreamOperator",
    )
    assert run.state == "success"
    stats = sandbox_stats(sandbox_connections)
    assert stats["requests"]["GET /aiozstream/api/media/cost"] == 1
    assert stats["aioz"]["created"] == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"part_size": MIN_PART_SIZE - 1}, "part_size"),
        ({"part_size": 200 * 2**20}, "part_size"),
        ({"max_price": -1}, "max_price"),
        ({"poll_interval": 0}, "poll_interval"),
    ],
)
def test_bad_arguments_fail_at_construction(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(AudioInputError, match=field):
        AiozStreamUploadAudioOperator(task_id="x", source="a.wav", title="t", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"source": "/no/such/file.wav"}, "no such file"),
        ({"source": "EMPTY"}, "the file is empty"),
        ({"qualities": [{"resolution": "1080p"}]}, "qualities[0].resolution"),
        (
            {
                "qualities": [
                    {
                        "resolution": "good",
                        "type": "dash",
                        "container_type": "mpegts",
                        "audio_config": {"codec": "aac", "bitrate": 1, "channels": "2", "sample_rate": 44100},
                    }
                ]
            },
            "qualities[0].container_type",
        ),
        ({"title": ""}, "title"),
        ({"reuse_key": "episode_id"}, "reuse_key: 'episode_id' is not a key of metadata"),
        ({"check_cost": True, "source": "NOT_WAV"}, "duration_seconds"),
    ],
)
def test_bad_input_fails_before_any_call(
    sandbox_connections: SandboxServer, episode: Path, tmp_path: Path, kwargs: dict[str, Any], text: str
) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    not_wav = tmp_path / "a.mp3"
    not_wav.write_bytes(b"ID3" + b"\x00" * 100)
    arguments = {**upload_kwargs(episode), **kwargs}
    arguments["source"] = {"EMPTY": str(empty), "NOT_WAV": str(not_wav)}.get(
        arguments["source"], arguments["source"]
    )
    operator = AiozStreamUploadAudioOperator(task_id="bad", **arguments)
    with pytest.raises(AudioInputError) as caught:
        operator.execute(context={})  # type: ignore[arg-type]
    assert text in str(caught.value)
    assert sandbox_stats(sandbox_connections)["requests"] == {}


def test_an_upload_into_a_media_made_beforehand_checks_its_pair_and_creates_nothing(
    airflow_db: Path, sandbox_connections: SandboxServer, run_operator: OperatorRunner, episode: Path
) -> None:
    # A media created before the audio exists (as a pipeline's claim on an article): the upload goes
    # into it; a media that does not carry the reuse pair is refused, nothing sent.
    def create(article: str) -> str:
        created: dict[str, Any] = requests.post(
            f"{sandbox_connections.service_url('aiozstream')}/media/create",
            json={"type": "audio", "title": "Claimed", "metadata": [{"key": "article_id", "value": article}]},
            headers=SANDBOX_AIOZ_HEADERS,
            timeout=5,
        ).json()["data"]
        return str(created["id"])

    claimed, other = create("harbour-1"), create("other-1")
    kwargs = upload_kwargs(episode, reuse_key="article_id", media_id=claimed)
    run = run_operator(kwargs, operator=UPLOAD)
    assert run.state == "success"
    assert xcom_of(run)["media_id"] == claimed and xcom_of(run)["reused"] is False
    stored = sandbox_media(sandbox_connections, claimed)
    assert stored["status"] == "done" and stored["md5"] == md5_of(episode)
    refused = run_operator(upload_kwargs(episode, reuse_key="article_id", media_id=other), operator=UPLOAD)
    assert refused.state == "failed"
    stats = sandbox_stats(sandbox_connections)
    assert stats["aioz"]["created"] == 2 and stats["requests"][PART_ROUTE] == 3
    assert sandbox_media(sandbox_connections, other)["status"] == "new"
