"""AudioStack creator: briefs (ads as audioforms, from a brief or a library file) and stories."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .audiostack import call, is_mp3, locs, poll, stats, wait_uploaded, wav_seconds
from .conftest import STORY_SECONDS

PRODUCT = {
    "productName": "Fizzo",
    "productDescription": "a sparkling lemon drink",
    "adLength": 10,
    "callToAction": "Grab one today",
    "targetAudience": "runners",
}


def _brief(sandbox: SandboxServer, body: dict[str, Any]) -> requests.Response:
    return call(sandbox, "POST", "/creator/brief", body)


def _built(sandbox: SandboxServer, audioform_id: str) -> dict[str, Any]:
    response = poll(sandbox, f"/audioforms/{audioform_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_brief_writes_ads_that_build_into_real_audio(sandbox: SandboxServer) -> None:
    brief = {
        "script": PRODUCT,
        "voices": [{"alias": "joanna", "voicePreset": "warm"}, {"alias": "isaac"}],
        "sounds": {"soundDesign": [{"alias": "upbeat", "useSmartFit": True}]},
        "production": {"mixingPreset": "musicenhanced"},
        "delivery": {"encoderPreset": "wav", "loudnessPreset": "radio"},
    }
    response = _brief(sandbox, {"numAds": 2, "audioformVersion": "1", "brief": brief})
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["creditsUsed"] > 0  # the only credits key the official client reads
    ads = response.json()["data"]["audioforms"]
    assert len(ads) == 2
    texts = []
    for ad in ads:
        # Each ad as the vendor's brief fixtures show it: 202 and the audioform under "audioform" again.
        assert ad["statusCode"] == 202
        audioform = ad["audioform"]["audioform"]
        speech = audioform["assets"]["ad"]
        assert (
            speech["voice"] == "joanna" and "Fizzo" in speech["text"] and "Grab one today" in speech["text"]
        )
        assert audioform["assets"]["bed"]["type"] == "soundTemplate"
        assert audioform["production"]["mixingPreset"] == "musicenhanced"
        texts.append(speech["text"])
        data = _built(sandbox, ad["audioformId"])
        assert data["audioform"] == {**audioform, "header": {"version": "2"}} and data["errors"] == []
        assert data["result"]["delivery"]["loudnessPreset"] == "radio"
        seconds = wav_seconds(requests.get(data["result"]["delivery"]["uri"], timeout=5).content)
        assert 7.0 <= seconds <= 10.5  # written for adLength 10
    assert texts[0] != texts[1]  # each ad opens differently
    assert stats(sandbox)["audiostack_jobs"]["briefs"] == 1


def test_brief_defaults_three_ads_speaking_the_script_text_as_mp3(sandbox: SandboxServer) -> None:
    text = "Come to the fair this weekend. Bring the family!"
    body = {"brief": {"script": {"scriptText": text}, "delivery": {"encoderPreset": "mp3"}}}
    ads = _brief(sandbox, body).json()["data"]["audioforms"]
    assert len(ads) == 3
    for ad in ads:
        assert ad["audioform"]["audioform"]["assets"] == {
            "ad": {"type": "tts", "text": text, "voice": "sara"}
        }
        data = _built(sandbox, ad["audioformId"])
        assert is_mp3(requests.get(data["result"]["delivery"]["uri"], timeout=5).content)


def test_brief_with_an_unknown_voice_makes_ads_that_fail_to_build(sandbox: SandboxServer) -> None:
    body = {"numAds": 1, "brief": {"script": {"scriptText": "Hello."}, "voices": [{"alias": "nobody"}]}}
    ads = _brief(sandbox, body).json()["data"]["audioforms"]
    data = _built(sandbox, ads[0]["audioformId"])
    assert data["result"] == {} and "nobody" in data["errors"][0]


def _library_file(sandbox: SandboxServer, name: str, content: bytes) -> str:
    created = call(sandbox, "POST", "/files", {"file_name": name}).json()
    put = requests.put(
        created["uploadUrl"], data=content, headers={"Content-Type": created["mimeType"]}, timeout=5
    )
    assert put.status_code == 200
    assert wait_uploaded(sandbox, created["fileId"])["status"] == "uploaded"
    file_id: str = created["fileId"]
    return file_id


def test_brief_from_a_library_file(sandbox: SandboxServer) -> None:
    as_json = _library_file(sandbox, "brief.json", json.dumps({"script": PRODUCT}).encode())
    ads = _brief(sandbox, {"numAds": 1, "fileId": as_json}).json()["data"]["audioforms"]
    assert "Fizzo" in ads[0]["audioform"]["audioform"]["assets"]["ad"]["text"]
    as_text = _library_file(sandbox, "brief.txt", b"Our shop opens at nine.")
    ads = _brief(sandbox, {"numAds": 1, "fileId": as_text}).json()["data"]["audioforms"]
    assert ads[0]["audioform"]["audioform"]["assets"]["ad"]["text"] == "Our shop opens at nine."
    assert _built(sandbox, ads[0]["audioformId"])["errors"] == []

    missing = _brief(sandbox, {"fileId": "no-such-file"})
    assert missing.status_code == 404 and "no-such-file" in missing.json()["message"]
    bad_json = _library_file(sandbox, "bad.json", json.dumps({"script": {"adLength": 12}}).encode())
    assert ["fileId", "script", "adLength"] in locs(_brief(sandbox, {"fileId": bad_json}))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ["brief"]),
        ({"brief": {"script": {"scriptText": "Hi"}}, "fileId": "f"}, ["brief"]),
        ({"fileId": ""}, ["fileId"]),
        ({"numAds": 0, "fileId": "f"}, ["numAds"]),
        ({"numAds": 6, "fileId": "f"}, ["numAds"]),
        ({"numAds": "3", "fileId": "f"}, ["numAds"]),
        ({"numAds": True, "fileId": "f"}, ["numAds"]),
        ({"audioformVersion": 2, "fileId": "f"}, ["audioformVersion"]),
        ({"brief": "text"}, ["brief"]),
        ({"brief": {}}, ["brief", "script"]),
        ({"brief": {"script": {"scriptText": " "}}}, ["brief", "script", "scriptText"]),
        ({"brief": {"script": {"productName": "X"}}}, ["brief", "script", "productDescription"]),
        ({"brief": {"script": {**PRODUCT, "adLength": 12}}}, ["brief", "script", "adLength"]),
        ({"brief": {"script": {**PRODUCT, "thirdPerson": "no"}}}, ["brief", "script", "thirdPerson"]),
        ({"brief": {"script": {**PRODUCT, "lang": 1}}}, ["brief", "script", "lang"]),
        ({"brief": {"script": PRODUCT, "voices": [{"alias": ""}]}}, ["brief", "voices", 0, "alias"]),
        ({"brief": {"script": PRODUCT, "voices": {"alias": "sara"}}}, ["brief", "voices"]),
        (
            {"brief": {"script": PRODUCT, "sounds": {"soundDesign": [{"alias": 3}]}}},
            ["brief", "sounds", "soundDesign", 0, "alias"],
        ),
        (
            {"brief": {"script": PRODUCT, "sounds": {"soundDesign": [{"alias": "a", "useSmartFit": 1}]}}},
            ["brief", "sounds", "soundDesign", 0, "useSmartFit"],
        ),
        (
            {"brief": {"script": PRODUCT, "production": {"mixingPreset": "loud"}}},
            ["brief", "production", "mixingPreset"],
        ),
        ({"brief": {"script": PRODUCT, "delivery": {"public": "yes"}}}, ["brief", "delivery", "public"]),
    ],
)
def test_brief_validation_names_the_field(
    sandbox: SandboxServer, body: dict[str, Any], expected: list[Any]
) -> None:
    assert expected in locs(_brief(sandbox, body))
    assert stats(sandbox)["audioforms"]["created"] == 0


def _story(chapters: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    voices = [
        {"speakerIdentifier": "narrator", "alias": "matthew"},
        {"speakerIdentifier": "kid", "alias": "aria"},
    ]
    return {"story": {"title": "A tale", "voices": voices, "chapters": chapters, **extra}}


def _chapter(*lines: tuple[str, str], background: bool = False) -> dict[str, Any]:
    narrative: dict[str, Any] = {
        "foreground": [{"speakerIdentifier": who, "text": text} for who, text in lines]
    }
    if background:
        narrative["background1"] = [{"alias": "rain"}]
    return {"title": "Chapter", "narratives": [narrative]}


def test_story_builds_one_audioform_per_chapter(sandbox: SandboxServer) -> None:
    short = _chapter(("narrator", "It was a quiet night."))
    long_text = " ".join(f"word{i}" for i in range(40)) + "."
    long = _chapter(("narrator", "Then the storm came."), ("kid", long_text), background=True)
    submitted = call(sandbox, "POST", "/creator/story", _story([short, long]))
    assert submitted.status_code == 202, submitted.text
    story_id = submitted.json()["data"]["storyId"]
    building = call(sandbox, "GET", f"/creator/story/{story_id}")
    assert building.status_code == 202 and building.json()["message"]
    assert building.json()["data"] == {"storyId": story_id, "statusCode": 202}

    done = poll(sandbox, f"/creator/story/{story_id}", timeout=STORY_SECONDS + 10)
    assert done.status_code == 200
    data = done.json()["data"]
    assert data["storyId"] == story_id and data["statusCode"] == 200
    assert data["storyResult"]["chapters"] == 2 and len(data["audioforms"]) == 2
    seconds = []
    for audioform in data["audioforms"]:
        # Story output is version "3" of the format: everything placed in time.
        assert audioform["header"]["version"] == "3"
        assert audioform["production"]["arrangement"]["duration"] > 0
        assert audioform["delivery"]["extension"] == "wav"
        seconds.append(wav_seconds(requests.get(audioform["delivery"]["uri"], timeout=5).content))
        chapter = poll(sandbox, f"/audioforms/{audioform['header']['audioformId']}").json()["data"]
        assert chapter["result"]["delivery"]["uri"] == audioform["delivery"]["uri"]
    assert seconds[1] > seconds[0] + 10  # the longer chapter says 40 more words
    assert data["storyResult"]["durationSeconds"] == pytest.approx(sum(seconds), abs=0.01)
    assert stats(sandbox)["audiostack_jobs"]["stories"] == 1


@pytest.mark.parametrize(
    ("story", "needle"),
    [
        (_story([_chapter(("stranger", "Who is there?"))]), "stranger"),
        (
            {
                "story": {
                    "voices": [{"speakerIdentifier": "n", "alias": "robot"}],
                    "chapters": [_chapter(("n", "Hi."))],
                }
            },
            "robot",
        ),
        (_story([_chapter(("narrator", "Hi."))], delivery={"encoderPreset": "flac"}), "flac"),
    ],
)
def test_a_failed_story_is_http_200_with_an_inner_500(
    sandbox: SandboxServer, story: dict[str, Any], needle: str
) -> None:
    story_id = call(sandbox, "POST", "/creator/story", story).json()["data"]["storyId"]
    assert call(sandbox, "GET", f"/creator/story/{story_id}").status_code == 202
    done = poll(sandbox, f"/creator/story/{story_id}", timeout=STORY_SECONDS + 10)
    assert done.status_code == 200
    data = done.json()["data"]
    assert data["statusCode"] == 500 and needle in data["message"] and "audioforms" not in data


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ["story"]),
        ({"story": {"chapters": []}}, ["story", "chapters"]),
        ({"story": {"chapters": [{"narratives": []}]}}, ["story", "chapters", 0, "narratives"]),
        (
            {"story": {"chapters": [{"narratives": [{"foreground": []}]}]}},
            ["story", "chapters", 0, "narratives", 0, "foreground"],
        ),
        (
            {"story": {"chapters": [{"narratives": [{"foreground": [{"text": ""}]}]}]}},
            ["story", "chapters", 0, "narratives", 0, "foreground", 0, "text"],
        ),
        (
            {
                "story": {
                    "chapters": [{"narratives": [{"foreground": [{"text": "a"}], "background1": "rain"}]}]
                }
            },
            ["story", "chapters", 0, "narratives", 0, "background1"],
        ),
        (
            {
                **_story([_chapter(("narrator", "Hi."))]),
                "story": {"voices": [{"alias": "sara"}], "chapters": [_chapter(("narrator", "Hi."))]},
            },
            ["story", "voices", 0, "speakerIdentifier"],
        ),
        ({"story": {"chapters": [_chapter(("n", "Hi."))], "delivery": "wav"}}, ["story", "delivery"]),
    ],
)
def test_story_validation_names_the_path(
    sandbox: SandboxServer, body: dict[str, Any], expected: list[Any]
) -> None:
    assert expected in locs(call(sandbox, "POST", "/creator/story", body))
    assert stats(sandbox)["audiostack_jobs"]["stories"] == 0


def test_unknown_story_is_404(sandbox: SandboxServer) -> None:
    response = call(sandbox, "GET", "/creator/story/nope")
    assert response.status_code == 404 and "nope" in response.json()["message"]
