"""AudioStack's classic pipeline (scripts, text to speech, mix, encoding) and the usage report."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .audiostack import call, is_mp3, loc_of, locs, patch_settings, poll, stats, tts_audioform, wav_seconds
from .conftest import WORDS_PER_MINUTE

TWO_SECTIONS = (
    '<as:section name="intro">Welcome to the show.</as:section>\n'
    "<as:section name='main'>Today we talk about sandboxes, and why tests love them. "
    '<as:break time="1s"/> That is all.</as:section>'
)


def _script(sandbox: SandboxServer, text: str = TWO_SECTIONS, **fields: Any) -> dict[str, Any]:
    response = call(sandbox, "POST", "/content/script", {"scriptText": text, **fields})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _start(sandbox: SandboxServer, path: str, body: dict[str, Any], key: str) -> str:
    response = call(sandbox, "POST", path, body)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["data"][key]
    return job_id


def _finished(sandbox: SandboxServer, path: str) -> dict[str, Any]:
    response = poll(sandbox, path)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_script_sections_and_versions(sandbox: SandboxServer) -> None:
    script = _script(
        sandbox, projectName="radio", moduleName="mornings", scriptName="ep1", metadata={"k": "v"}
    )
    assert script["version"] == "1"
    assert (script["projectName"], script["moduleName"], script["scriptName"]) == ("radio", "mornings", "ep1")
    assert script["metadata"] == {"k": "v"}
    assert [s["sectionName"] for s in script["sections"]] == ["intro", "main"]
    assert script["sections"][0]["content"] == "Welcome to the show."
    script_id = script["scriptId"]

    plain = _script(sandbox, "No markup here.")
    assert plain["sections"] == [{"sectionName": "default", "content": "No markup here."}]
    assert plain["projectName"] == "default"

    updated = call(
        sandbox, "PUT", "/content/script", {"scriptId": script_id, "scriptText": "Version one, edited."}
    )
    assert updated.status_code == 200 and updated.json()["data"]["version"] == "1"
    second = call(
        sandbox, "PUT", "/content/script", {"scriptId": script_id, "scriptText": "Second.", "version": "2"}
    )
    assert second.json()["data"]["version"] == "2"
    assert call(sandbox, "GET", f"/content/script/{script_id}").json()["data"]["scriptText"] == "Second."
    first = call(sandbox, "GET", f"/content/script/{script_id}/1").json()["data"]
    assert (first["version"], first["scriptText"]) == ("1", "Version one, edited.")
    assert call(sandbox, "GET", f"/content/script/{script_id}/9").status_code == 404

    listed = call(
        sandbox, "GET", "/content/scripts", params={"projectName": "radio", "moduleName": "mornings"}
    )
    assert [s["scriptId"] for s in listed.json()["data"]["scripts"]] == [script_id]
    assert len(call(sandbox, "GET", "/content/scripts").json()["data"]["scripts"]) == 2
    assert (
        call(sandbox, "GET", "/content/scripts", params={"scriptName": "nope"}).json()["data"]["scripts"]
        == []
    )

    deleted = call(sandbox, "DELETE", f"/content/script/{script_id}")
    assert deleted.status_code == 200 and deleted.json()["message"]
    assert call(sandbox, "GET", f"/content/script/{script_id}").status_code == 404
    assert call(sandbox, "DELETE", f"/content/script/{script_id}").status_code == 404
    missing = call(sandbox, "PUT", "/content/script", {"scriptId": script_id, "scriptText": "x"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "text",
    [
        '<as:section name="a">never closed',
        '<as:section name="a">one <as:section name="b">two</as:section></as:section>',
        "<as:section>no name</as:section>",
        '<as:section name="">empty name</as:section>',
        'stray <as:section name="a">text</as:section>',
        '<as:section name="a">text</as:section> trailing',
        '<as:section name="a">x</as:section><as:section name="a">y</as:section>',
        "text </as:section>",
        '<as:section name="a"></as:section>',
        '<as:section name="a">x</as:section',
    ],
)
def test_malformed_markup_is_400_naming_script_text(sandbox: SandboxServer, text: str) -> None:
    response = call(sandbox, "POST", "/content/script", {"scriptText": text})
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("scriptText")
    assert loc_of(response.json()["errors"][0]) == ["scriptText"]
    assert stats(sandbox)["audiostack_jobs"]["scripts"] == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ["scriptText"]),
        ({"scriptText": " "}, ["scriptText"]),
        ({"scriptText": "Hi", "projectName": 3}, ["projectName"]),
        ({"scriptText": "Hi", "metadata": []}, ["metadata"]),
    ],
)
def test_script_validation(sandbox: SandboxServer, body: dict[str, Any], expected: list[str]) -> None:
    assert expected in locs(call(sandbox, "POST", "/content/script", body))


def test_tts_mix_encode_end_to_end(sandbox: SandboxServer) -> None:
    script_id = _script(sandbox)["scriptId"]
    speech_id = _start(
        sandbox, "/speech/tts", {"scriptId": script_id, "voice": "sara", "speed": 1.0}, "speechId"
    )
    building = call(sandbox, "GET", f"/speech/tts/{speech_id}")
    assert building.status_code == 202 and building.json()["data"] == {"speechId": speech_id}

    speech = _finished(sandbox, f"/speech/tts/{speech_id}")
    assert (speech["speechId"], speech["scriptId"], speech["voice"]) == (speech_id, script_id, "sara")
    sections = speech["sections"]
    assert [s["sectionName"] for s in sections] == ["intro", "main"]
    lengths = [wav_seconds(requests.get(s["url"], timeout=5).content) for s in sections]
    assert lengths == pytest.approx([s["duration"] for s in sections], abs=0.001)
    # "Welcome to the show." is 4 words; the main section 13 words in 2 sentences (its tag is not read).
    assert lengths[0] == pytest.approx(4 * 60 / WORDS_PER_MINUTE + 0.4, abs=0.05)
    assert lengths[1] == pytest.approx(13 * 60 / WORDS_PER_MINUTE + 0.8, abs=0.05)

    production_id = _start(
        sandbox, "/production/mix", {"speechId": speech_id, "soundTemplate": "lofi"}, "productionId"
    )
    assert call(sandbox, "GET", f"/production/mix/{production_id}").status_code == 202
    mixed = _finished(sandbox, f"/production/mix/{production_id}")
    assert mixed["productionId"] == production_id and len(mixed["files"]) == 1
    file = mixed["files"][0]
    assert file["format"] == "wav" and file["filename"]
    assert wav_seconds(requests.get(file["url"], timeout=5).content) == pytest.approx(sum(lengths), abs=0.05)

    mp3_id = _start(
        sandbox, "/delivery/encoder", {"productionId": production_id, "preset": "mp3_high"}, "encoderId"
    )
    wav_id = _start(
        sandbox, "/delivery/encoder", {"productionId": production_id, "preset": "wav"}, "encoderId"
    )
    assert call(sandbox, "GET", f"/delivery/encoder/{mp3_id}").status_code == 202
    encoded = _finished(sandbox, f"/delivery/encoder/{mp3_id}")
    assert (encoded["encoderId"], encoded["format"]) == (mp3_id, "mp3")
    assert is_mp3(requests.get(encoded["url"], timeout=5).content)
    as_wav = _finished(sandbox, f"/delivery/encoder/{wav_id}")
    assert as_wav["format"] == "wav"
    assert wav_seconds(requests.get(as_wav["url"], timeout=5).content) == pytest.approx(
        sum(lengths), abs=0.05
    )


def test_mix_by_script_id_uses_its_latest_speech_and_a_mix_without_bed(sandbox: SandboxServer) -> None:
    script_id = _script(sandbox, "One two three four.")["scriptId"]
    no_speech = call(sandbox, "POST", "/production/mix", {"scriptId": script_id})
    assert no_speech.status_code == 400 and "speech" in no_speech.json()["message"]
    speech_id = _start(
        sandbox, "/speech/tts", {"scriptId": script_id, "voice": "wren", "speed": 2}, "speechId"
    )
    speech = _finished(sandbox, f"/speech/tts/{speech_id}")
    production_id = _start(sandbox, "/production/mix", {"scriptId": script_id}, "productionId")
    mixed = _finished(sandbox, f"/production/mix/{production_id}")
    assert mixed["speechId"] == speech_id
    seconds = wav_seconds(requests.get(mixed["files"][0]["url"], timeout=5).content)
    assert seconds == pytest.approx(speech["sections"][0]["duration"], abs=0.01)
    assert seconds == pytest.approx(4 * 60 / (2 * WORDS_PER_MINUTE) + 0.4, abs=0.05)


def test_classic_failure_paths(sandbox: SandboxServer) -> None:
    assert call(sandbox, "POST", "/speech/tts", {"scriptId": "nope", "voice": "sara"}).status_code == 404
    script_id = _script(sandbox, "Short.")["scriptId"]

    bad_voice = _start(sandbox, "/speech/tts", {"scriptId": script_id, "voice": "nobody"}, "speechId")
    failed = _finished(sandbox, f"/speech/tts/{bad_voice}")
    assert failed["speechId"] == bad_voice and "nobody" in failed["errors"][0]
    assert "sections" not in failed
    of_failed = call(sandbox, "POST", "/production/mix", {"speechId": bad_voice})
    assert of_failed.status_code == 400 and "failed" in of_failed.json()["message"]

    patch_settings(sandbox, build_seconds=30)
    slow = _start(sandbox, "/speech/tts", {"scriptId": script_id, "voice": "sara"}, "speechId")
    unfinished = call(sandbox, "POST", "/production/mix", {"speechId": slow})
    assert unfinished.status_code == 400 and "still" in unfinished.json()["message"]
    assert call(sandbox, "POST", "/production/mix", {"speechId": "nope"}).status_code == 404
    assert call(sandbox, "POST", "/production/mix", {"scriptId": "nope"}).status_code == 404
    patch_settings(sandbox, build_seconds=0.3)

    good = _start(sandbox, "/speech/tts", {"scriptId": script_id, "voice": "sara"}, "speechId")
    _finished(sandbox, f"/speech/tts/{good}")
    patch_settings(sandbox, build_seconds=30)
    production_id = _start(sandbox, "/production/mix", {"speechId": good}, "productionId")
    not_mixed = call(sandbox, "POST", "/delivery/encoder", {"productionId": production_id, "preset": "mp3"})
    assert not_mixed.status_code == 400 and "still" in not_mixed.json()["message"]
    assert (
        call(sandbox, "POST", "/delivery/encoder", {"productionId": "nope", "preset": "mp3"}).status_code
        == 404
    )
    patch_settings(sandbox, build_seconds=0.3)

    production_id = _start(sandbox, "/production/mix", {"speechId": good}, "productionId")
    _finished(sandbox, f"/production/mix/{production_id}")
    ogg = call(sandbox, "POST", "/delivery/encoder", {"productionId": production_id, "preset": "ogg"})
    assert ogg.status_code == 202 and ogg.json()["warnings"] == []
    failed_encoding = _finished(sandbox, f"/delivery/encoder/{ogg.json()['data']['encoderId']}")
    assert "ogg" in failed_encoding["errors"][0] and "url" not in failed_encoding
    odd = call(sandbox, "POST", "/delivery/encoder", {"productionId": production_id, "preset": "aiff"})
    assert odd.json()["warnings"] == ["Unknown preset 'aiff'"]
    assert _finished(sandbox, f"/delivery/encoder/{odd.json()['data']['encoderId']}")["errors"]

    for path in ("/speech/tts/nope", "/production/mix/nope", "/delivery/encoder/nope"):
        missing = call(sandbox, "GET", path)
        assert missing.status_code == 404 and "nope" in missing.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/speech/tts", {"voice": "sara"}, ["scriptId"]),
        ("/speech/tts", {"scriptId": "s"}, ["voice"]),
        ("/speech/tts", {"scriptId": "s", "voice": "sara", "speed": 0}, ["speed"]),
        ("/speech/tts", {"scriptId": "s", "voice": "sara", "speed": "fast"}, ["speed"]),
        ("/production/mix", {}, ["speechId"]),
        ("/production/mix", {"speechId": "a", "scriptId": "b"}, ["speechId"]),
        ("/production/mix", {"speechId": ""}, ["speechId"]),
        ("/production/mix", {"speechId": "a", "public": "yes"}, ["public"]),
        ("/production/mix", {"speechId": "a", "soundTemplate": 1}, ["soundTemplate"]),
        ("/delivery/encoder", {"preset": "mp3"}, ["productionId"]),
        ("/delivery/encoder", {"productionId": "p"}, ["preset"]),
        (
            "/delivery/encoder",
            {"productionId": "p", "preset": "mp3", "loudnessPreset": 3},
            ["loudnessPreset"],
        ),
    ],
)
def test_classic_validation(
    sandbox: SandboxServer, path: str, body: dict[str, Any], expected: list[str]
) -> None:
    assert expected in locs(call(sandbox, "POST", path, body))


def test_presets(sandbox: SandboxServer) -> None:
    mix = call(sandbox, "GET", "/production/mix/presets").json()["data"]["presets"]
    assert {"balanced", "musicenhanced", "voiceenhanced"} <= set(mix)
    encoder = call(sandbox, "GET", "/delivery/encoder/presets").json()["data"]["presets"]
    assert {"mp3", "wav", "mp3_alexa", "ogg", "flac"} <= set(encoder)


def test_usage_and_stats_count_real_work_and_reset_clears_them(sandbox: SandboxServer) -> None:
    ok = call(sandbox, "POST", "/audioforms", {"audioform": tts_audioform("One two.")}).json()["data"][
        "audioformId"
    ]
    bad = call(sandbox, "POST", "/audioforms", {"audioform": tts_audioform(voice="nobody")}).json()["data"][
        "audioformId"
    ]
    poll(sandbox, f"/audioforms/{ok}")
    poll(sandbox, f"/audioforms/{bad}")
    call(sandbox, "POST", "/audioforms/batches", {"items": [{"name": "a", "audioform": tts_audioform()}]})
    call(sandbox, "POST", "/files", {"file_name": "a.wav"})
    script_id = _script(sandbox, "Count these four words.")["scriptId"]
    speech_id = _start(sandbox, "/speech/tts", {"scriptId": script_id, "voice": "sara"}, "speechId")
    _finished(sandbox, f"/speech/tts/{speech_id}")
    production_id = _start(sandbox, "/production/mix", {"speechId": speech_id}, "productionId")
    _finished(sandbox, f"/production/mix/{production_id}")
    _start(sandbox, "/delivery/encoder", {"productionId": production_id, "preset": "wav"}, "encoderId")

    usage = call(sandbox, "GET", "/v2/analytics/usage")
    assert usage.status_code == 200, usage.text
    data = usage.json()["data"]
    assert data["audioforms"] == {"created": 3, "built": 1, "failed": 1}
    assert (data["batches"], data["stories"], data["files"]) == (1, 0, 1)
    assert (data["speech"], data["mixes"], data["encodings"]) == (1, 1, 1)
    remaining = stats(sandbox)["credits"]["audiostack"]
    assert data["credits"]["remaining"] == remaining
    assert data["credits"]["used"] == pytest.approx(100_000 - remaining) and data["credits"]["used"] > 0
    jobs = stats(sandbox)["audiostack_jobs"]
    assert jobs == {
        "batches": 1,
        "briefs": 0,
        "stories": 0,
        "files": 1,
        "scripts": 1,
        "speech": 1,
        "mixes": 1,
        "encodings": 1,
    }
    assert call(sandbox, "GET", "/v2/analytics/usage", headers={"x-api-key": "wrong"}).status_code == 401

    requests.post(sandbox.base_url + "/_sandbox/reset", timeout=5).raise_for_status()
    assert set(stats(sandbox)["audiostack_jobs"].values()) == {0}
    assert call(sandbox, "GET", f"/content/script/{script_id}").status_code == 404
    assert call(sandbox, "GET", f"/speech/tts/{speech_id}").status_code == 404
    after = call(sandbox, "GET", "/v2/analytics/usage").json()["data"]
    assert after["credits"]["used"] == 0 and after["files"] == 0
