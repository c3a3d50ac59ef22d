"""Where upload bytes come from: a local file, an ``ObjectStoragePath``, or an HTTP download.

Each source knows its size up front (``Content-Range`` needs the total) and can be read from any
offset, so a retried task resumes after the last confirmed part instead of reading from zero.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import urlparse

import requests
from tenacity import Retrying

from airflow_provider_audio.client.files import as_destination, error_for_file_response
from airflow_provider_audio.client.http import retry_arguments
from airflow_provider_audio.client.service import RetryPolicy, Timeouts
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceTransportError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath


class Readable(Protocol):
    """What an upload reads from: ``readinto`` a buffer."""

    def readinto(self, buffer: memoryview) -> int | None: ...


class UploadSource(Protocol):
    """Bytes to upload, of a known size, readable from any offset."""

    name: str
    size: int

    def open_at(self, offset: int) -> Any:
        """A context manager yielding a :class:`Readable` positioned at ``offset``."""
        ...

    def read_head(self, count: int) -> bytes:
        """The first ``count`` bytes (fewer when the source is shorter), read alone."""
        ...


class FileSource:
    """
    A local file or an ``ObjectStoragePath``.

    :param path: the file; checked to exist and not be empty.
    """

    def __init__(self, path: str | os.PathLike[str] | ObjectStoragePath) -> None:
        self.path: Any = as_destination(path)
        self.name = self.path.name
        try:
            if not self.path.is_file():
                raise AudioInputError("upload", [f"source: {self.path}: no such file"])
            self.size = int(self.path.stat().st_size)
        except OSError as error:
            raise AudioInputError("upload", [f"source: {self.path}: cannot be read ({error})"]) from None
        if self.size == 0:
            raise AudioInputError("upload", [f"source: {self.path}: the file is empty"])

    def __repr__(self) -> str:
        return f"FileSource({str(self.path)!r}, size={self.size})"

    @contextmanager
    def open_at(self, offset: int) -> Iterator[BinaryIO]:
        with self.path.open("rb") as handle:
            handle.seek(offset)
            yield handle

    def read_head(self, count: int) -> bytes:
        with self.path.open("rb") as handle:
            head: bytes = handle.read(count)
        return head


class HttpSource:
    """
    A file served over HTTP (a delivered audio file), streamed, never stored.

    The size comes from the server's Content-Length; reading from an offset asks for a byte range
    and, if the server ignores ranges, skips the bytes before it. Every opening is retried on
    transient failures, and must announce the same size as the first: a response that announces
    another (a truncated or substituted file) is refused rather than uploaded.

    :param url: the file's URL (no credentials are sent).
    :param session: a ``requests`` session to reuse.
    :param timeouts: connect/read timeouts.
    :param service: the service serving the file, for error messages.
    :param retry_policy: retry bounds for opening the file.
    """

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        service: str = "download",
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self.url = url
        self.session = session or requests.Session()
        self.timeouts = timeouts or Timeouts()
        self.service = service
        self.retry_policy = retry_policy or RetryPolicy()
        self.name = Path(urlparse(url).path).name or "audio"
        self.size = 0  # unknown until the first answer
        with self._get(0) as response:
            length = response.headers.get("Content-Length")
        if not length:
            raise AudioInputError("upload", [f"source: {self.name}: the server gives no Content-Length"])
        self.size = int(length)
        if self.size == 0:
            raise AudioInputError("upload", [f"source: {self.name}: the file is empty"])

    def __repr__(self) -> str:
        return f"HttpSource({self.name!r}, size={self.size})"

    def _get(self, offset: int, last: int | None = None) -> requests.Response:
        # Reading a delivered file is a GET: safe to send again after a lost answer.
        retrying = Retrying(**retry_arguments(self.retry_policy, resend_after_loss=True))
        response: requests.Response = retrying(self._get_once, offset, last)
        return response

    def _get_once(self, offset: int, last: int | None) -> requests.Response:
        # The raw stream is read as is: ask for the file's own bytes, never a gzip'd transfer.
        headers = {"Accept-Encoding": "identity"}
        if offset or last is not None:
            headers["Range"] = f"bytes={offset}-{'' if last is None else last}"
        try:
            response = self.session.get(
                self.url, headers=headers, stream=True, timeout=(self.timeouts.connect, self.timeouts.read)
            )
        except requests.RequestException as error:
            raise self._error(f"{type(error).__name__}: {error}") from None
        if response.status_code >= 400:
            with response:
                raise error_for_file_response(
                    service=self.service, method="GET", route=urlparse(self.url).path, response=response
                )
        total = _announced_total(response)
        if self.size and total is not None and total != self.size:
            response.close()
            raise self._error(
                f"the source announced {self.size} bytes when first opened and {total} bytes now"
            )
        return response

    def _error(self, message: str) -> AudioServiceTransportError:
        path = urlparse(self.url).path
        return AudioServiceTransportError(
            request_sent=True,
            service=self.service,
            method="GET",
            route=path,
            status=None,
            api_message=message,
        )

    def read_head(self, count: int) -> bytes:
        """The first ``count`` bytes through a ranged GET (a server that ignores ranges is cut off)."""
        with self._get(0, count - 1) as response:
            head: bytes = response.raw.read(count)
        return head

    @contextmanager
    def open_at(self, offset: int) -> Iterator[Readable]:
        with self._get(offset) as response:
            stream = response.raw
            if offset and response.status_code != 206:
                _skip(stream, offset)
            yield stream


def _announced_total(response: requests.Response) -> int | None:
    """The whole file's size as a response announces it (a range's total, or the body's length)."""
    if response.status_code == 206:
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _skip(stream: Readable, count: int) -> None:
    scratch = memoryview(bytearray(min(count, 1024 * 1024)))
    while count:
        read = stream.readinto(scratch[: min(count, len(scratch))]) or 0
        if read == 0:
            raise EOFError("the source ended before the resume offset")
        count -= read


# Most bytes asked of a source at once. urllib3's readinto reads into a new bytes object of the
# size asked, then copies it: a 50 MiB part asked at once cost 0.78 s of CPU per GiB (fresh pages
# for every part), asked 256 KiB - 4 MiB at a time 0.25-0.29 s (the allocator reuses its memory).
READ_CHUNK = 1024 * 1024


def read_exactly(stream: Readable, buffer: memoryview) -> None:
    """Fill ``buffer`` from ``stream``; a source that ends early is an error, never a short part."""
    filled = 0
    while filled < len(buffer):
        read = stream.readinto(buffer[filled : filled + READ_CHUNK]) or 0
        if read == 0:
            raise EOFError(f"the source ended after {filled} of {len(buffer)} bytes of a part")
        filled += read
