"""AudioPod and AIML API inputs: every checked field fails naming itself before any call."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.models.aimlapi import parse_stable_audio_request
from airflow_provider_audio.models.audiopod import (
    parse_batch_preview,
    parse_collection,
    parse_list_voices,
    parse_update_voice,
    parse_usage_query,
)
from airflow_provider_audio.voice_samples import load_voice_samples, sniff_format


def wav_bytes(seconds: float, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        frames = [int(5000 * math.sin(i / 10)) for i in range(int(seconds * rate))]
        audio.writeframes(struct.pack(f"<{len(frames)}h", *frames))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"prompt": ""}, "prompt: String should have at least 1 character"),
        ({}, "prompt: Field required"),
        ({"prompt": "x", "model": "musicgen"}, "model: got 'musicgen'; allowed values: 'stable-audio'"),
        ({"prompt": "x", "seconds_total": 48}, "seconds_total: Input should be less than or equal to 47"),
        ({"prompt": "x", "seconds_total": 0}, "seconds_total: Input should be greater than or equal to 1"),
        ({"prompt": "x", "seconds_start": 50}, "seconds_start: Input should be less than or equal to 47"),
        ({"prompt": "x", "seconds_total": 10.5}, "seconds_total"),
        ({"prompt": "x", "steps": 0}, "steps: Input should be greater than or equal to 1"),
        ({"prompt": "x", "steps": 1001}, "steps: Input should be less than or equal to 1000"),
    ],
)
def test_stable_audio_fields(body: dict[str, Any], expected: str) -> None:
    with pytest.raises(AudioInputError) as caught:
        parse_stable_audio_request(body)
    assert expected in str(caught.value)


def test_stable_audio_payload() -> None:
    assert parse_stable_audio_request({"prompt": "rain on a tin roof", "steps": 50}).to_payload() == {
        "prompt": "rain on a tin roof",
        "steps": 50,
        "model": "stable-audio",
    }


@pytest.mark.parametrize(
    ("parse", "body", "expected"),
    [
        (parse_list_voices, {"limit": 51}, "limit: Input should be less than or equal to 50"),
        (
            parse_list_voices,
            {"voice_type": "cloned"},
            "voice_type: got 'cloned'; allowed values: 'CUSTOM' or 'STANDARD'",
        ),
        (parse_list_voices, {"skip": -1}, "skip: Input should be greater than or equal to 0"),
        (parse_list_voices, {"page": 2}, "page: unknown field"),
        (
            parse_batch_preview,
            {"voice_ids": [], "text": "hi"},
            "voice_ids: List should have at least 1 item(s)",
        ),
        (parse_batch_preview, {"voice_ids": ["v"], "text": " "}, "text: String should match pattern"),
        (
            parse_batch_preview,
            {"voice_ids": ["v"], "text": "hi", "format": "ogg"},
            "format: got 'ogg'; allowed values: 'mp3' or 'wav'",
        ),
        (
            parse_batch_preview,
            {"voice_ids": ["v"], "text": "hi", "speed": 0},
            "speed: Input should be greater than 0",
        ),
        (parse_update_voice, {"name": ""}, "name: String should have at least 1 character"),
        (
            parse_update_voice,
            {"nam": "typo"},
            "nam: unknown field; allowed fields: name, description, is_public, tags",
        ),
        (parse_collection, {"description": "no name"}, "name: Field required"),
        (parse_usage_query, {"period": "2w"}, "period: got '2w'; allowed values: '7d', '30d', '90d' or '1y'"),
        (
            parse_usage_query,
            {"breakdown": "hourly"},
            "breakdown: got 'hourly'; allowed values: 'daily', 'weekly' or 'monthly'",
        ),
    ],
)
def test_audiopod_fields(parse: Any, body: dict[str, Any], expected: str) -> None:
    with pytest.raises(AudioInputError) as caught:
        parse(body)
    assert expected in str(caught.value)


def test_list_filter_booleans_are_written_as_the_api_reads_them() -> None:
    assert parse_list_voices({"is_public": True, "limit": 5}).to_params() == {"is_public": "true", "limit": 5}


def test_samples_are_checked_on_disk(tmp_path: Path) -> None:
    (tmp_path / "ok.wav").write_bytes(wav_bytes(12))
    (tmp_path / "short.wav").write_bytes(wav_bytes(2))
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.wav").write_bytes(b"hello, not audio at all")
    (tmp_path / "song.mp3").write_bytes(b"ID3" + b"\x00" * 64)
    (tmp_path / "memo.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 32)
    samples, warnings = load_voice_samples(
        [tmp_path / "ok.wav", tmp_path / "short.wav", tmp_path / "song.mp3", tmp_path / "memo.m4a"]
    )
    assert [s.content_type for s in samples] == ["audio/wav", "audio/wav", "audio/mpeg", "audio/mp4"]
    assert samples[0].duration_seconds == pytest.approx(12)
    assert len(warnings) == 1 and "samples[1]" in warnings[0] and "10-60 s" in warnings[0]
    with pytest.raises(AudioInputError) as caught:
        load_voice_samples([tmp_path / "missing.wav", tmp_path / "empty.wav", tmp_path / "text.wav"])
    text = str(caught.value)
    assert "3 problem(s)" in text
    assert "samples[0]" in text and "no such file" in text
    assert "samples[1]" in text and "the file is empty" in text
    assert "samples[2]" in text and "allowed formats: wav, mp3, m4a" in text
    with pytest.raises(AudioInputError, match="at least one audio file"):
        load_voice_samples([])


def test_more_than_five_samples_is_a_warning(tmp_path: Path) -> None:
    paths = []
    for index in range(6):
        path = tmp_path / f"s{index}.wav"
        path.write_bytes(wav_bytes(11))
        paths.append(path)
    _, warnings = load_voice_samples(paths)
    assert warnings == ["samples: 6 given; AudioPod recommends 2-5"]
    assert sniff_format(b"\xff\xfb\x90\x00") == "mp3"
