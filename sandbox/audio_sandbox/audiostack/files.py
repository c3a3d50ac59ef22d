"""
AudioStack's file library routes: ``POST /files``, ``GET``/``PATCH``/``DELETE /files/{fileId}``,
``PUT /files/copy``, ``GET /files/file-categories``; and, without auth, the upload URL
(``PUT /_upload/{token}``: the token is the credential, like a presigned URL) and the public
download (``GET /_files/{fileId}/{name}``).

Bodies are the official client's (audiostack 4.0.0 ``files/file.py``): snake_case fields, each
route refusing a field it does not take with a 422 that names the fields it does, so a client
that sends ``folder_id`` to ``PATCH`` (no such move) or camelCase to ``PUT /files/copy`` hears of
it. A file comes back at the top level of the body, never under ``data``.

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

from audio_sandbox.audiostack.bodies import (
    Problems,
    check_fields,
    is_text,
    json_object,
    optional_text,
    require_text,
)
from audio_sandbox.audiostack.categories import CATEGORIES, catalogue, category_by_id, category_by_name
from audio_sandbox.audiostack.library import ACCESS_CONTROLS, FileLibrary, LibraryFile
from audio_sandbox.core.auth import require_audiostack_key
from audio_sandbox.core.errors import ServiceError
from audio_sandbox.core.polling import answer_poll
from audio_sandbox.core.state import state_of

#: Bytes buffered before a write to disk.
BLOCK_BYTES = 1024 * 1024
UPLOAD_ROUTE_NAME = "audiostack_file_upload"
DOWNLOAD_ROUTE_NAME = "audiostack_file_download"
CREATE_FIELDS: tuple[str, ...] = ("file_name", "folder_id", "category_id")
UPDATE_FIELDS: tuple[str, ...] = ("file_name", "category_id", "category_name", "access_control")
COPY_FIELDS: tuple[str, ...] = ("file_id", "current_folder_id", "new_folder_id")

router = APIRouter(dependencies=[Depends(require_audiostack_key)])
public_router = APIRouter()


def library_of(request: Request) -> FileLibrary:
    """The sandbox's file library (files and folders)."""
    return state_of(request).audiostack.files


async def library_file(request: Request, file_id: str) -> LibraryFile:
    """The file ``file_id``, its processing settled first; a 404 when there is none."""
    library = library_of(request)
    return await answer_poll(
        library.get(file_id), f"File {file_id} not found", library.settle, done=lambda _, record: record
    )


def file_body(request: Request, record: LibraryFile) -> dict[str, Any]:
    """A file as the API answers it, with its public download URL once uploaded."""
    url = str(request.url_for(DOWNLOAD_ROUTE_NAME, file_id=record.file_id, file_name=quote(record.file_name)))
    return record.as_dict(url)


def check_name(value: Any, problems: Problems, key: str) -> None:
    """A file or folder name: a non-empty string without ``/``."""
    if not is_text(value):
        problems.add([key], "field required: a non-empty string")
    elif "/" in value:
        problems.add([key], "must not contain '/'")


def _category(body: dict[str, Any], problems: Problems) -> str | None:
    """The category ``category_id`` or ``category_name`` names (both: the same one), or ``None``."""
    by_id = optional_text(body, "category_id", problems)
    by_name = optional_text(body, "category_name", problems)
    known = "; see GET /files/file-categories"
    chosen = None
    if by_id is not None:
        chosen = category_by_id(by_id)
        if chosen is None:
            problems.add(["category_id"], f"no category has id {by_id!r}{known}")
    if by_name is not None:
        named = category_by_name(by_name)
        names = ", ".join(sorted({category.name for category in CATEGORIES.values()}))
        if named is None:
            problems.add(["category_name"], f"no category is named {by_name!r}; the names are {names}")
        elif chosen is not None and named != chosen:
            problems.add(["category_name"], f"names another category than category_id {by_id!r}")
        chosen = chosen or named
    return chosen.category_id if chosen is not None else None


@router.get("/files/file-categories")
async def file_categories() -> JSONResponse:
    """``GET /files/file-categories``: every file type with its categories (a cheap authenticated read)."""
    return JSONResponse(catalogue())


@router.post("/files")
async def create_file(request: Request) -> JSONResponse:
    """``POST /files``: a file record and its upload URL, at the top level of the body."""
    body = await json_object(request)
    problems = Problems()
    check_fields(body, CREATE_FIELDS, problems)
    check_name(body.get("file_name"), problems, "file_name")
    folder_id = optional_text(body, "folder_id", problems)
    category_id = _category(body, problems)
    problems.raise_if_any()
    library = library_of(request)
    if folder_id is not None:
        library.folders.get(folder_id)
    record = library.create(str(body["file_name"]), folder_id, category_id)
    upload_url = str(request.url_for(UPLOAD_ROUTE_NAME, token=record.upload_token))
    return JSONResponse({"uploadUrl": upload_url, "fileId": record.file_id, "mimeType": record.mime_type})


@router.put("/files/copy")
async def copy_file(request: Request) -> JSONResponse:
    """``PUT /files/copy``: a new file (new id, same bytes) in ``new_folder_id``; the copy is answered."""
    body = await json_object(request)
    problems = Problems()
    check_fields(body, COPY_FIELDS, problems)
    file_id, current, new_folder = (require_text(body, key, problems) for key in COPY_FIELDS)
    problems.raise_if_any()
    library = library_of(request)
    record = await library_file(request, file_id)
    library.folders.get(current)
    library.folders.get(new_folder)
    if record.folder_id != current:
        raise ServiceError(
            400, f"current_folder_id: file {file_id} is in folder {record.folder_id}, not in {current}"
        )
    copied = await library.copy(record, new_folder)
    return JSONResponse(file_body(request, copied))


@router.get("/files/{file_id}")
async def get_file(file_id: str, request: Request) -> JSONResponse:
    """``GET /files/{fileId}``: the file, its status settled first."""
    return JSONResponse(file_body(request, await library_file(request, file_id)))


@router.patch("/files/{file_id}")
async def update_file(file_id: str, request: Request) -> JSONResponse:
    """
    ``PATCH /files/{fileId}``: rename, re-categorise or change its access control; an empty body
    changes nothing (the official client's tests patch with no field and expect the file back).
    """
    body = await json_object(request)
    problems = Problems()
    check_fields(body, UPDATE_FIELDS, problems)
    if "file_name" in body:
        check_name(body["file_name"], problems, "file_name")
    access = body.get("access_control")
    if "access_control" in body and access not in ACCESS_CONTROLS:
        problems.add(["access_control"], f"must be one of {', '.join(ACCESS_CONTROLS)}; got {access!r}")
    category_id = _category(body, problems)
    problems.raise_if_any()
    record = await library_file(request, file_id)
    library_of(request).update(
        record, file_name=body.get("file_name"), category_id=category_id, access_control=access
    )
    return JSONResponse(file_body(request, record))


@router.delete("/files/{file_id}")
async def delete_file(file_id: str, request: Request) -> JSONResponse:
    """``DELETE /files/{fileId}``: forget the file and remove its bytes."""
    record = await library_file(request, file_id)
    library_of(request).delete(record)
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
