"""
The official ``audiostack`` client (4.0.0, unmodified) against a live sandbox.

It is configured only as a user would (``audiostack.api_base`` and ``audiostack.api_key``) and runs
the flows of its README and its own integration tests: audioforms (build, download, failed build,
validation error, the ``version`` header), the voice and sound template lists, files and folders,
briefs, stories and the classic script -> speech -> mix -> encoding chain. A flow that fails here
is a place where the sandbox (and so perhaps the provider) disagrees with the vendor's own client.
"""

from __future__ import annotations

import io
import math
import struct
import time
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
import requests

audiostack = pytest.importorskip("audiostack")

from audiostack.audioform.audioform import Audioform  # noqa: E402
from audiostack.files.file import AccessControl, File  # noqa: E402
from audiostack.folders.folder import Folder  # noqa: E402
from audiostack.production.sound import Sound  # noqa: E402
from audiostack.speech.voice import Voice  # noqa: E402

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

API_KEY = "conformance-audiostack-key"
BUILD_SECONDS = 0.3


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox of its own: builds take 0.3 s, stories and file processing no time of their own."""
    from audio_sandbox import SandboxServer

    with SandboxServer(
        api_key=API_KEY, build_seconds=BUILD_SECONDS, story_seconds=0, file_processing_seconds=0.2
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def client(sandbox: SandboxServer) -> Iterator[None]:
    """The client's two module globals pointed at the sandbox, as a user sets them; restored after."""
    before = (audiostack.api_base, audiostack.api_key)
    audiostack.api_base = sandbox.service_url("audiostack")
    audiostack.api_key = API_KEY
    yield
    audiostack.api_base, audiostack.api_key = before


def speech_audioform(text: str = "Hello from the official client.", voice: str = "sara") -> dict[str, Any]:
    """An audioform as the vendor's fixtures write one: a voice asset, a tts asset naming it, one clip."""
    return {
        "header": {"version": "1"},
        "assets": {
            "voice 0": {"type": "voice", "voiceAlias": voice},
            "script 0": {"type": "tts", "voiceRef": "voice 0", "text": text},
        },
        "production": {
            "arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "script 0"}]}]}]},
            "mixingPreset": "balanced",
        },
        "delivery": {"encoderPreset": "mp3", "loudnessPreset": "podcast", "public": True},
    }


def write_wav(path: Path, seconds: float = 0.5, rate: int = 8000) -> Path:
    frames = b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 330 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    path.write_bytes(buffer.getvalue())
    return path


def folder_name() -> str:
    return f"conformance-{uuid.uuid4().hex[:8]}"


# -- audioforms -------------------------------------------------------------------------------


def test_audioform_build_and_download_of_the_delivered_file(tmp_path: Path) -> None:
    submitted = Audioform.create(speech_audioform())
    assert submitted.status_code == 202 and submitted.audioform_id
    built = Audioform.get(submitted.audioform_id)
    assert built.is_success and not built.is_failed and built.errors == ""
    assert built.audioform_id == submitted.audioform_id
    delivery = built.result["delivery"]
    assert delivery["extension"] == "mp3"
    # The client has no download helper for audioforms: a user fetches the URI with its key.
    response = requests.get(delivery["uri"], headers={"x-api-key": API_KEY}, timeout=10)
    assert response.status_code == 200 and len(response.content) > 1000


def test_a_failed_build_reports_its_errors_as_text() -> None:
    submitted = Audioform.create(speech_audioform(voice="nobody"))
    failed = Audioform.get(submitted.audioform_id)
    assert failed.is_failed and not failed.is_success
    assert "nobody" in failed.errors


def test_an_invalid_audioform_raises_the_joined_validation_errors() -> None:
    with pytest.raises(Exception, match="Errors listed as follows") as caught:
        Audioform.create({"header": {"version": "1"}})
    text = str(caught.value)
    assert "assets" in text and "production" in text


@pytest.mark.parametrize("version", ["1", "2", "3", "0.0.1"])
def test_the_version_header_chooses_the_shape_of_the_answer(version: str) -> None:
    submitted = Audioform.create(speech_audioform())
    built = Audioform.get(submitted.audioform_id, version=version)
    assert built.is_success
    assert built.audioform["header"]["version"] == version
    assert built.result["header"] == {"version": version, "audioformId": submitted.audioform_id}
    assets = built.result["assets"]
    if version == "0.0.1":
        assert assets["voice 0"]["voiceId"] == "sara" and "durationInSecond" in assets["script 0"]
        clip = built.result["production"]["arrangement"]["sections"][0]["layers"][0]["clips"][0]
        assert clip["assetId"] == "script 0"
    else:
        assert assets["voice 0"]["voiceAlias"] == "sara" and assets["script 0"]["duration"] > 0
    if version == "3":
        arrangement = built.result["production"]["arrangement"]
        clip = arrangement["sections"][0]["layers"][0]["clips"][0]
        assert clip["position"] == 0.0 and clip["duration"] == assets["script 0"]["duration"]
        assert arrangement["duration"] >= clip["duration"] > 0


def test_an_unknown_version_header_is_refused() -> None:
    submitted = Audioform.create(speech_audioform())
    with pytest.raises(Exception, match="version"):
        Audioform.get(submitted.audioform_id, version="9")


# -- the lists an audioform names from ------------------------------------------------------


def _naming_all(voices: list[str], templates: list[str]) -> dict[str, Any]:
    """One audioform naming every voice (a voice asset and speech each) and every template (a bed each)."""
    audioform = speech_audioform()
    assets: dict[str, Any] = {}
    layers: list[dict[str, Any]] = []
    for n, alias in enumerate(voices):
        assets[f"voice {n}"] = {"type": "voice", "voiceAlias": alias}
        assets[f"script {n}"] = {"type": "tts", "voiceRef": f"voice {n}", "text": f"Voice {n}."}
        layers.append({"clips": [{"assetRef": f"script {n}"}]})
    for n, template in enumerate(templates):
        assets[f"sound template {n}"] = {"type": "soundTemplate", "soundTemplateAlias": template}
        layers.append({"clips": [{"assetRef": f"sound template {n}"}]})
    audioform["assets"] = assets
    audioform["production"]["arrangement"] = {"sections": [{"layers": layers}]}
    return audioform


def test_voice_and_sound_template_lists_name_what_builds() -> None:
    voices = Voice.list()
    aliases = []
    for voice in voices:  # the client's own iteration, as its test_voice.py walks it
        assert isinstance(voice, Voice.Item) and voice.provider and voice.data
        aliases.append(voice.alias)
    templates = Sound.Template.list()
    assert all(isinstance(template, Sound.Template.Item) for template in templates)
    # The vendor's test_sound.py reads a template's name from data["templates"][i]["soundTemplateId"].
    names = [template["soundTemplateId"] for template in templates.data["templates"]]
    assert aliases and names

    built = Audioform.get(Audioform.create(_naming_all(aliases, names)).audioform_id)
    assert built.is_success, built.errors

    stranger = Audioform.get(
        Audioform.create(_naming_all(aliases[:1], ["not_a_listed_template"])).audioform_id
    )
    assert stranger.is_failed and "not_a_listed_template" in stranger.errors


def test_a_filtered_sound_template_list_is_empty_on_the_sandbox() -> None:
    # The sandbox's templates carry no moods, genres, instruments or collections to match.
    assert Sound.Template.list(moods="happy").data["templates"] == []


# -- files and folders ------------------------------------------------------------------------


def test_file_create_get_patch_copy_delete(tmp_path: Path) -> None:
    root = Folder.get_root_folder_id()
    created = File.create(localPath=str(write_wav(tmp_path / "a.wav")), fileName="a.wav", folderId=UUID(root))
    assert created.status == "uploaded" and created.folderId == root
    assert UUID(created.fileId) and isinstance(created.fileType, dict) and created.createdBy

    fetched = File.get(fileId=UUID(created.fileId))
    assert (fetched.fileId, fetched.fileName, fetched.size) == (created.fileId, "a.wav", created.size)
    fetched.download(fileName="back.wav", path=str(tmp_path))
    assert (tmp_path / "back.wav").read_bytes() == (tmp_path / "a.wav").read_bytes()

    renamed = File.patch(fileId=UUID(created.fileId), fileName="b.wav")
    assert renamed.fileName == "b.wav" and File.get(fileId=UUID(created.fileId)).fileName == "b.wav"
    private = File.patch(fileId=UUID(created.fileId), accessControl=AccessControl.private)
    assert private.accessControl == "private"
    assert File.get(fileId=UUID(created.fileId)).accessControl == "private"
    assert File.patch(fileId=UUID(created.fileId)).fileName == "b.wav"  # an empty patch changes nothing

    archive = Folder.create(name=folder_name())
    copied = File.copy(
        fileId=UUID(created.fileId), currentFolderId=UUID(root), newFolderId=UUID(archive.folderId)
    )
    assert copied.fileId != created.fileId
    assert (copied.folderId, copied.fileName) == (archive.folderId, "b.wav")
    assert File.get(fileId=UUID(created.fileId)).folderId == root

    with pytest.raises(Exception):  # noqa: B017 - the client raises bare Exception
        File.copy(
            fileId=UUID(created.fileId),
            currentFolderId=UUID("00000000-0000-0000-0000-000000000000"),
            newFolderId=UUID(archive.folderId),
        )

    for file_id in (copied.fileId, created.fileId):
        File.delete(fileId=UUID(file_id))
        with pytest.raises(Exception):  # noqa: B017
            File.get(fileId=UUID(file_id))
    Folder.delete(folderId=UUID(archive.folderId))


def test_file_categories() -> None:
    categories = File.get_file_categories()
    assert isinstance(categories["fileTypes"], list) and categories["fileTypes"]


def test_a_file_filed_under_a_category_of_the_catalogue(tmp_path: Path) -> None:
    # The client fixes no key inside a file type or category; "name" and "fileCategoryId" are the sandbox's.
    audio = next(kind for kind in File.get_file_categories()["fileTypes"] if kind["name"] == "audio")
    speech = next(category for category in audio["fileCategories"] if category["name"] == "speech")
    created = File.create(
        localPath=str(write_wav(tmp_path / "vo.wav")),
        fileName="vo.wav",
        categoryId=UUID(speech["fileCategoryId"]),
    )
    assert created.fileCategory == speech
    recategorised = File.patch(fileId=UUID(created.fileId), categoryName="music")
    assert recategorised.fileCategory is not None and recategorised.fileCategory["name"] == "music"
    File.delete(fileId=UUID(created.fileId))


def test_root_folder_id() -> None:
    root = Folder.get_root_folder_id()
    assert UUID(root) and Folder.get_root_folder_id() == root


def test_folders_create_list_get_patch_delete(tmp_path: Path) -> None:
    name = folder_name()
    parent = Folder.create(name=name)
    assert parent.folderName == name and parent.createdBy and parent.createdAt
    child = Folder.create(name=folder_name(), parentFolderId=UUID(parent.folderId))
    assert child.parentFolderId == parent.folderId

    root_listing = Folder.list()
    assert parent.folderId in [folder.folderId for folder in root_listing.folders]
    created = File.create(
        localPath=str(write_wav(tmp_path / "in.wav")), fileName="in.wav", folderId=UUID(parent.folderId)
    )
    by_path = Folder.list(path=name)
    assert [file.fileId for file in by_path.files] == [created.fileId]
    assert [folder.folderId for folder in by_path.folders] == [child.folderId]

    got = Folder.get(folderId=UUID(parent.folderId))
    assert got.currentPathChain[0].folderId == parent.folderId
    files = Folder.list_files(folderId=UUID(parent.folderId), limit=5, offset=0)
    assert [file.fileId for file in files.files] == [created.fileId]
    assert files.pagination == {"limit": 5, "offset": 0}

    new_name = folder_name()
    assert Folder.patch(folderId=UUID(parent.folderId), folderName=new_name).folderName == new_name
    assert Folder.get(folderId=UUID(parent.folderId)).currentPathChain[0].folderName == new_name
    assert [file.fileId for file in Folder.list(path=new_name).files] == [created.fileId]

    File.delete(fileId=UUID(created.fileId))
    Folder.delete(folderId=UUID(child.folderId))
    assert isinstance(Folder.delete(folderId=UUID(parent.folderId)), str)
    with pytest.raises(Exception):  # noqa: B017
        Folder.get(folderId=UUID(parent.folderId))


# -- creator ----------------------------------------------------------------------------------


def test_brief_then_each_ad_built() -> None:
    credits_before = audiostack.credits_used_in_this_session()
    brief = audiostack.Creator.Brief.create(
        brief={
            "script": {
                "productName": "Harbour Tea",
                "productDescription": "tea blended by the sea",
                "adLength": 10,
                "callToAction": "Try it today",
            },
            "voices": [{"alias": "joanna"}],
            "delivery": {"encoderPreset": "mp3"},
        },
        num_ads=2,
    )
    assert brief.is_success() and brief.get_audioform_count() == 2
    assert audiostack.credits_used_in_this_session() > credits_before  # meta.creditsUsed was read
    for ad in brief.audioforms:
        assert Audioform.get(ad["audioformId"]).is_success


def test_story_builds_and_a_failed_story_reports_why() -> None:
    story = {
        "title": "Tides",
        "voices": [{"speakerIdentifier": "narrator", "alias": "wren"}],
        "delivery": {"encoderPreset": "mp3", "public": True},
        "chapters": [
            {
                "title": "One",
                "narratives": [
                    {"foreground": [{"speakerIdentifier": "narrator", "text": "The tide came in."}]}
                ],
            }
        ],
    }
    created = audiostack.Creator.Story.create(story)
    assert created.story_id
    # A user gives the story a moment; the client itself then sleeps 7 s after any 202.
    time.sleep(BUILD_SECONDS + 0.3)
    built = audiostack.Creator.Story.get(created.story_id)
    assert built.is_success and built.story_build_status_code == 200
    assert [chapter["delivery"]["extension"] for chapter in built.audioforms] == ["mp3"]
    assert built.audioforms[0]["header"]["audioformId"]

    stranger = {**story, "voices": [{"speakerIdentifier": "narrator", "alias": "nobody"}]}
    failed = audiostack.Creator.Story.get(audiostack.Creator.Story.create(stranger).story_id)
    assert not failed.is_success and failed.story_build_status_code == 500
    assert "nobody" in failed._errors


# -- the classic pipeline ---------------------------------------------------------------------


def test_classic_chain_script_tts_mix_encode_download(tmp_path: Path) -> None:
    script = audiostack.Content.Script.create(scriptText="Hello from the classic pipeline.")
    speech = audiostack.Speech.TTS.create(scriptItem=script, voice="isaac")
    assert speech.speechId and speech.data["sections"]
    mix = audiostack.Production.Mix.create(speechItem=speech, soundTemplate="chill_vibes")
    assert mix.productionId and mix.data["files"]
    encoded = audiostack.Delivery.Encoder.encode_mix(productionItem=mix, preset="mp3_high")
    assert encoded.format == "mp3"
    encoded.download(fileName="example", path=str(tmp_path))
    assert (tmp_path / "example.mp3").stat().st_size > 1000
