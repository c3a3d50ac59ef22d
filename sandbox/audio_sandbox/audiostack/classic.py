"""
AudioStack's classic pipeline, part one (https://docs.audiostack.ai/docs/architecture; the official
SDK's shapes): scripts
(``/content/script``, ``/content/scripts``) and text to speech (``/speech/tts``).

Speech is a :class:`~audio_sandbox.audiostack.jobs.SpeechJob`: it reads the
script as it was at submission, builds for ``build_seconds`` (fixed then), and renders a WAV
file per section the first time it is read after that.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack.audioform import CREDITS_PER_WORD, MIN_CREDITS
from audio_sandbox.audiostack.audioforms import API_VERSION
from audio_sandbox.audiostack.bodies import (
    Problems,
    check_types,
    is_number,
    json_object,
    optional_text,
    require_text,
)
from audio_sandbox.audiostack.delivery import media_url
from audio_sandbox.audiostack.jobs import AudioStackJobs, SpeechJob
from audio_sandbox.audiostack.render import SpeechOutcome, speech_rate
from audio_sandbox.audiostack.scripts import (
    DEFAULT_NAME,
    FIRST_VERSION,
    Script,
    ScriptMarkupError,
    Section,
    parse_sections,
)
from audio_sandbox.core import audio
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import request_id_of, state_of

router = APIRouter(dependencies=[Depends(require_audiostack_key)])


def metadata(request: Request, **extra: Any) -> dict[str, Any]:
    """The ``metadata`` object of an answer."""
    return {"requestId": request_id_of(request), "version": API_VERSION, **extra}


def answer(request: Request, message: str, data: dict[str, Any], status_code: int = 200) -> JSONResponse:
    """An answer of the classic pipeline: ``{metadata, message, data}``."""
    return JSONResponse(
        {"metadata": metadata(request), "message": message, "data": data}, status_code=status_code
    )


def _sections(text: str) -> list[Section]:
    try:
        return parse_sections(text)
    except ScriptMarkupError as exc:
        raise ServiceError(
            400, f"scriptText: {exc}", errors=[{"loc": ["scriptText"], "msg": str(exc)}]
        ) from None


def _script_or_404(jobs: AudioStackJobs, script_id: str) -> Script:
    script = jobs.scripts.get(script_id)
    if script is None:
        raise ServiceError(404, f"Script {script_id} not found")
    return script


def _script_answer(
    request: Request, script: Script, message: str, version: str | None = None
) -> JSONResponse:
    return answer(request, message, script.as_dict(version))


@router.post("/content/script")
async def create_script(request: Request) -> JSONResponse:
    """``POST /content/script``: a script (version ``1``) split into its sections."""
    body = await json_object(request)
    problems = Problems()
    text = require_text(body, "scriptText", problems)
    names = {key: optional_text(body, key, problems) for key in ("projectName", "moduleName", "scriptName")}
    check_types(body, {"metadata": dict}, problems, [])
    problems.raise_if_any()
    sections = _sections(text)
    script_id = str(uuid.uuid4())
    script = Script(
        script_id=script_id,
        project_name=names["projectName"] or DEFAULT_NAME,
        module_name=names["moduleName"] or DEFAULT_NAME,
        script_name=names["scriptName"] or DEFAULT_NAME,
        metadata=dict(body.get("metadata") or {}),
    )
    script.write(text, sections, FIRST_VERSION)
    state_of(request).audiostack.scripts.add(script_id, script)
    return _script_answer(request, script, "Script created")


@router.put("/content/script")
async def update_script(request: Request) -> JSONResponse:
    """``PUT /content/script``: new text for the current version, or for the named ``version``."""
    body = await json_object(request)
    problems = Problems()
    script_id = require_text(body, "scriptId", problems)
    text = require_text(body, "scriptText", problems)
    version = optional_text(body, "version", problems)
    problems.raise_if_any()
    script = _script_or_404(state_of(request).audiostack, script_id)
    script.write(text, _sections(text), version)
    return _script_answer(request, script, "Script updated")


@router.get("/content/scripts")
async def list_scripts(request: Request) -> JSONResponse:
    """``GET /content/scripts?projectName&moduleName&scriptName``: the scripts matching every filter given."""
    wanted = [request.query_params.get(key) for key in ("projectName", "moduleName", "scriptName")]
    scripts = [
        script.as_dict()
        for script in state_of(request).audiostack.scripts.values()
        if all(
            value is None or value == actual
            for value, actual in zip(
                wanted, (script.project_name, script.module_name, script.script_name), strict=True
            )
        )
    ]
    return JSONResponse({"metadata": metadata(request), "data": {"scripts": scripts}})


@router.get("/content/script/{script_id}")
async def get_script(script_id: str, request: Request) -> JSONResponse:
    """``GET /content/script/{scriptId}``: its current version."""
    script = _script_or_404(state_of(request).audiostack, script_id)
    return _script_answer(request, script, "Script")


@router.get("/content/script/{script_id}/{version}")
async def get_script_version(script_id: str, version: str, request: Request) -> JSONResponse:
    """``GET /content/script/{scriptId}/{version}``: one version of it."""
    script = _script_or_404(state_of(request).audiostack, script_id)
    if script.version(version) is None:
        raise ServiceError(404, f"Script {script_id} has no version {version!r}")
    return _script_answer(request, script, "Script", version)


@router.delete("/content/script/{script_id}")
async def delete_script(script_id: str, request: Request) -> JSONResponse:
    """``DELETE /content/script/{scriptId}``: forget it (speech already made from it stays)."""
    jobs = state_of(request).audiostack
    _script_or_404(jobs, script_id)
    jobs.scripts.remove(script_id)
    return JSONResponse({"metadata": metadata(request), "message": f"Script {script_id} deleted"})


@router.post("/speech/tts", status_code=202)
async def create_speech(request: Request) -> JSONResponse:
    """``POST /speech/tts``: text to speech of a script's current version (202)."""
    body = await json_object(request)
    problems = Problems()
    script_id = require_text(body, "scriptId", problems)
    voice = require_text(body, "voice", problems)
    speed = body.get("speed")
    if speed is not None and not (is_number(speed) and speed > 0):
        problems.add(["speed"], "must be a number > 0")
    problems.raise_if_any()
    state = state_of(request)
    jobs = state.audiostack
    script = _script_or_404(jobs, script_id)
    current = script.version()
    assert current is not None
    words = sum(len(audio.words_of(section.spoken_text)) for section in current.sections)
    credits = round(max(MIN_CREDITS, words * CREDITS_PER_WORD), 4)
    remaining = state.charge_audiostack(credits)
    job = SpeechJob(
        job_id=str(uuid.uuid4()),
        ready_at=state.now() + state.settings.build_seconds,
        script_id=script_id,
        voice=voice,
        sections=list(current.sections),
        rate=speech_rate(state.settings.words_per_minute, float(speed) if speed is not None else None),
    )
    jobs.speech.add(job.job_id, job)
    return JSONResponse(
        {
            "metadata": metadata(request, creditUsed=credits, creditsRemaining=remaining),
            "message": "Speech submitted",
            "data": {"speechId": job.job_id},
        },
        status_code=202,
    )


def _speech(request: Request, job: SpeechJob, outcome: SpeechOutcome) -> JSONResponse:
    if outcome.errors:
        return answer(request, "Speech failed", {"speechId": job.job_id, "errors": outcome.errors})
    data = {
        "speechId": job.job_id,
        "scriptId": job.script_id,
        "voice": job.voice,
        "sections": [
            {
                "sectionName": section.name,
                "url": media_url(request, section.file_name),
                "duration": section.duration,
            }
            for section in outcome.sections
        ],
    }
    return answer(request, "Speech generated", data)


@router.get("/speech/tts/{speech_id}")
async def get_speech(speech_id: str, request: Request) -> JSONResponse:
    """``GET /speech/tts/{speechId}``: 202 while generating; then the sections' files, or errors."""
    jobs = state_of(request).audiostack
    return await answer_poll(
        jobs.speech.get(speech_id),
        f"Speech {speech_id} not found",
        jobs.settle,
        done=lambda job, outcome: _speech(request, job, outcome),
        working=lambda job: answer(request, "Speech is being generated", {"speechId": job.job_id}, 202),
    )
