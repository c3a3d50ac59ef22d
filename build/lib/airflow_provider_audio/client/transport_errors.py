"""Mapping each HTTP library's connection failures to one typed error.

What matters is whether the request can have reached the server: a refused connection or a
connect timeout provably did not, so even a billed POST may be sent again; anything later
(a dropped connection, a read timeout) may have started the work.
"""

from __future__ import annotations

import httpx
import requests
import urllib3.exceptions

from airflow_provider_audio.client.auth import Credentials
from airflow_provider_audio.client.call import PreparedCall
from airflow_provider_audio.exceptions import AudioServiceTransportError

_NOT_SENT_URLLIB3 = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
_NOT_SENT_HTTPX = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _requests_error_not_sent(error: requests.RequestException) -> bool:
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = error.args[0] if error.args else None
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reason = reason.reason
        return isinstance(reason, _NOT_SENT_URLLIB3)
    return False


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    return f"{name}: {error}" if str(error) else name


def from_requests(
    service: str, call: PreparedCall, credentials: Credentials, error: requests.RequestException
) -> AudioServiceTransportError:
    """The typed error for a failure of the ``requests`` path."""
    return AudioServiceTransportError(
        request_sent=not _requests_error_not_sent(error),
        service=service,
        method=call.endpoint.method,
        route=call.path,
        status=None,
        api_message=credentials.scrub(_describe(error)),
    )


def from_httpx(
    service: str, call: PreparedCall, credentials: Credentials, error: httpx.TransportError
) -> AudioServiceTransportError:
    """The typed error for a failure of the ``httpx`` path."""
    return AudioServiceTransportError(
        request_sent=not isinstance(error, _NOT_SENT_HTTPX),
        service=service,
        method=call.endpoint.method,
        route=call.path,
        status=None,
        api_message=credentials.scrub(_describe(error)),
    )
