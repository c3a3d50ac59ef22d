"""
AIOZ Stream's routes (mounted at ``/aiozstream/api``; real base ``https://api.aiozstream.network/api``).

Success bodies are ``{"status": "success", "data": ...}`` or ``{"status": "success", "message": ...}``;
errors ``{"status": "error", "message": ...}``. Audio media only: create, upload in parts,
complete, then (``transcode_seconds`` later) stream as HLS or DASH. The playlist, manifest and
segments are public like the vendor's CDN URLs (``public_router``); everything else needs the
account's credentials.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from audio_sandbox.aiozstream import bodies as aioz_requests
from audio_sandbox.aiozstream import transcode as aioz_transcode
from audio_sandbox.aiozstream import upload as aioz_upload
from audio_sandbox.aiozstream.bodies import RequestError
from audio_sandbox.aiozstream.form import form_to_json
from audio_sandbox.aiozstream.media import Media, UploadPart, media_json, select, user_id_for
from audio_sandbox.aiozstream.store import AiozStore
from audio_sandbox.core.auth import require_aioz_keys
from audio_sandbox.core.errors import Service, ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import state_of

HLS_CONTENT_TYPE = "application/vnd.apple.mpegurl"
DASH_CONTENT_TYPE = "application/dash+xml"
SEGMENT_CONTENT_TYPE = "audio/mpeg"
_SEGMENT_NAME = re.compile(r"(\d+)\.mp3")

router = APIRouter(dependencies=[Depends(require_aioz_keys)])
#: The streaming URLs, public like the vendor's CDN: no auth.
public_router = APIRouter()


def success(data: Any, status_code: int = 200) -> JSONResponse:
    """AIOZ's success envelope."""
    return JSONResponse({"status": "success", "data": data}, status_code=status_code)


def success_message(message: str) -> JSONResponse:
    """AIOZ's success envelope for actions that return no object."""
    return JSONResponse({"status": "success", "message": message})


def _store(request: Request) -> AiozStore:
    return state_of(request).aioz


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _not_found(media_id: str) -> str:
    return f"media {media_id} not found"


def _live_media(request: Request, media_id: str) -> Media:
    media = _store(request).live(media_id)
    if media is None:
        raise ServiceError(404, _not_found(media_id))
    return media


async def _settled_media(request: Request, media_id: str) -> Media:
    """The live media ``media_id``, its transcoding settled if due; a 404 when there is none."""
    store = _store(request)
    return await answer_poll(
        store.live(media_id), _not_found(media_id), store.settle, done=lambda _, media: media
    )


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ServiceError(400, "the request body is not valid JSON") from None


def _bad_request(exc: RequestError) -> ServiceError:
    return ServiceError(400, str(exc))


@router.get("/user/me")
async def user_me(request: Request) -> JSONResponse:
    """
    ``GET /user/me``: the sandbox account, identified by the configured public key.

    The vendor spec (``GetMeResponse``) nests the account under ``data.user`` with
    ``first_name``/``last_name``; the API reference summarises it as ``data.{id, email, name}``. Both are
    served, so a client written to either finds its fields. ``balance`` is the ``aioz_balance`` knob.
    """
    state = state_of(request)
    user_id = user_id_for(state.settings.aioz_public_key)
    email = "sandbox@aiozstream.invalid"
    user = {
        "id": user_id,
        "email": email,
        "first_name": "Audio",
        "last_name": "Sandbox",
        "created_at": state.started_at_iso,
        "updated_at": state.started_at_iso,
        "balance": f"{state.settings.aioz_balance:g}",
        "debt": "0",
    }
    return success({"id": user_id, "email": email, "name": "Audio Sandbox", "user": user})


@router.post("/media/create")
async def create_media(request: Request) -> JSONResponse:
    """``POST /media/create`` (JSON or form-urlencoded): a new audio media, status ``new``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        body: Any = form_to_json(await request.body())
    else:
        body = await _json_body(request)
    try:
        new = aioz_requests.parse_create(body)
    except RequestError as exc:
        raise _bad_request(exc) from None
    user_id = user_id_for(state_of(request).settings.aioz_public_key)
    media = _store(request).create(new, user_id)
    return success(media_json(media, _base_url(request)))


@router.post("/media")
async def list_media(request: Request) -> JSONResponse:
    """``POST /media``: search the media; ``data.media`` is the page, ``data.total`` counts every match."""
    try:
        query = aioz_requests.parse_list(await _json_body(request))
    except RequestError as exc:
        raise _bad_request(exc) from None
    state = state_of(request)
    _store(request).count_listing(query.shape())
    if state.faults.chance(state.settings.fault_loose_list_rate):
        query = dataclasses.replace(query, metadata=(), tags=(), status=None)
    store = _store(request)
    for media in store.all():
        await store.settle(media)
    page, total = select(store.all(), query)
    base_url = _base_url(request)
    return success({"media": [media_json(media, base_url) for media in page], "total": total})


@router.get("/media/cost")
async def media_cost(request: Request) -> JSONResponse:
    """``GET /media/cost?qualities=&type=audio&duration=``: the transcoding price in USD."""
    try:
        query = aioz_requests.parse_cost(request.query_params)
    except RequestError as exc:
        raise _bad_request(exc) from None
    price = query.price
    return success({"price": price, "is_enough": price <= state_of(request).settings.aioz_balance})


@router.get("/media/{media_id}")
async def get_media(media_id: str, request: Request) -> JSONResponse:
    """``GET /media/{id}``: the media (its transcoding settles on the first read after it is due)."""
    media = await _settled_media(request, media_id)
    return success(media_json(media, _base_url(request)))


@router.patch("/media/{media_id}")
async def update_media(media_id: str, request: Request) -> JSONResponse:
    """``PATCH /media/{id}``: change title, description, metadata, tags, is_public, the player
    (``player_id`` or ``player_theme_id``)."""
    media = _live_media(request, media_id)
    try:
        changes = aioz_requests.parse_update(await _json_body(request))
    except RequestError as exc:
        raise _bad_request(exc) from None
    _store(request).update(media, changes)
    return success_message("Update audio info successfully.")


@router.delete("/media/{media_id}")
async def delete_media(media_id: str, request: Request) -> JSONResponse:
    """``DELETE /media/{id}``: status ``deleted``; the media is gone for every read but a status filter."""
    media = _live_media(request, media_id)
    async with media.lock:
        if media.status == "deleted":
            raise ServiceError(404, _not_found(media_id))
        _store(request).delete(media)
    return success_message("Audio deleted successfully.")


@router.post("/media/{media_id}/part")
async def upload_part(media_id: str, request: Request) -> JSONResponse:
    """
    ``POST /media/{id}/part``: multipart ``file``, ``index`` (from 1 as the official clients count,
    or from 0 as the API reference's example; then one by one), ``hash`` (MD5 hex of
    ``file``) and header ``Content-Range: bytes {start}-{end}/{total}``. Parts arrive in order;
    re-sending a stored part (same index and range, same bytes) is accepted and changes nothing.
    """
    store = _store(request)
    media = store.get(media_id)
    if media is None:
        raise ServiceError(404, _not_found(media_id))
    # A deleted media is still found here so that the answer says why it takes no parts.
    async with media.lock:
        content_range = aioz_upload.parse_content_range(request.headers.get("content-range"))
        resent = aioz_upload.plan_part(media, content_range)
        part = await aioz_upload.receive_part(request, media, content_range, append=resent is None)
        try:
            index = aioz_upload.check_part(media, content_range, resent, part)
        except ServiceError:
            part.rollback()
            raise
        if resent is None and part.assembled is not None:
            stored = UploadPart(index, content_range.start, content_range.end, part.md5)
            store.commit_part(media, stored, content_range.total, part.assembled)
    return success_message("Upload part successfully.")


@router.get("/media/{media_id}/complete")
async def complete_upload(media_id: str, request: Request) -> JSONResponse:
    """``GET /media/{id}/complete``: every byte is in; transcoding starts."""
    media = _live_media(request, media_id)
    async with media.lock:
        if media.status != "new":
            raise ServiceError(400, f"media {media_id} upload is already completed (status {media.status})")
        if media.total is None:
            raise ServiceError(400, "upload incomplete: 0 of 0 bytes received (no part uploaded yet)")
        if media.received != media.total:
            raise ServiceError(400, f"upload incomplete: {media.received} of {media.total} bytes received")
        _store(request).complete(media, state_of(request).settings.transcode_seconds)
    return success_message("Upload completed successfully.")


@router.get("/media/{media_id}/source")
async def media_source(media_id: str, request: Request) -> FileResponse:
    """``GET /media/{id}/source``: the uploaded file as assembled, once the upload is complete."""
    media = await _settled_media(request, media_id)
    if media.status == "new":
        raise ServiceError(404, f"media {media_id} has no source yet: its upload is not complete")
    content_type = media.probe.content_type if media.probe is not None else "application/octet-stream"
    return FileResponse(media.path, media_type=content_type)


# -- public streaming URLs ----------------------------------------------------------------------


async def _streamable(
    request: Request, media_id: str, kind: str | None
) -> tuple[Media, aioz_transcode.AudioProbe]:
    """The media and its probe, if it is transcoded and has a ``kind`` quality (any kind: ``None``)."""
    media = await _settled_media(request, media_id)
    if media.status != "done" or media.probe is None:
        raise ServiceError(404, f"media {media_id} is not transcoded (status {media.status})")
    if kind is not None and kind not in media.stream_types:
        raise ServiceError(404, f"media {media_id} has no {kind} quality")
    return media, media.probe


def _segment_urls(request: Request, media: Media, found: aioz_transcode.AudioProbe) -> list[str]:
    base = f"{_base_url(request)}{Service.AIOZSTREAM.prefix}/media/{media.id}/hls"
    return [f"{base}/{number}.mp3" for number in range(len(aioz_transcode.segment_durations(found)))]


def _segment_kbps(media: Media) -> int:
    """The MP3 bitrate of a WAV source's segments: the first quality's, rounded to an MP3 rate."""
    return aioz_transcode.mp3_kbps(media.qualities[0].audio_config.bitrate)


@public_router.api_route("/media/{media_id}/m3u8", methods=["GET", "HEAD"])
async def hls_playlist(media_id: str, request: Request) -> Response:
    """``GET /media/{id}/m3u8``: the VOD playlist of a transcoded media with an hls quality."""
    media, found = await _streamable(request, media_id, "hls")
    playlist = aioz_transcode.hls_playlist(found, _segment_urls(request, media, found))
    return Response(playlist, media_type=HLS_CONTENT_TYPE)


@public_router.api_route("/media/{media_id}/manifest", methods=["GET", "HEAD"])
async def dash_manifest(media_id: str, request: Request) -> Response:
    """``GET /media/{id}/manifest``: the static MPD of a transcoded media with a dash quality."""
    media, found = await _streamable(request, media_id, "dash")
    bandwidth = found.bitrate if found.format == "mp3" else _segment_kbps(media) * 1000
    manifest = aioz_transcode.dash_manifest(found, _segment_urls(request, media, found), bandwidth)
    return Response(manifest, media_type=DASH_CONTENT_TYPE)


@public_router.api_route("/media/{media_id}/hls/{segment}", methods=["GET", "HEAD"])
async def segment(media_id: str, segment: str, request: Request) -> Response:
    """``GET /media/{id}/hls/{n}.mp3``: segment ``n`` (from 0) as MP3, for HLS and DASH alike."""
    media, found = await _streamable(request, media_id, None)
    match = _SEGMENT_NAME.fullmatch(segment)
    count = len(aioz_transcode.segment_durations(found))
    if match is None or int(match.group(1)) >= count:
        raise ServiceError(404, f"media {media_id} has no segment {segment} (segments 0..{count - 1}, .mp3)")
    if found.format == "mp3":
        return FileResponse(media.path, media_type=SEGMENT_CONTENT_TYPE)
    data = await asyncio.to_thread(
        aioz_transcode.render_segment, media.path, found, int(match.group(1)), _segment_kbps(media)
    )
    return Response(data, media_type=SEGMENT_CONTENT_TYPE)
