"""
How AudioPod's routes find what a request names: the store, a voice by any of its identifiers,
and the voices of a body's ``voice_ids``, with the API's 404s.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request

from audio_sandbox.audiopod.store import AudioPodStore, Member
from audio_sandbox.audiopod.voices import Voice
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import state_of

VOICE_NOT_FOUND = "Voice not found"


def store_of(request: Request) -> AudioPodStore:
    """The AudioPod store of the sandbox serving ``request``."""
    return state_of(request).audiopod


async def live_voice(request: Request, identifier: str) -> Voice:
    """The voice a path names (int id, uuid or voice_id), its training settled if due; else 404."""
    store = store_of(request)

    async def settle(voice: Voice) -> Voice:
        # The store trains at once, in this thread: a few uploaded samples, decoded in memory.
        return store.settle(voice)

    return await answer_poll(store.find(identifier), VOICE_NOT_FOUND, settle, done=lambda _, voice: voice)


def named_voices(request: Request, references: Sequence[str | int]) -> list[Voice]:
    """The voices of a body's ``voice_ids``, in order; a 404 naming the first unknown one."""
    store = store_of(request)
    voices: list[Voice] = []
    for reference in references:
        voice = store.find(reference)
        if voice is None:
            raise ServiceError(404, f"{VOICE_NOT_FOUND}: {reference}")
        voices.append(store.settle(voice))
    return voices


def named_members(request: Request, references: Sequence[str | int]) -> list[Member]:
    """Each of a body's ``voice_ids`` as a string, with the voice it names; a 404 as above."""
    return [
        (str(reference), voice)
        for reference, voice in zip(references, named_voices(request, references), strict=True)
    ]
