"""
One part of an AIOZ upload: ``POST /media/{id}/part``, checked and streamed to disk.

The part's ``Content-Range`` decides before any byte is read whether it continues the upload
(``start`` == bytes received so far: its bytes are appended to the media's file as they arrive)
or re-sends a part already stored with the same range (its bytes are only hashed, to compare).
The multipart body is parsed as it streams in: the ``file`` field goes to disk in blocks of
:data:`BLOCK_BYTES` (written and hashed in a worker thread while the next block arrives), so a
request holds about two blocks in memory whatever the part's size. Any failure -- a check, a
malformed body, a client gone mid-body -- truncates the file back to where the part started.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from audio_sandbox.aiozstream.media import Media, UploadPart
from audio_sandbox.core.errors import ServiceError

if TYPE_CHECKING:
    from _hashlib import HASH

#: Bytes written (and hashed) at a time.
BLOCK_BYTES = 1024 * 1024
#: Longest value accepted for the ``index`` and ``hash`` fields.
MAX_FIELD_BYTES = 1024
FILE_FIELD = "file"
_TEXT_FIELDS = ("index", "hash")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+)", re.IGNORECASE)
_EXPECTED_RANGE = "bytes {start}-{end}/{total}"
#: Where an upload's part numbers may start: 1 as the official Go and Node clients count, 0 as the
#: API reference's curl example sends it. The first part decides; the others follow it one by one.
FIRST_INDEXES: tuple[int, ...] = (1, 0)


def _bad(message: str) -> ServiceError:
    return ServiceError(400, message)


@dataclass(frozen=True)
class ContentRange:
    """
    A part's ``Content-Range``.

    :param start: first byte's offset.
    :param end: last byte's offset (inclusive).
    :param total: the whole file's size.
    """

    start: int
    end: int
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def __str__(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.total}"


def parse_content_range(header: str | None) -> ContentRange:
    """
    The ``Content-Range`` header of a part upload.

    :raises ServiceError: (400) when it is missing, malformed or inconsistent.
    """
    if header is None:
        raise _bad(f"Content-Range header is required: {_EXPECTED_RANGE}")
    match = _CONTENT_RANGE.fullmatch(header.strip())
    if match is None:
        raise _bad(f"Content-Range header is malformed: expected '{_EXPECTED_RANGE}', got {header!r}")
    start, end, total = (int(group) for group in match.groups())
    if not start <= end < total:
        raise _bad(f"Content-Range header {header!r} is inconsistent: it needs start <= end < total")
    return ContentRange(start, end, total)


def plan_part(media: Media, content_range: ContentRange) -> UploadPart | None:
    """
    Check a part's range against the upload so far, before its body is read.

    :returns: the stored part this one re-sends, or ``None`` for the next new part.
    :raises ServiceError: (400) when the media no longer takes parts, the total changed, or the
        range neither continues the upload nor repeats a stored part.
    """
    if media.status != "new":
        raise _bad(f"media {media.id} is {media.status}: parts are accepted only while its status is new")
    if media.total is not None and content_range.total != media.total:
        raise _bad(
            f"Content-Range total {content_range.total} differs from the total {media.total} "
            "of the parts already received"
        )
    if content_range.start == media.received:
        return None
    for part in media.parts:
        if (part.start, part.end) == (content_range.start, content_range.end):
            return part
    raise _bad(
        f"Content-Range {content_range} does not continue the upload: {media.received} bytes "
        f"received so far, so the next part must start at byte {media.received}"
    )


class _Sink:
    """Where the ``file`` field's bytes go: hashed, and appended to the media's file unless re-sent."""

    def __init__(self, path: Path, start: int, assembled: HASH | None) -> None:
        self.path = path
        self.start = start
        self.part_md5 = hashlib.md5(usedforsecurity=False)
        #: The running MD5 of the whole assembly, continued with this part (``None`` when re-sent).
        self.assembled = assembled
        self.size = 0
        self._file: BinaryIO | None = None
        if assembled is not None:
            self._file = path.open("r+b")
            self._file.truncate(start)
            self._file.seek(start)

    def jobs(self, block: bytearray) -> list[Callable[[], object]]:
        """
        The independent steps of taking one block -- hash it for the part, continue the
        assembly's hash, append it to the file -- to run at the same time in worker threads
        (hashing and writing release the GIL). Blocks must be taken one after the other.
        """
        self.size += len(block)
        steps: list[Callable[[], object]] = [functools.partial(self.part_md5.update, block)]
        if self.assembled is not None and self._file is not None:
            steps.append(functools.partial(self.assembled.update, block))
            steps.append(functools.partial(self._file.write, block))
        return steps

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def rollback(self) -> None:
        """Drop whatever this part wrote."""
        self.close()
        if self.assembled is not None:
            os.truncate(self.path, self.start)


class _FormReader:
    """Feeds a multipart body to python-multipart and sorts its fields as they stream past."""

    def __init__(self, boundary: bytes) -> None:
        self.pending = bytearray()
        self.fields: dict[str, bytearray] = {}
        self.file_seen = False
        self.ended = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._current: str | None = None
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_end": self._on_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise _bad(f"malformed multipart body: {exc}") from None

    def finish(self) -> None:
        self._parser.finalize()
        if not self.ended:
            raise _bad("malformed multipart body: it ends before its closing boundary")

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return None if value is None else value.decode("utf-8", errors="replace").strip()

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._current = None

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name.extend(data[start:end])

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value.extend(data[start:end])

    def _on_header_end(self) -> None:
        self._headers[self._header_name.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", errors="replace")
        if name == FILE_FIELD:
            if self.file_seen:
                raise _bad("the body carries more than one file field; send one part per request")
            self.file_seen = True
        elif name in _TEXT_FIELDS:
            self.fields[name] = bytearray()
        self._current = name

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current == FILE_FIELD:
            self.pending.extend(memoryview(data)[start:end])
        elif self._current in _TEXT_FIELDS:
            value = self.fields[self._current]
            value.extend(data[start:end])
            if len(value) > MAX_FIELD_BYTES:
                raise _bad(f"the {self._current} field is longer than {MAX_FIELD_BYTES} bytes")

    def _on_end(self) -> None:
        self.ended = True


@dataclass
class ReceivedPart:
    """
    A part's body, read: its fields, and its bytes (already appended unless it is a re-send).

    :param index: the ``index`` field as sent, if any.
    :param hash: the ``hash`` field as sent, if any.
    :param file_seen: whether there was a ``file`` field.
    :param size: bytes in the ``file`` field.
    :param md5: hex MD5 of those bytes.
    :param assembled: the running MD5 of the assembly including them (``None`` for a re-send).
    :param sink: where the bytes went, to take them back with :meth:`rollback`.
    """

    index: str | None
    hash: str | None
    file_seen: bool
    size: int
    md5: str
    assembled: HASH | None
    sink: _Sink

    def rollback(self) -> None:
        """Remove this part's bytes from the media's file (nothing to do for a re-send)."""
        self.sink.rollback()


def _boundary(request: Request) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise _bad("the body must be multipart/form-data with the fields file, index and hash")
    return boundary


async def receive_part(
    request: Request, media: Media, content_range: ContentRange, append: bool
) -> ReceivedPart:
    """
    Stream the part's body: append its ``file`` bytes to ``media``'s file at ``content_range.start``
    when ``append`` (else only hash them), and collect ``index`` and ``hash``.

    :raises ServiceError: (400) for a body that is not a well-formed multipart form or that ends
        early (the client went away); the file is then truncated back to where the part started.
    """
    reader = _FormReader(_boundary(request))
    sink = _Sink(media.path, content_range.start, media.assembled_md5.copy() if append else None)
    loop = asyncio.get_running_loop()
    in_flight: asyncio.Future[list[object]] | None = None

    async def flush() -> None:
        # One block is hashed and written while the next one arrives; blocks go in order.
        nonlocal in_flight
        if in_flight is not None:
            await in_flight
            in_flight = None
        if reader.pending:
            block, reader.pending = reader.pending, bytearray()
            in_flight = asyncio.gather(*(loop.run_in_executor(None, job) for job in sink.jobs(block)))

    try:
        async for chunk in request.stream():
            reader.feed(chunk)
            if len(reader.pending) >= BLOCK_BYTES:
                await flush()
        reader.finish()
        await flush()
        await flush()
    except BaseException as exc:
        if in_flight is not None:
            # Let the last block's writes end before truncating; their own failure (if that is
            # what is being handled) is already on its way up.
            with contextlib.suppress(BaseException):
                await asyncio.shield(in_flight)
        sink.rollback()
        if isinstance(exc, ClientDisconnect):
            # Nobody reads this answer; it only keeps a traceback out of the server's log.
            raise _bad("the client disconnected before the part's body ended") from None
        raise
    sink.close()
    return ReceivedPart(
        index=reader.text("index"),
        hash=reader.text("hash"),
        file_seen=reader.file_seen,
        size=sink.size,
        md5=sink.part_md5.hexdigest(),
        assembled=sink.assembled,
        sink=sink,
    )


def check_part(
    media: Media, content_range: ContentRange, resent: UploadPart | None, part: ReceivedPart
) -> int:
    """
    Check a received part's fields against its range and the upload.

    :returns: the part's index.
    :raises ServiceError: (400) naming what is wrong.
    """
    if not part.file_seen:
        raise _bad("file is required: the part's bytes in a multipart field named file")
    if part.index is None or part.index == "":
        raise _bad("index is required: the part's number, 1-based as the official clients count")
    if not part.index.isdigit():
        raise _bad(f"index must be a whole number, 1-based as the official clients count; got {part.index!r}")
    index = int(part.index)
    if part.size != content_range.length:
        raise _bad(
            f"Content-Range {content_range} announces {content_range.length} bytes "
            f"but the file field has {part.size}"
        )
    if not part.hash:
        raise _bad("hash is required: the MD5 hex digest of the file field")
    if resent is None and not media.parts and index not in FIRST_INDEXES:
        raise _bad(
            f"index {index} is out of order: no part received yet, so the first index is 1 "
            "(1-based, as the official clients count) or 0 (0-based)"
        )
    if resent is None and media.parts and index != media.parts[-1].index + 1:
        raise _bad(
            f"index {index} is out of order: {len(media.parts)} part(s) received, "
            f"so the next index is {media.parts[-1].index + 1}"
        )
    if resent is not None and index != resent.index:
        raise _bad(
            f"index {index} does not match part {resent.index} already received "
            f"for bytes {resent.start}-{resent.end}"
        )
    if part.hash.lower() != part.md5:
        raise _bad(f"hash mismatch for part {index}: expected {part.md5}, got {part.hash}")
    if resent is not None and part.md5 != resent.md5:
        raise _bad(f"part {index} differs from the part already received")
    return index
