"""
What an audioform may name on the sandbox, listed the way the official client reads it
(audiostack 4.0.0): the voices (``GET /speech/voice``, ``speech/voice.py`` ``Voice.list``, which
reads ``data.voices[]`` and each voice's ``alias`` and ``provider``) and the sound templates
(``GET /production/sound/template``, ``production/sound.py`` ``Sound.Template.list``, which reads
``data.templates[]``).

A template is listed under ``soundTemplateId``, the key the vendor's list test reads
(audiostack-python ``tests/production/test_sound.py``). It holds the template's name, the one an
audioform's ``soundTemplateAlias`` gives: the vendor's fixtures write a template as
``soundTemplateAlias`` in format "1" and as ``soundTemplateId: "soiree_a_illange"`` (a name, not a
uuid) in format "0.0.1" (``tests/audioform/test_audioform.py``), and templates are created,
deleted and mixed by that name (``templateName``, ``soundTemplate``).

Both lists are exactly what the build accepts (:data:`SANDBOX_VOICES`,
:data:`SANDBOX_SOUND_TEMPLATES`), so a name found here renders and any other fails the build.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack.audioform import SANDBOX_SOUND_TEMPLATES, SANDBOX_VOICES
from audio_sandbox.audiostack.classic import answer
from audio_sandbox.core.auth import require_audiostack_key

router = APIRouter(dependencies=[Depends(require_audiostack_key)])

#: What the sandbox's voices are synthesised by (the real service names its TTS providers here).
VOICE_PROVIDER = "sandbox"
#: The filters ``Sound.Template.list`` may send. The sandbox's templates carry none of these
#: properties, so a filtered list is empty.
TEMPLATE_FILTERS: tuple[str, ...] = ("moods", "collections", "instruments", "genres")


@router.get("/speech/voice")
async def list_voices(request: Request) -> JSONResponse:
    """``GET /speech/voice``: every voice an audioform, a brief or text to speech may name."""
    voices = [{"alias": alias, "provider": VOICE_PROVIDER} for alias in SANDBOX_VOICES]
    return answer(request, "Voices", {"voices": voices})


@router.get("/production/sound/template")
async def list_sound_templates(request: Request) -> JSONResponse:
    """``GET /production/sound/template``: every sound template an audioform or a mix may name."""
    filtered = any(request.query_params.get(name) for name in TEMPLATE_FILTERS)
    templates = [] if filtered else [{"soundTemplateId": name} for name in SANDBOX_SOUND_TEMPLATES]
    return answer(request, "Sound templates", {"templates": templates})
