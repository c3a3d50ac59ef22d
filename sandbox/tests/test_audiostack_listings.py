"""AudioStack's voice and sound template lists: what they hold is exactly what a build accepts."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from audio_sandbox import SANDBOX_VOICES, SandboxServer
from audio_sandbox.audiostack.audioform import SANDBOX_SOUND_TEMPLATES

from .audiostack import call, loc_of, poll, stats, tts_audioform, url
from .conftest import submit, wait_built


def _listed(sandbox: SandboxServer, path: str, key: str, **params: str) -> list[dict[str, Any]]:
    response = call(sandbox, "GET", path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"metadata", "message", "data"}
    items: list[dict[str, Any]] = body["data"][key]
    return items


def _with_bed(**bed: str) -> dict[str, Any]:
    audioform = tts_audioform()
    audioform["assets"]["bed"] = {"type": "soundTemplate", **bed}
    audioform["production"]["arrangement"]["sections"][0]["layers"].append({"clips": [{"assetRef": "bed"}]})
    return audioform


def _errors(sandbox: SandboxServer, audioform: dict[str, Any]) -> list[str]:
    errors: list[str] = wait_built(sandbox, submit(sandbox, audioform))["data"]["errors"]
    return errors


def test_the_voice_list_holds_every_sandbox_voice_as_the_official_client_reads_it(
    sandbox: SandboxServer,
) -> None:
    voices = _listed(sandbox, "/speech/voice", "voices")
    assert [voice["alias"] for voice in voices] == list(SANDBOX_VOICES)
    assert all(voice["provider"] for voice in voices)


def test_the_template_list_holds_every_sandbox_template_under_sound_template_id(
    sandbox: SandboxServer,
) -> None:
    templates = _listed(sandbox, "/production/sound/template", "templates")
    assert [template["soundTemplateId"] for template in templates] == list(SANDBOX_SOUND_TEMPLATES)


def test_a_filtered_template_list_is_empty_as_no_template_carries_moods_or_genres(
    sandbox: SandboxServer,
) -> None:
    assert _listed(sandbox, "/production/sound/template", "templates", moods="happy") == []


@pytest.mark.parametrize("path", ["/speech/voice", "/production/sound/template"])
def test_the_lists_need_the_key(sandbox: SandboxServer, path: str) -> None:
    assert requests.get(url(sandbox, path), timeout=5).status_code == 401


def test_every_listed_voice_and_template_builds(sandbox: SandboxServer) -> None:
    voices = [voice["alias"] for voice in _listed(sandbox, "/speech/voice", "voices")]
    templates = [t["soundTemplateId"] for t in _listed(sandbox, "/production/sound/template", "templates")]
    for voice in voices:
        assert _errors(sandbox, tts_audioform(voice=voice)) == [], voice
    for template in templates:
        assert _errors(sandbox, _with_bed(soundTemplateAlias=template)) == [], template


def test_a_template_not_listed_fails_the_build_naming_the_asset(sandbox: SandboxServer) -> None:
    [error] = _errors(sandbox, _with_bed(soundTemplateAlias="nowhere_music"))
    assert loc_of(error) == ["assets", "bed"]
    assert "nowhere_music" in error and all(name in error for name in SANDBOX_SOUND_TEMPLATES)
    assert stats(sandbox)["audioforms"] == {"created": 1, "built": 0, "failed": 1}


def test_a_template_named_by_id_as_format_0_0_1_writes_it_is_judged_alike(sandbox: SandboxServer) -> None:
    assert _errors(sandbox, _with_bed(soundTemplateId="Cityscape")) == []  # case-insensitive, like voices
    [error] = _errors(sandbox, _with_bed(soundTemplateId="nowhere_music"))
    assert loc_of(error) == ["assets", "bed"]


def test_a_voice_asset_not_listed_fails_the_build_even_when_no_tts_names_it(sandbox: SandboxServer) -> None:
    audioform = tts_audioform()
    audioform["assets"]["spare"] = {"type": "voice", "voiceAlias": "nobody"}
    [error] = _errors(sandbox, audioform)
    assert loc_of(error) == ["assets", "spare"] and "nobody" in error


def test_a_brief_sound_design_not_listed_fails_its_ads(sandbox: SandboxServer) -> None:
    brief = {
        "script": {"scriptText": "Tea by the sea."},
        "sounds": {"soundDesign": [{"alias": "nowhere_music", "useSmartFit": True}]},
    }
    response = call(sandbox, "POST", "/creator/brief", {"numAds": 1, "brief": brief})
    assert response.status_code == 200, response.text
    [ad] = response.json()["data"]["audioforms"]
    assert ad["audioform"]["audioform"]["assets"]["bed"]["soundTemplateAlias"] == "nowhere_music"
    built = poll(sandbox, f"/audioforms/{ad['audioformId']}").json()["data"]
    [error] = built["errors"]
    assert loc_of(error) == ["assets", "bed"] and "nowhere_music" in error


def _speech(sandbox: SandboxServer) -> str:
    script = call(sandbox, "POST", "/content/script", {"scriptText": "Hello there."}).json()["data"]
    response = call(sandbox, "POST", "/speech/tts", {"scriptId": script["scriptId"], "voice": "sara"})
    assert response.status_code == 202, response.text
    speech_id: str = response.json()["data"]["speechId"]
    assert poll(sandbox, f"/speech/tts/{speech_id}").status_code == 200
    return speech_id


def test_a_mix_over_a_template_not_listed_is_refused(sandbox: SandboxServer) -> None:
    speech_id = _speech(sandbox)
    refused = call(sandbox, "POST", "/production/mix", {"speechId": speech_id, "soundTemplate": "nowhere"})
    assert refused.status_code == 400
    assert "soundTemplate" in refused.json()["message"] and "nowhere" in refused.json()["message"]
    listed = call(sandbox, "POST", "/production/mix", {"speechId": speech_id, "soundTemplate": "lofi"})
    assert listed.status_code == 202, listed.text
    assert stats(sandbox)["audiostack_jobs"]["mixes"] == 1
