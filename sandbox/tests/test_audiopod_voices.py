"""AudioPod voices over real HTTP: creation, training, listing, lookup, updates and deletion."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from audio_sandbox import SandboxServer

from .audiopod import (
    BROKEN_WAV,
    HEADERS,
    M4A,
    api,
    create,
    create_multi,
    created,
    detail,
    list_voices,
    make_mp3,
    stats,
    status,
    trained_voice,
    wait_trained,
    wav,
)

VOICE_KEYS = {
    "id",
    "uuid",
    "voice_id",
    "name",
    "description",
    "voice_type",
    "status",
    "training_status",
    "error_message",
    "is_public",
    "is_custom",
    "language",
    "gender",
    "category",
    "tags",
    "preview_url",
    "sample_count",
    "created_at",
    "processed_at",
}


def _patch(sandbox: SandboxServer, identifier: object, body: Any) -> requests.Response:
    return requests.patch(f"{api(sandbox)}/voices/{identifier}", headers=HEADERS, json=body, timeout=5)


def _delete(sandbox: SandboxServer, identifier: object) -> requests.Response:
    return requests.delete(f"{api(sandbox)}/voices/{identifier}", headers=HEADERS, timeout=5)


# -- creation and training --------------------------------------------------------------------


def test_single_sample_voice_trains_from_processing_to_completed(sandbox: SandboxServer) -> None:
    voice = created(sandbox, name="Narrator", description="for tests", denoise="true")
    assert set(voice) == VOICE_KEYS
    assert (voice["status"], voice["training_status"], voice["voice_type"]) == (
        "PROCESSING",
        "processing",
        "CUSTOM",
    )
    assert (voice["name"], voice["description"], voice["is_public"], voice["is_custom"]) == (
        "Narrator",
        "for tests",
        False,
        True,
    )
    assert voice["voice_id"].startswith("voice_") and len(voice["voice_id"]) == 18
    assert voice["processed_at"] is None and voice["preview_url"] is None
    assert voice["sample_count"] == 1
    done = wait_trained(sandbox, voice["id"])
    assert (done["status"], done["training_status"], done["error_message"]) == (
        "COMPLETED",
        "completed",
        None,
    )
    assert done["processed_at"]
    assert stats(sandbox)["audiopod"] == {
        "voices_created": 1,
        "trained": 1,
        "failed": 0,
        "previews": 0,
        "deleted": 0,
        "collections": 0,
    }


def test_multi_sample_voice_sums_its_samples(sandbox: SandboxServer) -> None:
    # Two 2 s samples: neither is long enough alone, together they are.
    response = create_multi(sandbox, [wav(2.0), wav(2.0)], is_public="true")
    assert response.status_code == 200, response.text
    voice = response.json()
    assert (voice["status"], voice["sample_count"], voice["is_public"]) == ("PROCESSING", 2, True)
    assert wait_trained(sandbox, voice["uuid"])["status"] == "COMPLETED"


def test_a_too_short_wav_fails_training(sandbox: SandboxServer) -> None:
    voice = wait_trained(sandbox, created(sandbox, data=wav(1.0))["voice_id"])
    assert (voice["status"], voice["training_status"]) == ("FAILED", "failed")
    assert "not enough audio" in voice["error_message"] and "1.00 s" in voice["error_message"]
    assert voice["processed_at"] is None
    assert stats(sandbox)["audiopod"]["failed"] == 1


def test_an_undecodable_wav_fails_training(sandbox: SandboxServer) -> None:
    response = create_multi(sandbox, [wav(5.0), BROKEN_WAV])
    voice = wait_trained(sandbox, response.json()["id"])
    assert voice["status"] == "FAILED"
    assert "voice_files[1] (s1.wav) is not a decodable WAV file" in voice["error_message"]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        pytest.param(make_mp3(0.5), "sample.mp3", id="mp3-frame-sync"),
        pytest.param(b"ID3\x04\x00\x00\x00\x00\x00\x00" + make_mp3(0.5), "tagged.mp3", id="mp3-id3"),
        pytest.param(M4A, "sample.m4a", id="m4a"),
    ],
)
def test_mp3_and_m4a_are_accepted_without_estimating_their_length(
    sandbox: SandboxServer, data: bytes, filename: str
) -> None:
    voice = wait_trained(sandbox, created(sandbox, data=data, filename=filename)["id"])
    assert voice["status"] == "COMPLETED"


def test_training_time_is_fixed_when_the_voice_is_created(sandbox: SandboxServer) -> None:
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json={"training_seconds": 0}, timeout=5)
    quick = created(sandbox)
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json={"training_seconds": 60}, timeout=5)
    slow = created(sandbox)
    assert status(sandbox, quick["id"]).json()["status"] == "COMPLETED"
    assert status(sandbox, slow["id"]).json()["status"] == "PROCESSING"


# -- creation validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "files", "named"),
    [
        pytest.param({}, {"file": ("a.wav", wav(4), "audio/wav")}, "name is required", id="no-name"),
        pytest.param(
            {"name": "  "},
            {"file": ("a.wav", wav(4), "audio/wav")},
            "name must not be empty",
            id="blank-name",
        ),
        pytest.param({"name": "x"}, None, "file is required", id="no-file"),
        pytest.param(
            {"name": "x"}, {"file": ("a.wav", b"", "audio/wav")}, "file (a.wav) is empty", id="empty-file"
        ),
        pytest.param(
            {"name": "x"},
            {"file": ("a.txt", b"just some text", "text/plain")},
            "file (a.txt) is not a WAV, MP3 or M4A file",
            id="text-file",
        ),
        pytest.param(
            {"name": "x"},
            {"file": ("a.ogg", b"OggS\x00\x02" + bytes(64), "audio/ogg")},
            "file (a.ogg) is not a WAV",
            id="ogg-file",
        ),
        pytest.param(
            {"name": "x", "denoise": "maybe"},
            {"file": ("a.wav", wav(4), "audio/wav")},
            "denoise must be true or false",
            id="bad-denoise",
        ),
        pytest.param(
            {"name": "x", "file": "not a file"},
            None,
            "file must be an uploaded audio file",
            id="file-as-text",
        ),
    ],
)
def test_single_upload_problems_are_400_naming_the_field(
    sandbox: SandboxServer, data: dict[str, str], files: dict[str, Any] | None, named: str
) -> None:
    response = requests.post(
        api(sandbox) + "/voice-profiles", headers=HEADERS, data=data, files=files, timeout=10
    )
    assert named in detail(response, 400)
    assert stats(sandbox)["audiopod"]["voices_created"] == 0


def test_a_json_body_is_not_an_upload(sandbox: SandboxServer) -> None:
    response = requests.post(api(sandbox) + "/voice-profiles", headers=HEADERS, json={"name": "x"}, timeout=5)
    assert "file is required" in detail(response, 400)


@pytest.mark.parametrize(
    ("samples", "fields", "named"),
    [
        pytest.param([], {}, "voice_files is required", id="none"),
        pytest.param([wav(0.5)] * 11, {}, "voice_files has 11 files; at most 10", id="eleven"),
        pytest.param(
            [wav(4), b"nope"], {}, "voice_files[1] (s1.wav) is not a WAV, MP3 or M4A file", id="second-bad"
        ),
        pytest.param([wav(4), b""], {}, "voice_files[1] (s1.wav) is empty", id="second-empty"),
        pytest.param(
            [wav(4)], {"is_public": "perhaps"}, "is_public must be true or false", id="bad-is-public"
        ),
    ],
)
def test_multi_sample_problems_are_400_naming_the_field(
    sandbox: SandboxServer, samples: list[bytes], fields: dict[str, str], named: str
) -> None:
    if samples:
        response = create_multi(sandbox, samples, **fields)
    else:
        response = requests.post(
            api(sandbox) + "/voice-profiles/multi-sample", headers=HEADERS, data={"name": "x"}, timeout=5
        )
    assert named in detail(response, 400)


def test_ten_samples_are_accepted(sandbox: SandboxServer) -> None:
    response = create_multi(sandbox, [wav(0.4)] * 10)
    assert response.status_code == 200, response.text
    assert response.json()["sample_count"] == 10


# -- lookup -----------------------------------------------------------------------------------


def test_a_voice_is_found_by_int_id_uuid_and_voice_id(sandbox: SandboxServer) -> None:
    voice = created(sandbox)
    for identifier in (voice["id"], voice["uuid"], voice["voice_id"]):
        response = status(sandbox, identifier)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == voice["id"]


@pytest.mark.parametrize(
    "identifier", ["999999", "voice_000000000000", "6f1c0e9e-0000-4000-8000-000000000000"]
)
def test_unknown_voice_is_404(sandbox: SandboxServer, identifier: str) -> None:
    assert detail(status(sandbox, identifier), 404) == "Voice not found"


# -- listing ----------------------------------------------------------------------------------


def test_57_standard_voices_take_two_pages(sandbox: SandboxServer) -> None:
    first = list_voices(sandbox).json()
    assert (first["total"], len(first["voices"]), first["hasMore"]) == (57, 50, True)
    second = list_voices(sandbox, skip=50, limit=50).json()
    assert (second["total"], len(second["voices"]), second["hasMore"]) == (57, 7, False)
    voices = first["voices"] + second["voices"]
    assert [voice["id"] for voice in voices] == list(range(1, 58))
    assert all(
        v["voice_type"] == "STANDARD" and v["status"] == "COMPLETED" and v["is_public"] for v in voices
    )
    assert len({voice["voice_id"] for voice in voices}) == 57
    assert {voice["gender"] for voice in voices} == {"female", "male", "neutral"}
    assert len({voice["language"] for voice in voices}) > 5
    # Deterministic: the same catalogue after a reset.
    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5)
    assert list_voices(sandbox).json()["voices"] == first["voices"]


def test_filters(sandbox: SandboxServer) -> None:
    private = created(sandbox, name="Private")
    public = create_multi(sandbox, [wav(4)], name="Public", is_public="true").json()

    def ids(**params: Any) -> list[int]:
        return [voice["id"] for voice in list_voices(sandbox, **params).json()["voices"]]

    assert ids(voice_type="CUSTOM") == [private["id"], public["id"]]
    assert ids(include_public="false") == [private["id"], public["id"]]
    assert ids(is_public="false") == [private["id"]]
    assert ids(voice_type="CUSTOM", is_public="true") == [public["id"]]
    assert ids(voice_type="STANDARD", limit=50) == list(range(1, 51))
    assert ids(voice_type="STANDARD", include_public="false") == []
    every = list_voices(sandbox, skip=50).json()
    assert every["total"] == 59 and [v["id"] for v in every["voices"]][-2:] == [private["id"], public["id"]]
    # Clients send empty values for filters they do not use.
    assert list_voices(sandbox, voice_type="", is_public="", include_public="").json()["total"] == 59


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 101}, ["query", "limit"]),
        ({"limit": "ten"}, ["query", "limit"]),
        ({"skip": -1}, ["query", "skip"]),
        ({"voice_type": "custom"}, ["query", "voice_type"]),
        ({"is_public": "maybe"}, ["query", "is_public"]),
        ({"include_public": "sometimes"}, ["query", "include_public"]),
    ],
)
def test_list_query_problems_are_fastapi_422(
    sandbox: SandboxServer, params: dict[str, Any], loc: list[str]
) -> None:
    problems = detail(list_voices(sandbox, **params), 422)
    assert problems[0]["loc"] == loc


# -- update and delete ------------------------------------------------------------------------


def test_patch_changes_the_given_fields(sandbox: SandboxServer) -> None:
    voice = created(sandbox, description="old")
    response = _patch(sandbox, voice["voice_id"], {"name": "Renamed", "is_public": True, "tags": ["a", "b"]})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["description"], updated["is_public"], updated["tags"]) == (
        "Renamed",
        "old",
        True,
        ["a", "b"],
    )
    cleared = _patch(sandbox, voice["id"], {"description": None}).json()
    assert (cleared["description"], cleared["name"]) == (None, "Renamed")
    assert status(sandbox, voice["uuid"]).json()["tags"] == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "status_code", "named"),
    [
        ({"name": ""}, 400, "name must not be empty"),
        ({"name": None}, 400, "name must not be empty"),
        ({"colour": "blue"}, 422, "colour"),
        ({"is_public": "yes"}, 422, "is_public"),
        ({"tags": "a,b"}, 422, "tags"),
    ],
)
def test_patch_problems(sandbox: SandboxServer, body: dict[str, Any], status_code: int, named: str) -> None:
    voice = created(sandbox)
    problem = detail(_patch(sandbox, voice["id"], body), status_code)
    assert named in str(problem)


def test_standard_voices_cannot_be_modified_or_deleted(sandbox: SandboxServer) -> None:
    assert detail(_patch(sandbox, 1, {"name": "Mine now"}), 403) == "cannot modify a voice you do not own"
    assert detail(_delete(sandbox, 1), 403) == "cannot modify a voice you do not own"
    assert status(sandbox, 1).json()["name"] == "Sarah Professional"


def test_unknown_voice_cannot_be_patched_or_deleted(sandbox: SandboxServer) -> None:
    assert detail(_patch(sandbox, 4242, {"name": "x"}), 404) == "Voice not found"
    assert detail(_delete(sandbox, 4242), 404) == "Voice not found"


def test_delete_is_204_then_404_everywhere(sandbox: SandboxServer) -> None:
    voice = trained_voice(sandbox)
    response = _delete(sandbox, voice["uuid"])
    assert response.status_code == 204 and response.content == b""
    assert detail(_delete(sandbox, voice["id"]), 404) == "Voice not found"
    assert detail(status(sandbox, voice["voice_id"]), 404) == "Voice not found"
    assert voice["id"] not in [v["id"] for v in list_voices(sandbox, voice_type="CUSTOM").json()["voices"]]
    assert stats(sandbox)["audiopod"]["deleted"] == 1


def test_reset_keeps_the_catalogue_and_drops_custom_voices(sandbox: SandboxServer) -> None:
    voice = created(sandbox)
    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5).raise_for_status()
    assert status(sandbox, voice["id"]).status_code == 404
    assert list_voices(sandbox).json()["total"] == 57
    assert stats(sandbox)["audiopod"]["voices_created"] == 0


def test_faults_apply_to_audiopod(sandbox: SandboxServer) -> None:
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"match": "POST /audiopod/api/v1/voice/voice-profiles", "kind": "503"},
        timeout=5,
    ).raise_for_status()
    response = create(sandbox)
    assert response.status_code == 503 and set(response.json()) == {"detail"}
    assert stats(sandbox)["audiopod"]["voices_created"] == 0
    assert create(sandbox).status_code == 200
