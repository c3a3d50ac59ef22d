"""Briefs, stories and the classic pipeline: bad input named before any call."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.models.audiostack_classic import (
    parse_encode,
    parse_mix,
    parse_script,
    parse_speech,
)
from airflow_provider_audio.models.audiostack_creator import parse_brief, parse_story

PRODUCT = {"productName": "Harbour Tea", "productDescription": "Tea blended by the sea", "adLength": 20}


def problems(parse: Any, body: Any) -> str:
    with pytest.raises(AudioInputError) as caught:
        parse(body)
    return str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"numAds": 6, "brief": {"script": PRODUCT}}, "numAds: Input should be less than or equal to 5"),
        ({"numAds": 0, "brief": {"script": PRODUCT}}, "numAds: Input should be greater than or equal to 1"),
        (
            {"brief": {"script": {**PRODUCT, "adLength": 25}}},
            "brief.script.adLength: got 25; allowed values: 10, 15, 20, 30 or 40",
        ),
        (
            {"brief": {"script": {"productName": "x"}}},
            "give scriptText, or productName and productDescription",
        ),
        ({}, "give exactly one of brief and fileId"),
        ({"brief": {"script": PRODUCT}, "fileId": "f1"}, "give exactly one of brief and fileId"),
        (
            {"brief": {"script": PRODUCT, "voices": [{"voicePreset": "x"}]}},
            "brief.voices[0].alias: Field required",
        ),
        ({"brief": {"script": {"scriptText": ""}}}, "brief.script.scriptText"),
    ],
)
def test_brief_rules(body: dict[str, Any], expected: str) -> None:
    assert expected in problems(parse_brief, body)


def test_valid_briefs() -> None:
    assert parse_brief({"numAds": 2, "brief": {"script": PRODUCT}}).to_payload()["numAds"] == 2
    assert parse_brief({"fileId": "f-1"}).to_payload() == {"fileId": "f-1"}
    assert (
        parse_brief({"brief": {"script": {"scriptText": "Buy tea."}, "extra": 1}}).to_payload()["brief"][
            "extra"
        ]
        == 1
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"title": "t", "chapters": []}, "story.chapters: List should have at least 1 item(s)"),
        ({"title": "t"}, "story.chapters: Field required"),
        (
            {"chapters": [{"narratives": []}]},
            "story.chapters[0].narratives: List should have at least 1 item(s)",
        ),
        (
            {"chapters": [{"narratives": [{"foreground": [{"text": ""}]}]}]},
            "story.chapters[0].narratives[0].foreground[0].text",
        ),
    ],
)
def test_story_rules(body: dict[str, Any], expected: str) -> None:
    assert expected in problems(parse_story, body)


def test_story_accepts_the_story_or_the_body() -> None:
    story = {
        "title": "Tides",
        "chapters": [{"narratives": [{"foreground": [{"speakerIdentifier": "a", "text": "Hi."}]}]}],
    }
    assert parse_story(story).to_payload() == {"story": story}
    assert parse_story({"story": story}).to_payload() == {"story": story}


def test_classic_rules() -> None:
    assert "scriptText: Field required" in problems(parse_script, {"projectName": "p"})
    assert "voice: Field required" in problems(parse_speech, {"scriptId": "s"})
    assert "speed: Input should be greater than 0" in problems(
        parse_speech, {"scriptId": "s", "voice": "sara", "speed": 0}
    )
    assert "give exactly one of speechId and scriptId" in problems(parse_mix, {"soundTemplate": "bed"})
    assert "preset: Field required" in problems(parse_encode, {"productionId": "p"})
    assert parse_encode({"productionId": "p", "preset": "mp3", "loudnessPreset": "podcast"}).warnings() == []
    warnings = parse_encode({"productionId": "p", "preset": "opus", "loudnessPreset": "cinema"}).warnings()
    assert len(warnings) == 2 and "opus" in warnings[0] and "cinema" in warnings[1]
