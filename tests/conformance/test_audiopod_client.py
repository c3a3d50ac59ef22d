"""
The official ``audiopod`` client (2.12.0, unmodified) against the sandbox's AudioPod port.

Configured only as a user would: ``Client(api_key="ap_...", base_url=<host>)``. The client joins
its routes to the host with ``urljoin(base, "/api/v1/voice/...")``, which drops any path in
``base_url``, so it reaches the sandbox through the port where AudioPod is served at the root.
Its voice methods run with their defaults; the routes it has no method for (previews, collections,
updates, multi-sample voices, usage) go through its generic ``client.request(...)`` with the
request shapes of the vendor's documentation (docs.audiopod.ai, Voice Management API).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.conformance.conftest import CONFORMANCE_KEY, add_fault, request_count, set_knobs

audiopod = pytest.importorskip("audiopod")

from audiopod.exceptions import (  # noqa: E402
    APIError,
    AuthenticationError,
    InsufficientBalanceError,
)

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

SAMPLES = Path(__file__).resolve().parents[2] / "dags_examples" / "data" / "voice_samples"
SAMPLE = SAMPLES / "narrator-take1.wav"
VOICE_API = "/api/v1/voice"
#: Seconds between the client's status checks (its default, 3 s, would make the test slow).
POLL_INTERVAL = 0.05


@pytest.fixture
def client(fresh_sandbox: SandboxServer) -> Iterator[Any]:
    """The client as a user makes it: a key and the host AudioPod is served at."""
    with audiopod.Client(
        api_key=CONFORMANCE_KEY, base_url=fresh_sandbox.service_root_url("audiopod")
    ) as made:
        yield made


def trained_voice(client: Any, name: str = "Conformance voice") -> dict[str, Any]:
    voice: dict[str, Any] = client.voice.create_voice(
        name, str(SAMPLE), description="from one sample", wait_for_ready=True, poll_interval=POLL_INTERVAL
    )
    return voice


def standard_voice_ids(client: Any, count: int) -> list[str]:
    page = client.request(
        "GET", f"{VOICE_API}/voice-profiles", params={"voice_type": "STANDARD", "limit": 25}
    )
    return [voice["voice_id"] for voice in page["voices"][:count]]


def test_list_voices_with_the_client_defaults(client: Any) -> None:
    # The client asks for limit=100 by default; the documentation says pages hold at most 50.
    page = client.voice.list_voices()

    assert len(page["voices"]) == 50
    assert page["total"] == 57
    assert page["hasMore"] is True
    rest = client.voice.list_voices(skip=50)
    assert [voice["name"] for voice in rest["voices"]][-1] == "Alex Narrative"
    assert rest["hasMore"] is False


def test_create_wait_get_and_delete_a_voice(client: Any) -> None:
    voice = trained_voice(client)

    assert voice["status"] == "COMPLETED"
    assert voice["name"] == "Conformance voice"
    fetched = client.voice.get_voice(voice["id"])
    assert (fetched["id"], fetched["status"]) == (voice["id"], "COMPLETED")
    assert client.voice.get_voice(voice["uuid"])["id"] == voice["id"]
    assert client.voice.delete_voice(voice["id"]) == {}
    with pytest.raises(APIError) as gone:
        client.voice.get_voice(voice["id"])
    assert gone.value.status_code == 404


def test_a_create_the_client_resends_after_a_503_makes_one_voice(
    client: Any, fresh_sandbox: SandboxServer
) -> None:
    # The client re-posts the multipart body after a 503; the faulted request must create nothing.
    add_fault(fresh_sandbox, "POST /audiopod/api/v1/voice/voice-profiles", "503")

    voice = trained_voice(client)

    assert request_count(fresh_sandbox, "POST /audiopod/api/v1/voice/voice-profiles") == 2
    custom = client.request("GET", f"{VOICE_API}/voice-profiles", params={"voice_type": "CUSTOM"})
    assert [item["id"] for item in custom["voices"]] == [voice["id"]]


def test_insufficient_balance_is_the_clients_own_error_with_the_amounts(
    client: Any, fresh_sandbox: SandboxServer
) -> None:
    voice = trained_voice(client)
    set_knobs(fresh_sandbox, audiopod_credits_cents=3)

    with pytest.raises(InsufficientBalanceError) as refused:
        client.request(
            "GET",
            f"{VOICE_API}/voice-profiles/{voice['id']}/preview",
            params={"audio_format": "mp3", "generate_if_missing": True},
        )

    assert refused.value.available_cents == 3
    assert isinstance(refused.value.required_cents, int)
    assert refused.value.required_cents > 3
    assert str(refused.value).startswith("Insufficient credits.")


def test_a_wrong_key_is_the_clients_authentication_error(fresh_sandbox: SandboxServer) -> None:
    with (
        audiopod.Client(
            api_key="ap_not-the-key", base_url=fresh_sandbox.service_root_url("audiopod")
        ) as wrong,
        pytest.raises(AuthenticationError),
    ):
        wrong.voice.list_voices()


def test_preview_as_documented_then_downloaded(client: Any) -> None:
    voice = trained_voice(client)

    preview = client.request(
        "GET",
        f"{VOICE_API}/voice-profiles/{voice['id']}/preview",
        params={"audio_format": "mp3", "generate_if_missing": True},
    )

    assert preview["duration"] > 0
    audio = requests.get(preview["audio_url"], timeout=10)
    assert audio.status_code == 200
    assert audio.content[:3] == b"ID3" or audio.content[0] == 0xFF
    again = client.request(
        "GET", f"{VOICE_API}/voice-profiles/{voice['uuid']}/preview", params={"audio_format": "mp3"}
    )
    assert again["audio_url"] == preview["audio_url"]


def test_batch_preview_as_documented(client: Any) -> None:
    voice_ids = standard_voice_ids(client, 3)

    batch = client.request(
        "POST",
        f"{VOICE_API}/preview/batch",
        json_data={
            "voice_ids": voice_ids,
            "text": "Compare how different voices sound with this text.",
            "speed": 1.0,
            "pitch": 0.0,
            "format": "mp3",
        },
    )

    assert [preview["voice_id"] for preview in batch["previews"]] == voice_ids
    for preview in batch["previews"]:
        assert preview["voice_name"]
        assert preview["duration"] > 0
        assert requests.get(preview["audio_url"], timeout=10).status_code == 200


def test_collections_as_documented(client: Any) -> None:
    first, second, third = standard_voice_ids(client, 3)

    created = client.request(
        "POST",
        f"{VOICE_API}/collections",
        json_data={
            "name": "My Podcast Voices",
            "description": "Voices for podcast production",
            "voice_ids": [first, second],
            "tags": ["podcast", "production"],
            "is_public": False,
        },
    )
    listed = client.request("GET", f"{VOICE_API}/collections", params={"limit": 25, "skip": 0})
    grown = client.request(
        "POST", f"{VOICE_API}/collections/{created['collection_id']}/voices", json_data={"voice_ids": [third]}
    )

    assert created["name"] == "My Podcast Voices"
    assert created["voice_ids"] == [first, second]
    assert [item["collection_id"] for item in listed["collections"]] == [created["collection_id"]]
    assert listed["collections"][0]["description"] == "Voices for podcast production"
    assert grown["voice_ids"] == [first, second, third]


def test_multi_sample_voice_update_and_usage_as_documented(client: Any) -> None:
    with (
        (SAMPLES / "narrator-take1.wav").open("rb") as one,
        (SAMPLES / "narrator-take2.wav").open("rb") as two,
    ):
        voice = client.request(
            "POST",
            f"{VOICE_API}/voice-profiles/multi-sample",
            data={"name": "High Quality Voice", "description": "Multi-sample voice", "is_public": False},
            files=[("voice_files", one), ("voice_files", two)],
        )
    ready = client.voice.wait_for_voice_ready(voice, poll_interval=POLL_INTERVAL)
    updated = client.request(
        "PATCH",
        f"{VOICE_API}/voices/{voice['id']}",
        json_data={"name": "Updated Voice Name", "description": "My updated description", "is_public": False},
    )
    client.request("GET", f"{VOICE_API}/voice-profiles/{voice['id']}/preview", params={"audio_format": "mp3"})
    usage = client.request(
        "GET",
        f"{VOICE_API}/analytics/usage",
        params={"voice_id": ready["voice_id"], "period": "30d", "breakdown": "daily"},
    )

    assert ready["status"] == "COMPLETED"
    assert ready["sample_count"] == 2
    assert (updated["name"], updated["description"]) == ("Updated Voice Name", "My updated description")
    assert isinstance(updated["tags"], list)
    assert usage["total_generations"] == 1
    assert usage["total_characters"] > 0
    assert usage["daily_breakdown"][-1]["generations"] == 1
