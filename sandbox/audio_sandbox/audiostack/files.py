"""
AudioStack's file library routes: ``POST /files``, ``GET``/``PATCH``/``DELETE /files/{fileId}``,
``PUT /files/copy``; and, without auth, the upload URL (``PUT /_upload/{token}``: the token is
the credential, like a presigned URL) and the public download (``GET /_files/{fileId}/{name}``).

An upload streams to disk in blocks of :data:`BLOCK_BYTES` (written in a worker thread), so a
big file is never whole in memory; it must carry the file's ``mimeType`` as ``Content-Type`` and
a ``Content-Length`` matching its body. A failed upload leaves the earlier bytes as they were.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.requests import ClientDisconnect

from audio_sandbox.audiostack.bodies import Problems, is_text, json_object, require_text
from audio_sandbox.audiostack.library import FileLibrary, LibraryFile
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import state_of

#: Bytes buffered before a write to disk.
BLOCK_BYTES = 1024 * 1024
UPLOAD_ROUTE_NAME = "audiostack_file_upload"
DOWNLOAD_ROUTE_NAME = "audiostack_file_download"
#: ``PATCH /files/{fileId}`` takes these (the official SDK's names).
UPDATE_FIELDS: tuple[str, ...] = ("file_name", "folder_id", "category_id")

router = APIRouter(dependencies=[Depends(require_audiostack_key)])
public_router = APIRouter()


def _library(request: Request) -> FileLibrary:
    return state_of(request).audiostack.files


async def library_file(request: Request, file_id: str) -> LibraryFile:
    """The file ``file_id``, its processing settled first; a 404 when there is none."""
    library = _library(request)
    return await answer_poll(
        library.get(file_id), f"File {file_id} not found", library.settle, done=lambda _, record: record
    )


def file_body(request: Request, record: LibraryFile) -> dict[str, Any]:
    """A file as the API answers it, with its public download URL once uploaded."""
    url = str(request.url_for(DOWNLOAD_ROUTE_NAME, file_id=record.file_id, file_name=quote(record.file_name)))
    return record.as_dict(url)


def _check_name(value: Any, problems: Problems, key: str) -> None:
    if not is_text(value):
        problems.add([key], "field required: a non-empty string")
    elif "/" in value:
        problems.add([key], "must not contain '/'")


def _check_optional_id(body: dict[str, Any], key: str, problems: Problems) -> None:
    value = body.get(key)
    if value is not None and not is_text(value):
        problems.add([key], "must be a non-empty string or null")


@router.post("/files")
async def create_file(request: Request) -> JSONResponse:
    """``POST /files``: a file record and its upload URL, at the top level of the body."""
    body = await json_object(request)
    problems = Problems()
    name_key = "file_name" if "file_name" in body or "fileName" not in body else "fileName"
    if "file_name" in body and "fileName" in body and body["file_name"] != body["fileName"]:
        problems.add(["fileName"], "differs from file_name; give one of them")
    _check_name(body.get(name_key), problems, name_key)
    ids = {"folder": ("folder_id", "folderId"), "category": ("category_id", "categoryId")}
    chosen: dict[str, str | None] = {}
    for what, (snake, camel) in ids.items():
        key = snake if snake in body or camel not in body else camel
        _check_optional_id(body, key, problems)
        chosen[what] = body.get(key)
    problems.raise_if_any()
    record = _library(request).create(str(body[name_key]), chosen["folder"], chosen["category"])
    upload_url = str(request.url_for(UPLOAD_ROUTE_NAME, token=record.upload_token))
    return JSONResponse({"uploadUrl": upload_url, "fileId": record.file_id, "mimeType": record.mime_type})


@router.put("/files/copy")
async def copy_file(request: Request) -> JSONResponse:
    """``PUT /files/copy``: a new file (new id, same bytes) in ``newFolderId``."""
    body = await json_object(request)
    problems = Problems()
    file_id = require_text(body, "fileId", problems)
    current = require_text(body, "currentFolderId", problems)
    new_folder = require_text(body, "newFolderId", problems)
    problems.raise_if_any()
    record = await library_file(request, file_id)
    if record.folder_id != current:
        raise ServiceError(
            400, f"currentFolderId: file {file_id} is in folder {record.folder_id}, not in {current}"
        )
    copied = await _library(request).copy(record, new_folder)
    return JSONResponse({"message": "File copied", "data": file_body(request, copied)})


@router.get("/files/{file_id}")
async def get_file(file_id: str, request: Request) -> JSONResponse:
    """``GET /files/{fileId}``: the file, its status settled first."""
    record = await library_file(request, file_id)
    return JSONResponse({"data": file_body(request, record)})


@router.patch("/files/{file_id}")
async def update_file(file_id: str, request: Request) -> JSONResponse:
    """``PATCH /files/{fileId}``: rename, move or re-categorise."""
    body = await json_object(request)
    problems = Problems()
    for key in sorted(set(body) - set(UPDATE_FIELDS)):
        problems.add([key], f"unknown field; the fields are {', '.join(UPDATE_FIELDS)}")
    if not body:
        problems.add(["body"], f"give at least one of {', '.join(UPDATE_FIELDS)}")
    if "file_name" in body:
        _check_name(body["file_name"], problems, "file_name")
    for key in ("folder_id", "category_id"):
        _check_optional_id(body, key, problems)
    problems.raise_if_any()
    record = await library_file(request, file_id)
    _library(request).update(record, body)
    return JSONResponse({"message": "File updated", "data": file_body(request, record)})


@router.delete("/files/{file_id}")
async def delete_file(file_id: str, request: Request) -> JSONResponse:
    """``DELETE /files/{fileId}``: forget the file and remove its bytes."""
    record = await library_file(request, file_id)
    _library(request).delete(record)
    return JSONResponse({"message": f"File {file_id} deleted"})


def _media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def _declared_length(request: Request) -> int:
    header = request.headers.get("content-length")
    if header is None or not header.strip().isdigit():
        raise ServiceError(400, "Content-Length header is required: the size of the file in bytes")
    return int(header)


async def _receive(request: Request, staged: Path, declared: int) -> int:
    """Stream the body to ``staged``; return the bytes received (stopping past ``declared``)."""
    received = 0
    out = await asyncio.to_thread(staged.open, "wb")
    try:
        buffer = bytearray()
        async for chunk in request.stream():
            received += len(chunk)
            if received > declared:
                break
            buffer += chunk
            if len(buffer) >= BLOCK_BYTES:
                await asyncio.to_thread(out.write, bytes(buffer))
                buffer.clear()
        if buffer and received <= declared:
            await asyncio.to_thread(out.write, bytes(buffer))
    finally:
        await asyncio.to_thread(out.close)
    return received


@public_router.put("/_upload/{token}", name=UPLOAD_ROUTE_NAME)
async def upload(token: str, request: Request) -> Response:
    """``PUT {uploadUrl}``: the file's bytes, raw; a second PUT replaces them."""
    state = state_of(request)
    library = state.audiostack.files
    record = library.by_token(token)
    if record is None:
        raise ServiceError(404, "No file has this upload URL")
    sent = _media_type(request.headers.get("content-type"))
    if sent != record.mime_type:
        raise ServiceError(
            400, f"Content-Type must be {record.mime_type} (the file's mimeType); got {sent or 'none'}"
        )
    declared = _declared_length(request)
    staged = library.staging_path(record)
    try:
        received = await _receive(request, staged, declared)
    except ClientDisconnect:
        staged.unlink(missing_ok=True)
        # Nobody reads this answer; it only keeps a traceback out of the server's log.
        raise ServiceError(400, "the client disconnected before the file's body ended") from None
    except BaseException:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
        raise
    if received != declared:
        staged.unlink(missing_ok=True)
        raise ServiceError(400, f"Content-Length says {declared} bytes but the body has {received}")
    library.commit_upload(record, staged, received, state.settings.file_processing_seconds)
    return Response(status_code=200)


@public_router.api_route("/_files/{file_id}/{file_name}", methods=["GET", "HEAD"], name=DOWNLOAD_ROUTE_NAME)
async def download(file_id: str, file_name: str, request: Request) -> Response:
    """``GET /_files/{fileId}/{fileName}``: an uploaded file's bytes (public, like a CDN link)."""
    library = state_of(request).audiostack.files
    record = library.get(file_id)
    if record is not None:
        await library.settle(record)
    if record is None or record.status != "uploaded" or record.file_name != file_name:
        raise ServiceError(404, f"No uploaded file {file_id}/{file_name}")
    return FileResponse(record.path, media_type=record.mime_type)
