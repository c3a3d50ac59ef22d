"""
AudioStack's folder routes (the official client's ``folders/folder.py``): ``GET``/``POST /folders``,
``GET``/``PATCH``/``DELETE /folders/{folderId}`` and ``GET /folders/{folderId}/files``.

A listing (``GET /folders``, ``?path=a/b``, ``GET /folders/{id}``) answers
``{"data": {"folders", "files", "currentPathChain"}, "pagination": {"limit", "offset"}}``; the
pagination (``limit``, ``offset`` query parameters) applies to the files. ``currentPathChain``
starts with the folder listed and goes up to the root: the client reads the root's id as the first
entry of the root's listing (``folder.py:339-357``) and its integration test reads a folder as the
first entry of that folder's listing, which a chain from the root down would not satisfy.
A folder (``POST``, ``PATCH``) comes back at the top level of the body. Bodies are snake_case
(``folder_name``, ``parent_folder_id``), as the client sends them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from audio_sandbox.audiostack.bodies import Problems, check_fields, json_object, optional_text
from audio_sandbox.audiostack.files import check_name, file_body, library_of
from audio_sandbox.audiostack.folder_tree import Folder
from audio_sandbox.core.auth import require_audiostack_key

CREATE_FIELDS: tuple[str, ...] = ("folder_name", "parent_folder_id")
UPDATE_FIELDS: tuple[str, ...] = ("folder_name",)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: OData query options the vendor's client can send and the sandbox does not evaluate.
UNSUPPORTED_QUERY: tuple[str, ...] = ("$filter", "$orderBy")

router = APIRouter(dependencies=[Depends(require_audiostack_key)])


def _whole_number(request: Request, key: str, default: int, low: int, high: int, problems: Problems) -> int:
    raw = request.query_params.get(key)
    if raw is None:
        return default
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        problems.add(["query", key], f"must be a whole number from {low} to {high}; got {raw!r}")
        return default
    return int(raw)


def _page(request: Request) -> tuple[int, int]:
    """``limit`` and ``offset`` of a listing; a 422 for anything else the sandbox cannot honour."""
    problems = Problems()
    limit = _whole_number(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, problems)
    offset = _whole_number(request, "offset", 0, 0, 10**9, problems)
    for key in UNSUPPORTED_QUERY:
        if key in request.query_params:
            problems.add(["query", key], "the sandbox does not evaluate OData expressions; leave it out")
    problems.raise_if_any()
    return limit, offset


async def _files(request: Request, folder: Folder, limit: int, offset: int) -> list[dict[str, Any]]:
    library = library_of(request)
    records = library.in_folder(folder.folder_id)[offset : offset + limit]
    return [file_body(request, await library.settle(record)) for record in records]


async def _listing(request: Request, folder: Folder) -> JSONResponse:
    limit, offset = _page(request)
    tree = library_of(request).folders
    data = {
        "folders": [child.as_dict() for child in tree.children(folder.folder_id)],
        "files": await _files(request, folder, limit, offset),
        "currentPathChain": [link.as_dict() for link in tree.chain(folder.folder_id)],
    }
    return JSONResponse({"data": data, "pagination": {"limit": limit, "offset": offset}})


@router.get("/folders")
async def list_folder(request: Request) -> JSONResponse:
    """``GET /folders[?path=a/b]``: the root's listing, or the listing of the folder at ``path``."""
    return await _listing(request, library_of(request).folders.at_path(request.query_params.get("path", "")))


@router.post("/folders")
async def create_folder(request: Request) -> JSONResponse:
    """``POST /folders``: a new folder in ``parent_folder_id`` (the root by default)."""
    body = await json_object(request)
    problems = Problems()
    check_fields(body, CREATE_FIELDS, problems)
    check_name(body.get("folder_name"), problems, "folder_name")
    parent_id = optional_text(body, "parent_folder_id", problems)
    problems.raise_if_any()
    return JSONResponse(library_of(request).folders.create(str(body["folder_name"]), parent_id).as_dict())


@router.get("/folders/{folder_id}")
async def get_folder(folder_id: str, request: Request) -> JSONResponse:
    """``GET /folders/{folderId}``: the folder's listing."""
    return await _listing(request, library_of(request).folders.get(folder_id))


@router.patch("/folders/{folder_id}")
async def rename_folder(folder_id: str, request: Request) -> JSONResponse:
    """``PATCH /folders/{folderId}``: rename it."""
    body = await json_object(request)
    problems = Problems()
    check_fields(body, UPDATE_FIELDS, problems)
    check_name(body.get("folder_name"), problems, "folder_name")
    problems.raise_if_any()
    return JSONResponse(library_of(request).folders.rename(folder_id, str(body["folder_name"])).as_dict())


@router.delete("/folders/{folder_id}")
async def delete_folder(folder_id: str, request: Request) -> JSONResponse:
    """``DELETE /folders/{folderId}``: delete an empty folder."""
    library = library_of(request)
    library.folders.delete(folder_id, holds_files=bool(library.in_folder(folder_id)))
    return JSONResponse({"message": f"Folder {folder_id} deleted"})


@router.get("/folders/{folder_id}/files")
async def folder_files(folder_id: str, request: Request) -> JSONResponse:
    """``GET /folders/{folderId}/files?limit&offset``: a page of the folder's files, under ``data``."""
    folder = library_of(request).folders.get(folder_id)
    limit, offset = _page(request)
    files = await _files(request, folder, limit, offset)
    return JSONResponse({"data": files, "pagination": {"limit": limit, "offset": offset}})
