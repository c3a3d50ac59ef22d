"""
AudioStack's audioform batches (beta): ``POST /audioforms/batches`` and ``GET /audioforms/batches/{id}``.

Each item is an ordinary audioform (readable at ``GET /audioforms/{id}`` too), validated and
built exactly like one submitted alone. A batch poll starts rendering the items whose build time
has passed, as an audioform poll does. An item is ``queued`` for the first third of its build
time, then ``building`` until its render ends ``complete`` or ``failed``; the batch is
``complete`` once every item has ended.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack.audioform import BuildOutcome, credits_for, validate_audioform
from audio_sandbox.audiostack.audioforms import API_VERSION, audioforms_or_404, settle_audioforms
from audio_sandbox.audiostack.bodies import Problems, is_text, json_object
from audio_sandbox.audiostack.delivery import delivery_of
from audio_sandbox.audiostack.jobs import BatchItem, BatchJob
from audio_sandbox.audiostack.versions import built_result
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import AudioformJob, SandboxState, request_id_of, state_of

#: The most items a batch may hold.
MAX_ITEMS = 1000
#: The share of an item's build time it reports ``queued`` before ``building``.
QUEUED_FRACTION = 1 / 3
TERMINAL = frozenset({"complete", "failed"})

router = APIRouter(dependencies=[Depends(require_audiostack_key)])


def _validated_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("items")
    if not isinstance(items, list):
        problems = Problems()
        problems.add(["items"], "field required: a list of {name, audioform}")
        problems.raise_if_any()
    assert isinstance(items, list)
    if not 1 <= len(items) <= MAX_ITEMS:
        message = f"items: a batch holds 1 to {MAX_ITEMS} audioforms; got {len(items)}"
        raise ServiceError(400, message, errors=[{"loc": ["items"], "msg": message}])
    problems = Problems()
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.add(["items", index], "must be an object with 'name' and 'audioform'")
            continue
        name = item.get("name")
        if not is_text(name):
            problems.add(["items", index, "name"], "field required: a non-empty string")
        elif name in seen:
            problems.add(
                ["items", index, "name"], f"duplicate name {name!r}: names must be unique in a batch"
            )
        else:
            seen.add(str(name))
        problems.extend(validate_audioform(item.get("audioform")), prefix=["items", index])
    problems.raise_if_any()
    return items


@router.post("/audioforms/batches", status_code=202)
async def submit_batch(request: Request) -> JSONResponse:
    """``POST /audioforms/batches``: validate every item, then submit each as an audioform."""
    items = _validated_items(await json_object(request))
    state = state_of(request)
    used = 0.0
    remaining = state.charge_audiostack(0)
    batch_items: list[BatchItem] = []
    for item in items:
        audioform: dict[str, Any] = copy.deepcopy(item["audioform"])
        credits = credits_for(audioform)
        job, remaining = state.submit_audioform(audioform, credits)
        used += credits
        batch_items.append(BatchItem(str(item["name"]), job.audioform_id))
    batch_id = str(uuid.uuid4())
    state.audiostack.batches.add(batch_id, BatchJob(batch_id, batch_items))
    metadata = {
        "requestId": request_id_of(request),
        "version": API_VERSION,
        "creditUsed": round(used, 4),
        "creditsRemaining": remaining,
    }
    body = {"metadata": metadata, "message": "Batch submitted", "data": {"batchId": batch_id}}
    return JSONResponse(body, status_code=202)


def item_status(state: SandboxState, job: AudioformJob, outcome: BuildOutcome | None) -> str:
    """``queued``, ``building``, ``complete`` or ``failed`` (``outcome``: the job's, read once)."""
    if outcome is not None:
        return "complete" if outcome.succeeded else "failed"
    queued_until = job.submitted_at + (job.ready_at - job.submitted_at) * QUEUED_FRACTION
    return "queued" if state.now() < queued_until else "building"


def batch_status(item_statuses: list[str]) -> str:
    """``complete`` once every item has ended; ``queued`` while every item is; else ``in_progress``."""
    if all(status in TERMINAL for status in item_statuses):
        return "complete"
    if all(status == "queued" for status in item_statuses):
        return "queued"
    return "in_progress"


def _item(
    request: Request, item: BatchItem, job: AudioformJob, outcome: BuildOutcome | None, status: str
) -> dict[str, Any]:
    delivery = delivery_of(request, item.audioform_id, outcome) if outcome is not None else None
    result = None
    if outcome is not None and delivery is not None:
        result = built_result(job.audioform, API_VERSION, item.audioform_id, outcome, delivery)
    return {
        "name": item.name,
        "audioformId": item.audioform_id,
        "audioformStatus": status,
        "audioformResult": result,
        "errors": list(outcome.errors) if outcome is not None else [],
    }


def _batch(
    request: Request, batch: BatchJob, settled: list[tuple[AudioformJob, BuildOutcome | None]]
) -> JSONResponse:
    state = state_of(request)
    statuses = [item_status(state, job, outcome) for job, outcome in settled]
    status = batch_status(statuses)
    entries = zip(batch.items, settled, statuses, strict=True)
    data = {
        "batchId": batch.batch_id,
        "status": status,
        "items": [_item(request, item, job, outcome, s) for item, (job, outcome), s in entries],
    }
    metadata = {"requestId": request_id_of(request), "version": API_VERSION}
    return JSONResponse({"metadata": metadata, "message": f"Batch is {status}", "data": data})


@router.get("/audioforms/batches/{batch_id}")
async def get_batch(batch_id: str, request: Request) -> JSONResponse:
    """``GET /audioforms/batches/{id}``: always HTTP 200, with the batch's and each item's status."""
    state = state_of(request)
    not_found = f"Batch {batch_id} not found"

    async def settle(batch: BatchJob) -> list[tuple[AudioformJob, BuildOutcome | None]]:
        jobs = audioforms_or_404(state, [item.audioform_id for item in batch.items], not_found)
        return list(zip(jobs, await settle_audioforms(state, jobs), strict=True))

    return await answer_poll(
        state.audiostack.batches.get(batch_id),
        not_found,
        settle,
        done=lambda batch, settled: _batch(request, batch, settled),
    )
