"""
AudioStack's creator routes: ``POST /creator/brief`` (ads, each an audioform) and
``POST``/``GET /creator/story`` (long-form audio, an audioform per chapter).

A story builds for ``story_seconds`` (fixed at submission); the first read after that renders
its chapters (each an audioform, also readable at ``GET /audioforms/{id}``) and answers 202
until every chapter's file exists. A failed story answers HTTP 200 with ``data.statusCode: 500``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack.audioform import BuildOutcome, credits_for, validate_audioform
from audio_sandbox.audiostack.audioforms import API_VERSION, audioforms_or_404, settle_audioforms
from audio_sandbox.audiostack.bodies import json_object
from audio_sandbox.audiostack.brief import ad_audioform, brief_from_file, parse_request
from audio_sandbox.audiostack.delivery import delivery_of
from audio_sandbox.audiostack.files import library_file
from audio_sandbox.audiostack.jobs import BriefJob, StoryJob
from audio_sandbox.audiostack.story import chapter_audioform, check_story, failure_of
from audio_sandbox.audiostack.versions import PLACED_VERSION, built_result
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import AudioformJob, SandboxState, request_id_of, state_of

#: The largest library file read as a brief.
MAX_BRIEF_FILE_BYTES = 1024 * 1024

router = APIRouter(dependencies=[Depends(require_audiostack_key)])


def _metadata(request: Request) -> dict[str, Any]:
    return {"requestId": request_id_of(request), "version": API_VERSION}


def _submit(state: SandboxState, audioform: dict[str, Any]) -> tuple[AudioformJob, float]:
    """Submit an audioform the sandbox wrote itself (valid by construction); return it and its cost."""
    problems = validate_audioform(audioform)
    if problems:  # a bug in the writer, not in the request
        raise ServiceError(500, f"The sandbox wrote an invalid audioform: {problems}")
    credits = credits_for(audioform)
    job, _ = state.submit_audioform(audioform, credits)
    return job, credits


async def _brief_in_library(request: Request, file_id: str) -> dict[str, Any]:
    record = await library_file(request, file_id)
    if record.status != "uploaded":
        raise ServiceError(
            400, f"fileId: file {file_id} is {record.status}; a brief file must be uploaded first"
        )
    if (record.size or 0) > MAX_BRIEF_FILE_BYTES:
        raise ServiceError(400, f"fileId: file {file_id} is too large to be a brief ({record.size} bytes)")
    data = await asyncio.to_thread(record.path.read_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceError(400, f"fileId: file {file_id} is not UTF-8 text: it holds no brief") from None
    return brief_from_file(text)


@router.post("/creator/brief")
async def create_brief(request: Request) -> JSONResponse:
    """``POST /creator/brief``: write ``numAds`` ads and submit each as an audioform (200)."""
    parsed = parse_request(await json_object(request))
    state = state_of(request)
    brief = parsed.brief
    if brief is None:
        assert parsed.file_id is not None
        brief = await _brief_in_library(request, parsed.file_id)
    words_per_minute = state.settings.words_per_minute
    ads: list[dict[str, Any]] = []
    used = 0.0
    for index in range(parsed.num_ads):
        audioform = ad_audioform(brief, index, parsed.audioform_version, words_per_minute)
        job, credits = _submit(state, audioform)
        used += credits
        # Each ad as the vendor's brief fixtures show it: the audioform under "audioform" again.
        ads.append(
            {"statusCode": 202, "audioformId": job.audioform_id, "audioform": {"audioform": audioform}}
        )
    brief_id = str(uuid.uuid4())
    state.audiostack.briefs.add(brief_id, BriefJob(brief_id, [ad["audioformId"] for ad in ads]))
    # A brief's answer reports credits under "meta" (the vendor's brief fixtures), the only key the
    # official client adds to its session's credits (helpers/request_interface.py:115-117).
    meta = {
        **_metadata(request),
        "creditsUsed": round(used, 4),
        "creditsRemaining": state.charge_audiostack(0),
    }
    message = f"Brief produced {len(ads)} audioform(s)"
    body = {"meta": meta, "message": message, "warnings": [], "data": {"audioforms": ads}}
    return JSONResponse(body)


@router.post("/creator/story", status_code=202)
async def create_story(request: Request) -> JSONResponse:
    """``POST /creator/story``: check the story, write an audioform per chapter, answer 202."""
    story = check_story(await json_object(request))
    state = state_of(request)
    failure = failure_of(story)
    chapter_ids: list[str] = []
    used = 0.0
    if failure is None:
        for index in range(len(story["chapters"])):
            job, credits = _submit(state, chapter_audioform(story, index))
            chapter_ids.append(job.audioform_id)
            used += credits
    story_id = str(uuid.uuid4())
    ready_at = state.now() + state.settings.story_seconds
    state.audiostack.stories.add(story_id, StoryJob(story_id, ready_at, chapter_ids, failure))
    # The vendor's story fixtures report credits as metadata.creditsUsed.
    metadata = {
        **_metadata(request),
        "creditsUsed": round(used, 4),
        "creditsRemaining": state.charge_audiostack(0),
    }
    body = {"metadata": metadata, "warnings": [], "message": "Story submitted", "data": {"storyId": story_id}}
    return JSONResponse(body, status_code=202)


def _building(request: Request, story_id: str, message: str) -> JSONResponse:
    # The official client reads data.storyId and data.statusCode of every story answer.
    data = {"storyId": story_id, "statusCode": 202}
    return JSONResponse({"metadata": _metadata(request), "message": message, "data": data}, status_code=202)


def _failed(request: Request, story_id: str, message: str) -> JSONResponse:
    data = {"storyId": story_id, "statusCode": 500, "message": message}
    return JSONResponse({"metadata": _metadata(request), "message": "Story failed", "data": data})


def _built(
    request: Request, story_id: str, chapters: list[tuple[AudioformJob, BuildOutcome]]
) -> JSONResponse:
    audioforms: list[dict[str, Any]] = []
    duration = 0.0
    for number, (job, outcome) in enumerate(chapters, start=1):
        delivery = delivery_of(request, job.audioform_id, outcome)
        if delivery is None:
            reasons = "; ".join(outcome.errors)
            return _failed(request, story_id, f"Chapter {number} failed to build: {reasons}")
        duration += outcome.duration_seconds or 0.0
        # Story output is version "3" of the format (the vendor's story fixture).
        audioforms.append(built_result(job.audioform, PLACED_VERSION, job.audioform_id, outcome, delivery))
    data = {
        "storyId": story_id,
        "statusCode": 200,
        "storyResult": {"durationSeconds": round(duration, 3), "chapters": len(audioforms)},
        "audioforms": audioforms,
    }
    return JSONResponse({"metadata": _metadata(request), "message": "Story built", "data": data})


@router.get("/creator/story/{story_id}")
async def get_story(story_id: str, request: Request) -> JSONResponse:
    """``GET /creator/story/{id}``: 202 while building; then 200 with ``data.statusCode`` 200 or 500."""
    state = state_of(request)
    not_found = f"Story {story_id} not found"
    # Read once: it decides both whether the story is still building and what the 202 says.
    now = state.now()

    async def settle(story: StoryJob) -> list[tuple[AudioformJob, BuildOutcome]] | None:
        if now < story.ready_at:
            return None
        if story.failure is not None:
            return []
        chapters = audioforms_or_404(state, story.chapter_ids, not_found)
        outcomes = await settle_audioforms(state, chapters)
        built = [
            (job, outcome) for job, outcome in zip(chapters, outcomes, strict=True) if outcome is not None
        ]
        return built if len(built) == len(chapters) else None

    def building(story: StoryJob) -> JSONResponse:
        if now < story.ready_at:
            return _building(request, story_id, "Story is being built")
        return _building(request, story_id, "Story is being built: rendering its chapters")

    def done(story: StoryJob, chapters: list[tuple[AudioformJob, BuildOutcome]]) -> JSONResponse:
        if story.failure is not None:
            return _failed(request, story_id, story.failure)
        return _built(request, story_id, chapters)

    return await answer_poll(state.audiostack.stories.get(story_id), not_found, settle, done, building)
