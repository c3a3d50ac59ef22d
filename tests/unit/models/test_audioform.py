from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.models.audioform import (
    ASSET_TYPES,
    Audioform,
    TtsAsset,
    count_words,
    parse_audioform,
)

CLIP_2 = "production.arrangement.sections[0].layers[1].clips[2]"


def valid_audioform() -> dict[str, Any]:
    """One section, two layers; the second layer has three clips (so ``layers[1].clips[2]`` exists)."""
    return {
        "header": {"version": "1"},
        "assets": {
            "intro": {"type": "tts", "text": "Good morning, here is the news.", "voiceRef": "narrator"},
            "narrator": {"type": "voice", "voiceAlias": "sara", "speed": 1.05},
            "bed": {"type": "soundTemplate", "soundTemplateAlias": "bare_minimum", "segment": "main"},
            "bed snippet": {"type": "soundTemplateSnippet", "soundTemplateRef": "bed", "targetDuration": 5},
            "jingle": {"type": "media", "mediaId": "7f3ea7ec-63d3-44d4-8ef5-5937eaaf0ee4"},
            "respoken": {"type": "sts", "mediaRef": "jingle", "voiceRef": "narrator"},
            "ding": {"type": "soundEffect", "soundEffectAlias": "bell_0"},
        },
        "production": {
            "arrangement": {
                "sections": [
                    {
                        "layers": [
                            {"clips": [{"assetRef": "intro", "fadeIn": 0.5}]},
                            {
                                "clips": [
                                    {"assetRef": "bed snippet"},
                                    {"assetRef": "ding", "readPosition": 2, "forcedDuration": 3},
                                    {
                                        "assetRef": "respoken",
                                        "marginStart": 0.5,
                                        "marginEnd": 0,
                                        "fadeOut": 1,
                                    },
                                ],
                                "alignment": "end",
                            },
                        ]
                    }
                ]
            },
            "mixingPreset": "voiceenhanced",
        },
        "delivery": {"encoderPreset": "mp3", "loudnessPreset": "podcast", "public": False},
    }


def problems_of(data: Any) -> list[str]:
    with pytest.raises(AudioInputError) as excinfo:
        parse_audioform(data)
    assert excinfo.value.subject == "audioform"
    return excinfo.value.problems


def clip(data: dict[str, Any], layer: int = 1, index: int = 2) -> dict[str, Any]:
    clips: list[dict[str, Any]] = data["production"]["arrangement"]["sections"][0]["layers"][layer]["clips"]
    return clips[index]


def _set_in(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return mutate


def _delete(*keys: str | int) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return mutate


ARRANGEMENT = ("production", "arrangement")
SECTION_0 = (*ARRANGEMENT, "sections", 0)
LAYER_1 = (*SECTION_0, "layers", 1)
CLIP_2_KEYS = (*LAYER_1, "clips", 2)

MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("missing assetRef", _delete(*CLIP_2_KEYS, "assetRef"), f"{CLIP_2}.assetRef: Field required"),
    (
        "assetRef naming no asset",
        _set_in(*CLIP_2_KEYS, "assetRef", value="outro"),
        f"{CLIP_2}.assetRef: 'outro' is not an asset of this audioform; defined assets: "
        "'intro', 'narrator', 'bed', 'bed snippet', 'jingle', 'respoken', 'ding'",
    ),
    (
        "assetRef not a string",
        _set_in(*CLIP_2_KEYS, "assetRef", value=7),
        f"{CLIP_2}.assetRef: Input should be a string (got 7)",
    ),
    (
        "negative fade",
        _set_in(*CLIP_2_KEYS, "fadeOut", value=-0.5),
        f"{CLIP_2}.fadeOut: Input should be greater than or equal to 0 (got -0.5)",
    ),
    (
        "numeric string duration",
        _set_in(*CLIP_2_KEYS, "forcedDuration", value="3"),
        f"{CLIP_2}.forcedDuration: Input should be a number (got '3')",
    ),
    (
        "boolean as a number",
        _set_in(*CLIP_2_KEYS, "marginEnd", value=True),
        f"{CLIP_2}.marginEnd: Input should be a number (got true)",
    ),
    (
        "clips not a list",
        _set_in(*LAYER_1, "clips", value={"assetRef": "intro"}),
        "production.arrangement.sections[0].layers[1].clips: Input should be a list (got an object)",
    ),
    (
        "empty clips",
        _set_in(*LAYER_1, "clips", value=[]),
        "production.arrangement.sections[0].layers[1].clips: List should have at least 1 item(s), not 0",
    ),
    (
        "empty layers",
        _set_in(*SECTION_0, "layers", value=[]),
        "production.arrangement.sections[0].layers: List should have at least 1 item(s), not 0",
    ),
    (
        "empty sections",
        _set_in(*ARRANGEMENT, "sections", value=[]),
        "production.arrangement.sections: List should have at least 1 item(s), not 0",
    ),
    (
        "clip not an object",
        _set_in(*LAYER_1, "clips", 0, value="intro"),
        "production.arrangement.sections[0].layers[1].clips[0]: Input should be an object (got 'intro')",
    ),
    (
        "unknown asset type",
        _set_in("assets", "ding", "type", value="music"),
        "assets.ding.type: unknown value 'music'; allowed values: 'tts', 'voice', 'soundTemplate', "
        "'soundTemplateSnippet', 'media', 'sts', 'soundEffect'",
    ),
    ("asset without type", _delete("assets", "ding", "type"), "assets.ding.type: Field required"),
    ("tts without text", _delete("assets", "intro", "text"), "assets.intro.text: Field required"),
    (
        "tts with blank text",
        _set_in("assets", "intro", "text", value="   "),
        "assets.intro.text: String should not be empty or blank (got '   ')",
    ),
    (
        "tts without a voice",
        _delete("assets", "intro", "voiceRef"),
        "assets.intro.voiceRef: Field required "
        "(a tts asset needs voiceRef, the name of a voice asset, or voice)",
    ),
    (
        "tts voiceRef naming an asset that is not a voice",
        _set_in("assets", "intro", "voiceRef", value="bed"),
        "assets.intro.voiceRef: 'bed' is not the name of a voice asset; voice assets: 'narrator'",
    ),
    (
        "tts speed of zero",
        _set_in("assets", "intro", "speed", value=0),
        "assets.intro.speed: Input should be greater than 0 (got 0)",
    ),
    (
        "snippet of an unknown template",
        _set_in("assets", "bed snippet", "soundTemplateRef", value="beds"),
        "assets[\"bed snippet\"].soundTemplateRef: 'beds' is not the name of a soundTemplate asset; "
        "soundTemplate assets: 'bed'",
    ),
    (
        "sts mediaRef naming a voice",
        _set_in("assets", "respoken", "mediaRef", value="narrator"),
        "assets.respoken.mediaRef: 'narrator' is not the name of a media asset; media assets: 'jingle'",
    ),
    (
        "asset not an object",
        _set_in("assets", "jingle", value="7f3ea7ec"),
        "assets.jingle: Input should be an object (got '7f3ea7ec')",
    ),
    (
        "bad mixingPreset",
        _set_in("production", "mixingPreset", value="loud"),
        "production.mixingPreset: got 'loud'; allowed values: 'balanced', 'musicenhanced' or 'voiceenhanced'",
    ),
    (
        "encoderPreset not a string",
        _set_in("delivery", "encoderPreset", value=320),
        "delivery.encoderPreset: Input should be a string (got 320)",
    ),
    (
        "public not a boolean",
        _set_in("delivery", "public", value="yes"),
        "delivery.public: Input should be true or false (got 'yes')",
    ),
    (
        "version not a string",
        _set_in("header", "version", value=1),
        "header.version: Input should be a string (got 1)",
    ),
    ("no delivery", _delete("delivery"), "delivery: Field required"),
    ("no assets", _delete("assets"), "assets: Field required"),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in MALFORMED],
)
def test_malformed_audioform_names_the_path(mutate: Callable[[dict[str, Any]], None], expected: str) -> None:
    data = valid_audioform()
    mutate(data)
    assert problems_of(data) == [expected]


def test_every_problem_is_reported_at_once() -> None:
    data = valid_audioform()
    del clip(data)["assetRef"]
    clip(data, index=0)["assetRef"] = "outro"
    clip(data, layer=0, index=0)["fadeIn"] = -1
    data["assets"]["ding"]["type"] = "music"
    data["production"]["mixingPreset"] = "loud"
    data["delivery"]["public"] = "no"

    problems = problems_of(data)

    assert len(problems) == 6
    assert problems[-1].startswith(
        "production.arrangement.sections[0].layers[1].clips[0].assetRef: 'outro' is not an asset"
    )
    paths = {problem.split(": ", 1)[0] for problem in problems}
    assert paths == {
        f"{CLIP_2}.assetRef",
        "production.arrangement.sections[0].layers[1].clips[0].assetRef",
        "production.arrangement.sections[0].layers[0].clips[0].fadeIn",
        "assets.ding.type",
        "production.mixingPreset",
        "delivery.public",
    }
    with pytest.raises(AudioInputError, match=r"invalid audioform \(6 problem\(s\)\)"):
        parse_audioform(data)


def test_reference_checks_run_even_when_shapes_are_wrong() -> None:
    data = valid_audioform()
    clip(data)["assetRef"] = "outro"
    data["delivery"] = "mp3"

    assert problems_of(data) == [
        "delivery: Input should be an object (got 'mp3')",
        f"{CLIP_2}.assetRef: 'outro' is not an asset of this audioform; defined assets: "
        "'intro', 'narrator', 'bed', 'bed snippet', 'jingle', 'respoken', 'ding'",
    ]


def test_not_an_object() -> None:
    assert problems_of(["not", "an", "audioform"]) == ["audioform: Input should be an object (got list)"]


def test_valid_audioform_round_trips_byte_for_byte() -> None:
    data = valid_audioform()
    data["header"]["generator"] = "newsroom"
    data["experimental"] = {"loop": True, "ids": [1, 2.5, None]}
    data["assets"]["intro"]["anchor"] = "724df7fa"
    data["assets"]["bed"]["smartFit"] = {"mode": "auto"}
    clip(data)["futureOption"] = [1, {"nested": "kept"}]
    data["production"]["arrangement"]["sections"][0]["paddingStart"] = 0.5
    data["production"]["arrangement"]["sections"][0]["layers"][0]["gain"] = -3
    data["delivery"]["fileName"] = "morning-news"
    # keys deliberately not in the models' declaration order
    data["delivery"] = {"public": False, "fileName": "morning-news", "encoderPreset": "mp3"}
    clip(data, index=1).update({"zeta": 1})
    data = {"delivery": data.pop("delivery"), **data}
    original = json.dumps(data, ensure_ascii=False)
    snapshot = copy.deepcopy(data)

    parsed = parse_audioform(data)

    assert json.dumps(parsed.audioform.to_payload(), ensure_ascii=False) == original
    assert data == snapshot  # the input is not changed either
    assert parsed.warnings == ()


def test_to_payload_adds_nothing() -> None:
    minimal = {
        "assets": {"a": {"type": "tts", "text": "Hi", "voice": "sara"}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "a"}]}]}]}},
        "delivery": {},
    }
    payload = parse_audioform(minimal).audioform.to_payload()
    assert payload == minimal
    assert json.dumps(payload) == json.dumps(minimal)


def test_integers_stay_integers() -> None:
    data = valid_audioform()
    payload = parse_audioform(data).audioform.to_payload()
    assert clip(payload, index=1)["readPosition"] == 2
    assert isinstance(clip(payload, index=1)["readPosition"], int)
    assert isinstance(clip(payload, layer=0, index=0)["fadeIn"], float)


def test_python_names_are_accepted_and_sent_as_json_names() -> None:
    data = valid_audioform()
    clip(data)["fade_out"] = clip(data).pop("fadeOut")
    clip(data)["asset_ref"] = clip(data).pop("assetRef")

    payload = parse_audioform(data).audioform.to_payload()

    assert clip(payload) == {"marginStart": 0.5, "marginEnd": 0, "fadeOut": 1, "assetRef": "respoken"}


def test_unknown_presets_are_warnings_not_errors() -> None:
    data = valid_audioform()
    data["delivery"]["encoderPreset"] = "mp3_broadcast"
    data["delivery"]["loudnessPreset"] = "cinema"

    parsed = parse_audioform(data)

    assert parsed.audioform.delivery.encoder_preset == "mp3_broadcast"
    assert len(parsed.warnings) == 2
    encoder, loudness = parsed.warnings
    assert encoder.startswith("delivery.encoderPreset: 'mp3_broadcast' is not one of the 10 known presets")
    assert "'mp3_alexa'" in encoder and "documents 12" in encoder
    assert loudness == (
        "delivery.loudnessPreset: 'cinema' is not one of the 4 known presets "
        "('radio', 'spotify', 'streaming', 'podcast'); AudioStack documents 8, so it is sent as given"
    )
    assert parsed.audioform.to_payload()["delivery"]["loudnessPreset"] == "cinema"


def test_other_format_version_is_a_warning() -> None:
    data = valid_audioform()
    data["header"]["version"] = "3"
    (warning,) = parse_audioform(data).warnings
    assert warning.startswith("header.version: '3'; these checks follow version '1'")


def test_mastering_preset_is_free_text() -> None:
    data = valid_audioform()
    del data["production"]["mixingPreset"]
    data["production"]["masteringPreset"] = "preset 0"
    assert parse_audioform(data).warnings == ()


def test_arrangement_may_be_left_out() -> None:
    data = valid_audioform()
    del data["production"]["arrangement"]
    assert parse_audioform(data).audioform.production.arrangement is None


def test_non_finite_numbers_are_refused() -> None:
    data = valid_audioform()
    clip(data)["fadeOut"] = float("nan")
    assert problems_of(data) == [f"{CLIP_2}.fadeOut: Input should be a finite number (got nan)"]


def test_models_are_typed() -> None:
    audioform = parse_audioform(valid_audioform()).audioform
    assert isinstance(audioform, Audioform)
    intro = audioform.assets["intro"]
    assert isinstance(intro, TtsAsset)
    assert intro.voice_ref == "narrator"
    assert audioform.production.mixing_preset == "voiceenhanced"
    assert {asset.type for asset in audioform.assets.values()} == set(ASSET_TYPES)


def test_spoken_texts_and_word_count() -> None:
    data = valid_audioform()
    data["assets"]["outro"] = {
        "type": "tts",
        "text": 'Thanks <break time="1s"/> for listening.',
        "voice": "sara",
    }
    audioform = parse_audioform(data).audioform

    assert audioform.spoken_texts() == {
        "intro": "Good morning, here is the news.",
        "outro": 'Thanks <break time="1s"/> for listening.',
    }
    assert audioform.word_count() == 6 + 3
    assert count_words("  one\ntwo\tthree  ") == 3
    assert count_words("") == 0


def test_a_broken_asset_is_reported_once_not_again_through_its_references() -> None:
    data = valid_audioform()
    data["assets"]["narrator"] = {"voiceAlias": "sara"}  # no type; referred to by intro and respoken

    assert problems_of(data) == ["assets.narrator.type: Field required"]
