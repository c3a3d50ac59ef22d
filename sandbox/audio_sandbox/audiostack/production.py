"""
AudioStack's classic pipeline, part two: mixing (``/production/mix``) and encoding
(``/delivery/encoder``), with their preset lists.

A mix takes finished speech (its sections in order, over a quiet bed when a ``soundTemplate``
is given) and an encoding takes a finished mix; each builds for ``build_seconds`` (fixed at
submission) and renders the first time it is read after that. Asking for a mix of speech that
is not finished, or that failed, is a 400 (likewise an encoding of an unfinished mix), and so is
a ``soundTemplate`` the sandbox does not offer: the official client sends every mix with
``strictValidation`` (audiostack 4.0.0 ``production/mix.py``), so the request itself is judged.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack.audioform import (
    ENCODER_PRESETS,
    LOUDNESS_PRESETS,
    MIXING_PRESETS,
    SANDBOX_SOUND_TEMPLATES,
    UNENCODABLE_PRESETS,
    is_sandbox_sound_template,
)
from audio_sandbox.audiostack.bodies import (
    Problems,
    check_types,
    is_text,
    json_object,
    require_text,
)
from audio_sandbox.audiostack.classic import answer, metadata
from audio_sandbox.audiostack.delivery import media_url
from audio_sandbox.audiostack.jobs import AudioStackJobs, EncodingJob, MixJob, SpeechJob
from audio_sandbox.audiostack.render import EncodingOutcome, MixOutcome
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import state_of

router = APIRouter(dependencies=[Depends(require_audiostack_key)])


def _warnings(**presets: tuple[Any, tuple[str, ...]]) -> list[str]:
    return [
        f"Unknown {name} {value!r}"
        for name, (value, known) in presets.items()
        if value is not None and value not in known
    ]


@router.get("/production/mix/presets")
async def mix_presets(request: Request) -> JSONResponse:
    """``GET /production/mix/presets``: the mastering presets."""
    return JSONResponse({"metadata": metadata(request), "data": {"presets": list(MIXING_PRESETS)}})


def _speech_to_mix(jobs: AudioStackJobs, body: dict[str, Any]) -> SpeechJob:
    speech_id = body.get("speechId")
    if speech_id is not None:
        speech = jobs.speech.get(str(speech_id))
        if speech is None:
            raise ServiceError(404, f"Speech {speech_id} not found")
        return speech
    script_id = str(body["scriptId"])
    if jobs.scripts.get(script_id) is None:
        raise ServiceError(404, f"Script {script_id} not found")
    made = [job for job in jobs.speech.values() if job.script_id == script_id]
    if not made:
        raise ServiceError(
            400, f"scriptId: script {script_id} has no speech yet; create it with POST /speech/tts"
        )
    return max(made, key=lambda job: job.ready_at)


@router.post("/production/mix", status_code=202)
async def create_mix(request: Request) -> JSONResponse:
    """``POST /production/mix``: mix finished speech (``speechId``, or a script's latest speech)."""
    body = await json_object(request)
    problems = Problems()
    given = [key for key in ("speechId", "scriptId") if body.get(key) is not None]
    if len(given) != 1:
        problems.add(["speechId"], "give exactly one of speechId and scriptId")
    elif not is_text(body[given[0]]):
        problems.add([given[0]], "must be a non-empty string")
    check_types(body, {"soundTemplate": str, "masteringPreset": str, "public": bool}, problems, [])
    problems.raise_if_any()
    template = body.get("soundTemplate")
    if template is not None and not is_sandbox_sound_template(template):
        raise ServiceError(
            400,
            f"soundTemplate: Sound template {template!r} is not available; "
            f"the sandbox offers {', '.join(SANDBOX_SOUND_TEMPLATES)}",
        )
    state = state_of(request)
    jobs = state.audiostack
    speech = _speech_to_mix(jobs, body)
    outcome = await jobs.settle(speech)
    if outcome is None:
        raise ServiceError(
            400, f"speechId: speech {speech.job_id} is still being generated; mix it once it is ready"
        )
    if outcome.errors:
        reasons = "; ".join(outcome.errors)
        raise ServiceError(400, f"speechId: speech {speech.job_id} failed, so it cannot be mixed: {reasons}")
    job = MixJob(
        job_id=str(uuid.uuid4()),
        ready_at=state.now() + state.settings.build_seconds,
        speech_id=speech.job_id,
        sections=speech.sections,
        rate=speech.rate,
        sound_template=body.get("soundTemplate"),
        mastering_preset=body.get("masteringPreset"),
    )
    jobs.mixes.add(job.job_id, job)
    submitted = {
        "metadata": metadata(request),
        "message": "Mix submitted",
        "warnings": _warnings(masteringPreset=(job.mastering_preset, MIXING_PRESETS)),
        "data": {"productionId": job.job_id},
    }
    return JSONResponse(submitted, status_code=202)


def _mixed(request: Request, job: MixJob, outcome: MixOutcome) -> JSONResponse:
    files = [{"filename": outcome.file_name, "format": "wav", "url": media_url(request, outcome.file_name)}]
    return answer(
        request, "Mix produced", {"productionId": job.job_id, "speechId": job.speech_id, "files": files}
    )


@router.get("/production/mix/{production_id}")
async def get_mix(production_id: str, request: Request) -> JSONResponse:
    """``GET /production/mix/{productionId}``: 202 while mixing; then the mixed WAV file."""
    jobs = state_of(request).audiostack
    return await answer_poll(
        jobs.mixes.get(production_id),
        f"Production {production_id} not found",
        jobs.settle,
        done=lambda job, outcome: _mixed(request, job, outcome),
        working=lambda job: answer(request, "Mix is being produced", {"productionId": job.job_id}, 202),
    )


@router.get("/delivery/encoder/presets")
async def encoder_presets(request: Request) -> JSONResponse:
    """``GET /delivery/encoder/presets``: the encoding presets (``ogg`` and ``flac`` fail on the sandbox)."""
    presets = [*ENCODER_PRESETS, *UNENCODABLE_PRESETS]
    return JSONResponse({"metadata": metadata(request), "data": {"presets": presets}})


@router.post("/delivery/encoder", status_code=202)
async def create_encoding(request: Request) -> JSONResponse:
    """``POST /delivery/encoder``: encode a finished mix with a preset."""
    body = await json_object(request)
    problems = Problems()
    production_id = require_text(body, "productionId", problems)
    preset = require_text(body, "preset", problems)
    check_types(body, {"loudnessPreset": str, "public": bool}, problems, [])
    problems.raise_if_any()
    state = state_of(request)
    jobs = state.audiostack
    production = jobs.mixes.get(production_id)
    if production is None:
        raise ServiceError(404, f"Production {production_id} not found")
    mixed = await jobs.settle(production)
    if mixed is None:
        raise ServiceError(
            400, f"productionId: production {production_id} is still being mixed; encode it once ready"
        )
    job = EncodingJob(
        job_id=str(uuid.uuid4()),
        ready_at=state.now() + state.settings.build_seconds,
        production_id=production_id,
        rendered=mixed.rendered,
        preset=preset,
        loudness_preset=body.get("loudnessPreset"),
        public=bool(body.get("public", False)),
    )
    jobs.encodings.add(job.job_id, job)
    submitted = {
        "metadata": metadata(request),
        "message": "Encoding submitted",
        "warnings": _warnings(
            preset=(preset, (*ENCODER_PRESETS, *UNENCODABLE_PRESETS)),
            loudnessPreset=(job.loudness_preset, LOUDNESS_PRESETS),
        ),
        "data": {"encoderId": job.job_id},
    }
    return JSONResponse(submitted, status_code=202)


def _encoded(request: Request, job: EncodingJob, outcome: EncodingOutcome) -> JSONResponse:
    if outcome.errors or outcome.file_name is None:
        return answer(request, "Encoding failed", {"encoderId": job.job_id, "errors": outcome.errors})
    data = {
        "encoderId": job.job_id,
        "productionId": job.production_id,
        "url": media_url(request, outcome.file_name),
        "format": outcome.extension,
        "preset": job.preset,
        "loudnessPreset": job.loudness_preset,
        "public": job.public,
    }
    return answer(request, "Encoding done", data)


@router.get("/delivery/encoder/{encoder_id}")
async def get_encoding(encoder_id: str, request: Request) -> JSONResponse:
    """``GET /delivery/encoder/{encoderId}``: 202 while encoding; then the file, or errors."""
    jobs = state_of(request).audiostack
    return await answer_poll(
        jobs.encodings.get(encoder_id),
        f"Encoding {encoder_id} not found",
        jobs.settle,
        done=lambda job, outcome: _encoded(request, job, outcome),
        working=lambda job: answer(request, "Encoding in progress", {"encoderId": job.job_id}, 202),
    )
