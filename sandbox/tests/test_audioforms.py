"""AudioStack audioforms: submission, validation, the 202 -> 200 build, failures and delivery."""

from __future__ import annotations

import io
import threading
import time
import wave
from typing import Any

import pytest
import requests
from audio_sandbox import SANDBOX_VOICES, SandboxServer
from audio_sandbox.audiostack import audioform as audioform_module
from audio_sandbox.audiostack import audioforms as audiostack_module

from .audiostack import loc_of
from .conftest import BUILD_SECONDS, WORDS_PER_MINUTE, audiostack_headers, make_audioform, submit, wait_built


def _post(
    sandbox: SandboxServer, body: Any, *, path: str = "/audioforms", raw: bytes | None = None
) -> requests.Response:
    url = sandbox.service_url("audiostack") + path
    if raw is not None:
        return requests.post(url, data=raw, headers=audiostack_headers(), timeout=5)
    return requests.post(url, json=body, headers=audiostack_headers(), timeout=5)


def _get(sandbox: SandboxServer, audioform_id: str, **headers: str) -> requests.Response:
    url = f"{sandbox.service_url('audiostack')}/audioforms/{audioform_id}"
    return requests.get(url, headers=headers, timeout=5)


def _wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert wav.getframerate() == 22050
        frames: int = wav.getnframes()
        return frames / 22050


def _sentence(words: int) -> str:
    return " ".join(f"word{i}" for i in range(words - 1)) + " end."


def test_submit_answers_202_with_metadata(sandbox: SandboxServer) -> None:
    response = _post(sandbox, {"audioform": make_audioform(_sentence(50))})
    assert response.status_code == 202
    body = response.json()
    assert body["message"] == "Audioform submitted"
    assert body["warnings"] == []
    assert body["metadata"]["requestId"] == response.headers["x-request-id"]
    assert body["metadata"]["version"] == "2"
    assert body["metadata"]["creditUsed"] == pytest.approx(0.5)
    assert isinstance(body["metadata"]["creditsRemaining"], float)
    assert body["data"]["audioformId"]


def test_trailing_slash_route_is_the_same_endpoint_and_one_counter(sandbox: SandboxServer) -> None:
    assert _post(sandbox, {"audioform": make_audioform()}, path="/audioforms/").status_code == 202
    assert _post(sandbox, {"audioform": make_audioform()}, path="/audioforms").status_code == 202
    stats = requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).json()
    assert stats["requests"]["POST /audiostack/audioforms"] == 2
    assert stats["audioforms"]["created"] == 2


def test_build_goes_from_202_to_200_and_delivers_a_wav(sandbox: SandboxServer) -> None:
    audioform = make_audioform("Short text. Two sentences!", bed=True, extra_field={"kept": [1, 2]})
    submitted_at = time.monotonic()
    audioform_id = submit(sandbox, audioform)
    building = _get(sandbox, audioform_id, **audiostack_headers())
    assert building.status_code == 202
    assert building.json()["message"] == "Audioform is being built"
    assert building.json()["audioformId"] == audioform_id

    body = wait_built(sandbox, audioform_id)
    assert time.monotonic() - submitted_at >= BUILD_SECONDS
    data = body["data"]
    assert body["message"] == "Audioform built"
    assert data["audioformId"] == audioform_id
    # In the format version the poll asked for ("2"); unknown fields pass untouched.
    assert data["audioform"] == {**audioform, "header": {"version": "2"}}
    assert data["errors"] == []
    delivery = data["result"]["delivery"]
    assert delivery["extension"] == "wav"
    assert delivery["encoderPreset"] == "wav"
    assert delivery["loudnessPreset"] == "podcast"
    assert delivery["public"] is True
    assert delivery["uri"].startswith(sandbox.base_url + "/audiostack/")

    # The delivered file is public: no key needed.
    file = requests.get(delivery["uri"], timeout=5)
    assert file.status_code == 200
    assert file.headers["content-type"] == "audio/wav"
    assert int(file.headers["content-length"]) == len(file.content)
    assert _wav_seconds(file.content) == pytest.approx(data["result"]["durationSeconds"], abs=0.001)

    stats = requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).json()
    assert stats["audioforms"] == {"created": 1, "built": 1, "failed": 0}


def test_audio_length_follows_the_text(sandbox: SandboxServer) -> None:
    durations = {}
    for words in (20, 80):
        audioform_id = submit(sandbox, make_audioform(_sentence(words)))
        body = wait_built(sandbox, audioform_id)
        file = requests.get(body["data"]["result"]["delivery"]["uri"], timeout=5)
        durations[words] = _wav_seconds(file.content)
        # One sentence: words at the speech rate plus one sentence-end pause.
        assert durations[words] == pytest.approx(words / WORDS_PER_MINUTE * 60 + 0.4, abs=0.05)
    assert durations[80] > 3 * durations[20]


def test_speech_rate_knob_changes_the_length(sandbox: SandboxServer) -> None:
    requests.patch(sandbox.base_url + "/_sandbox/settings", json={"words_per_minute": 320}, timeout=5)
    body = wait_built(sandbox, submit(sandbox, make_audioform(_sentence(80))))
    assert body["data"]["result"]["durationSeconds"] == pytest.approx(80 / 320 * 60 + 0.4, abs=0.05)


@pytest.mark.parametrize("preset", ["mp3", "mp3_alexa", "mp3_very_high"])
def test_mp3_delivery_is_real_mp3(sandbox: SandboxServer, preset: str) -> None:
    body = wait_built(sandbox, submit(sandbox, make_audioform(_sentence(30), encoder=preset)))
    delivery = body["data"]["result"]["delivery"]
    assert delivery["extension"] == "mp3"
    file = requests.get(delivery["uri"], timeout=5)
    assert file.headers["content-type"] == "audio/mpeg"
    data = file.content
    assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def test_default_encoder_is_mp3(sandbox: SandboxServer) -> None:
    body = wait_built(sandbox, submit(sandbox, make_audioform(encoder=None)))
    assert body["data"]["result"]["delivery"]["encoderPreset"] == "mp3"
    assert body["data"]["result"]["delivery"]["uri"].endswith(".mp3")


def test_unknown_voice_fails_the_build(sandbox: SandboxServer) -> None:
    body = wait_built(sandbox, submit(sandbox, make_audioform(voice="nobody")))
    # The vendor's failed build: an empty result and the reasons as texts (the official client joins them).
    assert body["data"]["result"] == {}
    [error] = body["data"]["errors"]
    assert loc_of(error) == ["assets", "speech"]
    assert "nobody" in error
    assert all(voice in error for voice in SANDBOX_VOICES)
    stats = requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).json()
    assert stats["audioforms"] == {"created": 1, "built": 0, "failed": 1}


def _with_voice_asset(voice_alias: str) -> dict[str, Any]:
    audioform = make_audioform()
    speech = audioform["assets"]["speech"]
    del speech["voice"]
    speech["voiceRef"] = "narrator"
    audioform["assets"]["narrator"] = {"type": "voice", "voiceAlias": voice_alias}
    return audioform


def test_voice_asset_named_by_voice_ref_is_spoken(sandbox: SandboxServer) -> None:
    body = wait_built(sandbox, submit(sandbox, _with_voice_asset("wren")))
    assert body["data"]["errors"] == []
    assert body["data"]["result"]["delivery"]["uri"]


def test_unknown_voice_alias_behind_voice_ref_fails_the_build(sandbox: SandboxServer) -> None:
    body = wait_built(sandbox, submit(sandbox, _with_voice_asset("nobody")))
    [error] = body["data"]["errors"]  # named once, on the voice asset that holds the alias
    assert loc_of(error) == ["assets", "narrator"] and "nobody" in error


def test_voice_ref_must_name_a_voice_asset(sandbox: SandboxServer) -> None:
    audioform = _with_voice_asset("sara")
    audioform["assets"]["speech"]["voiceRef"] = "missing"
    response = _post(sandbox, {"audioform": audioform})
    assert response.status_code == 422
    assert loc_of(response.json()["errors"][0]) == ["audioform", "assets", "speech", "voiceRef"]


def test_voice_names_are_case_insensitive(sandbox: SandboxServer) -> None:
    body = wait_built(sandbox, submit(sandbox, make_audioform(voice="Joanna")))
    assert body["data"]["errors"] == []


@pytest.mark.parametrize("preset", ["ogg", "flac", "aiff_unheard_of"])
def test_unencodable_preset_fails_the_build(sandbox: SandboxServer, preset: str) -> None:
    body = wait_built(sandbox, submit(sandbox, make_audioform(encoder=preset)))
    assert body["data"]["result"] == {}
    [error] = body["data"]["errors"]
    assert loc_of(error) == ["delivery", "encoderPreset"]
    assert preset in error


def test_no_delivery_for_a_failed_build(sandbox: SandboxServer) -> None:
    audioform_id = submit(sandbox, make_audioform(encoder="ogg"))
    wait_built(sandbox, audioform_id)
    response = requests.get(f"{sandbox.service_url('audiostack')}/delivery/{audioform_id}.ogg", timeout=5)
    assert response.status_code == 404


def _mutated(change: str) -> dict[str, Any]:
    audioform = make_audioform()
    production = audioform["production"]
    if change == "missing_asset":
        production["arrangement"]["sections"][0]["layers"][0]["clips"][0]["assetRef"] = "ghost"
    elif change == "empty_sections":
        production["arrangement"]["sections"] = []
    elif change == "tts_without_text":
        del audioform["assets"]["speech"]["text"]
    elif change == "wrong_mixing_preset":
        production["mixingPreset"] = "loud"
    elif change == "empty_layers":
        production["arrangement"]["sections"][0]["layers"] = []
    elif change == "empty_clips":
        production["arrangement"]["sections"][0]["layers"][0]["clips"] = []
    elif change == "bad_asset_type":
        audioform["assets"]["speech"]["type"] = "hologram"
    elif change == "no_assets":
        audioform["assets"] = {}
    elif change == "version_not_string":
        audioform["header"]["version"] = 1
    return audioform


@pytest.mark.parametrize(
    ("change", "loc_tail"),
    [
        ("missing_asset", ["clips", 0, "assetRef"]),
        ("empty_sections", ["arrangement", "sections"]),
        ("tts_without_text", ["speech", "text"]),
        ("wrong_mixing_preset", ["production", "mixingPreset"]),
        ("empty_layers", [0, "layers"]),
        ("empty_clips", [0, "clips"]),
        ("bad_asset_type", ["speech", "type"]),
        ("no_assets", ["assets"]),
        ("version_not_string", ["header", "version"]),
    ],
)
def test_invalid_audioforms_get_422(sandbox: SandboxServer, change: str, loc_tail: list[Any]) -> None:
    response = _post(sandbox, {"audioform": _mutated(change)})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"] == "Validation error"
    locs = [loc_of(error) for error in body["errors"]]
    assert any(loc[0] == "audioform" and loc[-len(loc_tail) :] == loc_tail for loc in locs), locs
    stats = requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).json()
    assert stats["audioforms"]["created"] == 0


@pytest.mark.parametrize(("body", "raw"), [(None, b"not json"), ({"audio": {}}, None), ([1, 2], None)])
def test_bad_bodies_get_400(sandbox: SandboxServer, body: Any, raw: bytes | None) -> None:
    response = _post(sandbox, body, raw=raw)
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("version", [None, "4", "v2", "0.0.2"])
def test_poll_without_a_valid_version_header_gets_422(sandbox: SandboxServer, version: str | None) -> None:
    audioform_id = submit(sandbox, make_audioform())
    headers = audiostack_headers()
    del headers["version"]
    if version is not None:
        headers["version"] = version
    response = _get(sandbox, audioform_id, **headers)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert loc_of(error) == ["header", "version"]
    assert "0.0.1, 1, 2, 3" in error


def test_unknown_audioform_is_404(sandbox: SandboxServer) -> None:
    response = _get(sandbox, "00000000-0000-0000-0000-000000000000", **audiostack_headers())
    assert response.status_code == 404
    assert response.json()["errors"] == []
    assert response.headers["x-request-id"]


def test_poll_answers_202_while_the_render_is_still_running(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_build = audioform_module.build

    def slow_build(audioform: dict[str, Any], words_per_minute: float) -> audioform_module.BuildOutcome:
        assert release.wait(10)
        return real_build(audioform, words_per_minute)

    monkeypatch.setattr(audioform_module, "build", slow_build)
    monkeypatch.setattr(audiostack_module, "RENDER_WAIT_SECONDS", 0.05)
    audioform_id = submit(sandbox, make_audioform())
    time.sleep(BUILD_SECONDS + 0.05)
    for _ in range(2):
        response = _get(sandbox, audioform_id, **audiostack_headers())
        assert response.status_code == 202
        assert (
            requests.get(
                f"{sandbox.service_url('audiostack')}/delivery/{audioform_id}.wav", timeout=5
            ).status_code
            == 404
        )
    release.set()
    body = wait_built(sandbox, audioform_id)
    assert body["data"]["errors"] == []
    stats = requests.get(sandbox.base_url + "/_sandbox/stats", timeout=5).json()
    assert stats["audioforms"] == {"created": 1, "built": 1, "failed": 0}


def _voice_ref_audioform() -> dict[str, Any]:
    audioform = _with_voice_asset("wren")
    audioform["production"]["arrangement"]["sections"][0]["layers"][0]["clips"][0]["marginStart"] = 0.5
    return audioform


@pytest.mark.parametrize("version", ["1", "2", "3", "0.0.1"])
def test_the_version_header_chooses_the_format_of_the_answer(sandbox: SandboxServer, version: str) -> None:
    audioform_id = submit(sandbox, _voice_ref_audioform())
    wait_built(sandbox, audioform_id)
    data = _get(sandbox, audioform_id, **{**audiostack_headers(), "version": version}).json()["data"]
    assert data["audioform"]["header"]["version"] == version
    result = data["result"]
    assert result["header"] == {"version": version, "audioformId": audioform_id}
    clip = result["production"]["arrangement"]["sections"][0]["layers"][0]["clips"][0]
    speech, narrator = result["assets"]["speech"], result["assets"]["narrator"]
    if version == "0.0.1":
        # Assets named by id, clips by assetId, durations in durationInSecond.
        assert narrator == {"type": "voice", "voiceId": "wren"} and clip["assetId"] == "speech"
        assert speech["durationInSecond"] > 0 and "duration" not in speech
        assert data["audioform"]["assets"]["narrator"] == {"type": "voice", "voiceId": "wren"}
    else:
        assert narrator == {"type": "voice", "voiceAlias": "wren"} and clip["assetRef"] == "speech"
        assert speech["duration"] > 0
    seconds = _wav_seconds(requests.get(result["delivery"]["uri"], timeout=5).content)
    if version == "3":
        # Everything placed in time; the clip starts after its margin, and the arrangement is the file.
        assert (clip["position"], clip["duration"], clip["placement"]) == (
            0.5,
            speech["duration"],
            "foreground",
        )
        arrangement = result["production"]["arrangement"]
        assert (arrangement["position"], result["production"]["mixingPreset"]) == (0.0, "balanced")
        assert arrangement["duration"] == pytest.approx(seconds, abs=0.001)
        assert arrangement["sections"][0]["duration"] == arrangement["duration"]
    else:
        assert "position" not in clip and "duration" not in result["production"]["arrangement"]
