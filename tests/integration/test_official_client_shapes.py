"""
The hooks send what the vendors' official clients send, and take either answer where the vendors'
own materials disagree; checked through real HTTP against the sandbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from tests.conftest import SANDBOX_KEY
from tests.integration.conftest import SandboxAdmin, set_connection

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

VOICE_LIST = "GET /audiopod/api/v1/voice/voice-profiles"
#: Standard voices every sandbox starts with.
STANDARD_VOICES = 57


@pytest.fixture
def audiopod_conn(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> str:
    return set_connection(
        monkeypatch, "audiopod_it", "audiopod", host=sandbox.service_url("audiopod"), password=SANDBOX_KEY
    )


def test_voices_are_listed_at_the_official_clients_page_size(audiopod_conn: str, admin: SandboxAdmin) -> None:
    # limit=100 as the client asks; the service answers pages of at most 50 with hasMore.
    voices = list(AudioPodHook(audiopod_conn).iter_voices({"voice_type": "STANDARD"}))

    assert len(voices) == STANDARD_VOICES
    assert len({voice.id for voice in voices}) == STANDARD_VOICES
    assert admin.count(VOICE_LIST) == 2


def test_a_page_size_the_service_refuses_falls_back_to_the_documented_50(
    audiopod_conn: str, admin: SandboxAdmin
) -> None:
    voices = list(AudioPodHook(audiopod_conn).iter_voices(page_size=150))

    assert len(voices) == STANDARD_VOICES
    # The refused page, then two pages of at most 50.
    assert admin.count(VOICE_LIST) == 3


def test_aioz_basic_key_pair_works_end_to_end(aioz_conn: str, admin: SandboxAdmin) -> None:
    hook = AiozStreamHook(aioz_conn)

    media = hook.create_media({"title": "Basic auth"})

    assert hook.get_media(media.id).id == media.id
    assert [item.id for item in hook.iter_media({"type": "audio"})] == [media.id]
    assert admin.count("POST /aiozstream/api/media/create") == 1


def test_aioz_player_goes_as_player_id(aioz_conn: str, admin: SandboxAdmin) -> None:
    hook = AiozStreamHook(aioz_conn)
    media = hook.create_media({"title": "Player"})

    hook.update_media(media.id, {"player_theme_id": "player-3"})

    assert hook.get_media(media.id).data["player_theme_id"] == "player-3"
