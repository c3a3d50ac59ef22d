"""Files at public URLs: delivered audio streamed to a path without ever leaving a partial, the
typed error for a failed request to such a URL, and the duration of a WAV file.

The bytes go to a hidden temporary name beside the destination and are renamed into place only
when the byte count matches what the server announced, so a reader never sees half a file.
Delivery URLs are public CDN links: no API key is ever sent to them.
"""

from __future__ import annotations

import io
import os
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import requests
from tenacity import Retrying

from airflow_provider_audio.client.errors import error_for_status
from airflow_provider_audio.client.http import parse_body, retry_arguments
from airflow_provider_audio.client.service import RetryPolicy, Timeouts
from airflow_provider_audio.exceptions import AudioServiceError, AudioServiceTransportError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

# Large enough that per-chunk overhead vanishes, small enough that memory stays flat.
DOWNLOAD_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DownloadedFile:
    """
    A file written in full.

    :param path: where it is, as a string (a local path, or an object storage URL).
    :param size_bytes: its size.
    :param content_type: the Content-Type the server gave.
    :param url: where it was downloaded from.
    """

    path: str
    size_bytes: int
    content_type: str | None
    url: str = ""


def as_destination(destination: str | os.PathLike[str] | ObjectStoragePath) -> Any:
    """A path object with ``open``, ``rename``, ``unlink`` and ``parent`` (pathlib or object storage)."""
    if isinstance(destination, str | os.PathLike) and "://" not in os.fspath(destination):
        return Path(destination)
    if isinstance(destination, str):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(destination)
    return destination


def destination_problems(destination: str | os.PathLike[str] | ObjectStoragePath, field: str) -> list[str]:
    """
    Why a file could not be written at ``destination``, found before anything is paid for: a
    folder there, a file where a parent folder should be, a parent this process may not write to
    (local paths; object storage is judged by its own service when written).

    :param destination: where a file is to be written.
    :param field: the argument's name, for the messages.
    """
    target = as_destination(destination)
    if not isinstance(target, Path):
        return []
    if target.is_dir():
        return [f"{field}: {target} is a folder; give the path of a file"]
    for ancestor in target.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                return [f"{field}: {target} would be under {ancestor}, which is a file, not a folder"]
            if not os.access(ancestor, os.W_OK | os.X_OK):
                return [f"{field}: {ancestor} is not writable by this task, so {target} cannot be made"]
            return []
    return []


def download_file(
    url: str,
    destination: str | os.PathLike[str] | ObjectStoragePath,
    *,
    service: str,
    session: requests.Session | None = None,
    timeouts: Timeouts | None = None,
    retry_policy: RetryPolicy | None = None,
    chunk_bytes: int = DOWNLOAD_CHUNK_BYTES,
) -> DownloadedFile:
    """
    Stream ``url`` to ``destination``; retried as a whole on transient failures.

    :param url: the public delivery URL.
    :param destination: a local path or an ``ObjectStoragePath``; its folder is created.
    :param service: the service that delivered the file, for error messages.
    :raises AudioServiceTransportError: the connection failed or the body was shorter or longer
        than its Content-Length; nothing is left at ``destination`` or at the temporary name.
    """
    target = as_destination(destination)
    http = session or requests.Session()
    # A GET of a file: sending it again after a lost answer does no harm.
    retrying = Retrying(**retry_arguments(retry_policy or RetryPolicy(), resend_after_loss=True))
    result: DownloadedFile = retrying(
        _download_once, http, url, target, service, timeouts or Timeouts(), chunk_bytes
    )
    return result


def _download_once(
    http: requests.Session, url: str, target: Any, service: str, timeouts: Timeouts, chunk_bytes: int
) -> DownloadedFile:
    route = _route_of(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex}.part"
    try:
        # Byte counts and hashes must be of the file itself, not of a gzip'd transfer of it.
        headers = {"Accept-Encoding": "identity"}
        with http.get(
            url, headers=headers, stream=True, timeout=(timeouts.connect, timeouts.read)
        ) as response:
            if response.status_code >= 400:
                raise error_for_file_response(service=service, method="GET", route=route, response=response)
            announced = response.headers.get("Content-Length")
            written = 0
            with temporary.open("wb") as sink:
                for chunk in response.iter_content(chunk_size=chunk_bytes):
                    sink.write(chunk)
                    written += len(chunk)
            if announced is not None and int(announced) != written:
                raise _transport_error(
                    service, route, f"truncated download: {written} of {announced} bytes arrived"
                )
            content_type = response.headers.get("Content-Type")
        temporary.rename(target)
    except requests.RequestException as error:
        _remove_quietly(temporary)
        raise _transport_error(service, route, f"{type(error).__name__}: {error}") from None
    except AudioServiceError:
        _remove_quietly(temporary)
        raise
    except BaseException:
        _remove_quietly(temporary)
        raise
    return DownloadedFile(path=str(target), size_bytes=written, content_type=content_type, url=url)


def _route_of(url: str) -> str:
    # Error texts carry the route only: a signed delivery URL's query string can act as a credential.
    return urlparse(url).path or "/"


def _transport_error(service: str, route: str, message: str) -> AudioServiceTransportError:
    return AudioServiceTransportError(
        request_sent=True, service=service, method="GET", route=route, status=None, api_message=message
    )


def _remove_quietly(path: Any) -> None:
    try:
        if path.exists():
            path.unlink()
    except OSError:
        pass


def error_for_file_response(*, service: str, method: str, route: str, response: Any) -> AudioServiceError:
    """
    The typed error for a failed request to a file URL (a delivery, a presigned upload), made with
    ``requests`` outside the API client; such URLs speak plain HTTP and honour ``Retry-After`` only.

    :param response: the ``requests.Response`` with an error status.
    """
    return error_for_status(
        service=service,
        method=method,
        route=route,
        status=response.status_code,
        headers=response.headers,
        body=parse_body(response.content),
        retry_after_headers=("Retry-After",),
    )


# Enough of a WAV file to hold its header (RIFF, fmt, the odd LIST chunk, the data chunk's size).
WAV_HEAD_BYTES = 64 * 1024


def wav_duration_seconds(path: Any) -> float | None:
    """
    The duration of a WAV file at ``path`` (a local path or an ``ObjectStoragePath``).

    :return: seconds, or ``None`` when the file is not a WAV file.
    """
    with path.open("rb") as handle:
        return _wav_duration(handle)


def wav_duration_in_head(head: bytes) -> float | None:
    """
    The duration a WAV file's header announces, from its first bytes only (see
    :data:`WAV_HEAD_BYTES`); ``None`` when they are not a WAV header.
    """
    return _wav_duration(io.BytesIO(head))


def _wav_duration(stream: Any) -> float | None:
    try:
        with wave.open(stream, "rb") as reader:
            frames = reader.getnframes()
            rate = reader.getframerate()
    except (wave.Error, EOFError):
        return None
    return frames / rate if rate else None
