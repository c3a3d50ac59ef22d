"""PUT a whole file to a presigned upload URL (AudioStack files), streamed, never with the API key."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

import requests
from tenacity import Retrying

from airflow_provider_audio.client.files import error_for_file_response
from airflow_provider_audio.client.http import retry_arguments
from airflow_provider_audio.client.service import RetryPolicy, Timeouts
from airflow_provider_audio.exceptions import AudioServiceTransportError

if TYPE_CHECKING:
    from airflow_provider_audio.upload.sources import FileSource


def put_file(
    url: str,
    source: FileSource,
    content_type: str,
    *,
    service: str,
    timeouts: Timeouts | None = None,
    retry_policy: RetryPolicy | None = None,
    session: requests.Session | None = None,
) -> None:
    """
    Stream ``source`` to ``url`` with ``Content-Type`` and ``Content-Length``; retried whole.

    :param url: the presigned URL (a credential in itself: it never appears in error texts).
    :param source: the file.
    :param content_type: the type the service asked for.
    :param service: the service, for error messages.
    """
    http = session or requests.Session()
    limits = timeouts or Timeouts()
    route = urlparse(url).path or "/"

    def attempt() -> None:
        with source.open_at(0) as stream:
            try:
                response = http.put(
                    url,
                    data=stream,
                    headers={"Content-Type": content_type, "Content-Length": str(source.size)},
                    timeout=(limits.connect, limits.read),
                )
            except requests.RequestException as error:
                raise AudioServiceTransportError(
                    request_sent=True,
                    service=service,
                    method="PUT",
                    route=route,
                    status=None,
                    api_message=f"{type(error).__name__} while uploading {source.name}",
                ) from None
        if response.status_code >= 400:
            raise error_for_file_response(service=service, method="PUT", route=route, response=response)

    # Re-sending the whole file to the same presigned URL replaces it: safe to send again.
    Retrying(**retry_arguments(retry_policy or RetryPolicy(), resend_after_loss=True))(attempt)
