"""AIOZ Stream create/update/list bodies: every quality rule of the vendor's audio docs, before any call."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.models.aiozstream import parse_create_media, parse_list_filter, parse_update_media


def quality(**changes: Any) -> dict[str, Any]:
    config = {
        "codec": "aac",
        "bitrate": 128000,
        "channels": "2",
        "sample_rate": 44100,
        "language": "en",
        "index": 0,
    }
    base: dict[str, Any] = {
        "resolution": "highest",
        "type": "hls",
        "container_type": "mpegts",
        "audio_config": config,
    }
    config_changes = changes.pop("audio_config", {})
    return {**base, **changes, "audio_config": {**config, **config_changes}}


def problems_of(body: dict[str, Any]) -> str:
    with pytest.raises(AudioInputError) as caught:
        parse_create_media(body)
    return str(caught.value)


def test_valid_body_round_trips_with_type_audio() -> None:
    body = {
        "title": "Episode 1",
        "qualities": [quality(), quality(type="dash", container_type="fmp4")],
        "x": 1,
    }
    request = parse_create_media(body)
    assert request.to_payload() == {**body, "type": "audio"}
    assert request.resolutions() == ["highest", "highest"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"title": "t", "type": "video"}, "type: got 'video'; allowed values: 'audio'"),
        ({"type": "audio"}, "title: Field required"),
        ({"title": "  "}, "title: String should match pattern"),
        (
            {"title": "t", "qualities": [quality(resolution="1080p")]},
            "qualities[0].resolution: got '1080p'; allowed values: 'standard', 'good', 'highest' or 'lossless'",
        ),
        (
            {"title": "t", "qualities": [quality(type="rtmp")]},
            "qualities[0].type: got 'rtmp'; allowed values: 'hls' or 'dash'",
        ),
        (
            {"title": "t", "qualities": [quality(type="dash")]},
            "qualities[0].container_type: allowed values for type 'dash': 'fmp4'",
        ),
        (
            {"title": "t", "qualities": [quality(container_type="fmp4")]},
            "qualities[0].container_type: allowed values for type 'hls': 'mpegts', 'mp4'",
        ),
        (
            {"title": "t", "qualities": [quality(audio_config={"codec": "mp3"})]},
            "qualities[0].audio_config.codec: got 'mp3'; allowed values: 'aac'",
        ),
        (
            {"title": "t", "qualities": [quality(audio_config={"channels": "1"})]},
            "qualities[0].audio_config.channels: got '1'; allowed values: '2'",
        ),
        (
            {"title": "t", "qualities": [quality(audio_config={"channels": 2})]},
            "qualities[0].audio_config.channels: got 2",
        ),
        (
            {"title": "t", "qualities": [quality(audio_config={"bitrate": 0})]},
            "qualities[0].audio_config.bitrate: Input should be greater than 0",
        ),
        (
            {"title": "t", "qualities": [quality(audio_config={"bitrate": -5})]},
            "qualities[0].audio_config.bitrate",
        ),
        (
            {"title": "t", "qualities": [quality(audio_config={"sample_rate": 44000})]},
            "qualities[0].audio_config.sample_rate: got 44000; allowed values: 8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200 or 96000",
        ),
        ({"title": "t", "qualities": []}, "qualities: List should have at least 1 item(s)"),
        (
            {"title": "t", "metadata": [{"key": "k" * 256, "value": "v"}]},
            "metadata[0].key: String should have at most 255 characters",
        ),
        (
            {"title": "t", "metadata": [{"key": "k", "value": "v"}] * 51},
            "metadata: List should have at most 50 items",
        ),
        ({"title": "t", "is_public": "yes"}, "is_public: Input should be true or false"),
    ],
)
def test_each_rule_names_the_field(body: dict[str, Any], expected: str) -> None:
    assert expected in problems_of(body)


def test_every_problem_is_reported_at_once() -> None:
    text = problems_of(
        {"title": "", "qualities": [quality(resolution="x", audio_config={"codec": "mp3", "sample_rate": 1})]}
    )
    assert "4 problem(s)" in text


def test_update_refuses_unknown_fields_and_checks_types() -> None:
    assert parse_update_media({"title": "New", "is_public": False}).to_payload() == {
        "title": "New",
        "is_public": False,
    }
    with pytest.raises(AudioInputError, match="titel: unknown field; allowed fields: title, description"):
        parse_update_media({"titel": "typo"})
    with pytest.raises(AudioInputError, match="tags: Input should be a list"):
        parse_update_media({"tags": "news"})


def test_list_filter_bounds() -> None:
    assert parse_list_filter({"limit": 100, "status": ["done"]}).to_payload() == {
        "limit": 100,
        "status": ["done"],
    }
    with pytest.raises(AudioInputError, match="limit: Input should be less than or equal to 100"):
        parse_list_filter({"limit": 101})
    with pytest.raises(AudioInputError, match="status\\[0\\]: got 'ready'; allowed values"):
        parse_list_filter({"status": ["ready"]})
    with pytest.raises(AudioInputError, match="sort_by: got 'views'"):
        parse_list_filter({"sort_by": "views"})
