"""One prepared call and its answer: the part of a request both HTTP paths share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from airflow_provider_audio.client.auth import Credentials
from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.client.messages import error_for_status, parse_body
from airflow_provider_audio.client.service import ServiceSpec
from airflow_provider_audio.exceptions import AudioServiceError

USER_AGENT = "airflow-provider-audio"

# Multipart files as (field name, (file name, bytes, content type)); a field may repeat.
FormFiles = Sequence[tuple[str, tuple[str, bytes, str]]]


@dataclass(frozen=True)
class PreparedCall:
    """
    Everything needed to send one request, independent of the HTTP library.

    :param endpoint: the endpoint being called.
    :param url: absolute URL without the query string.
    :param path: the filled-in route, used in error messages (never the host, never a query).
    :param headers: all headers, authentication included.
    :param params: query parameters.
    :param json_body: a JSON body, or ``None``.
    :param form: multipart form fields, or ``None``.
    :param files: multipart files as ``(field, (filename, bytes, content type))`` pairs, or ``None``.
    :param content: a raw body (bytes, or a re-iterable of chunks with a length), or ``None``.
    """

    endpoint: Endpoint
    url: str
    path: str
    headers: Mapping[str, str] = field(repr=False)
    params: Mapping[str, Any] | None = None
    json_body: Any = None
    form: Mapping[str, str] | None = None
    files: FormFiles | None = field(default=None, repr=False)
    content: Any = field(default=None, repr=False)


@dataclass(frozen=True)
class ApiResponse:
    """
    A successful (or "still working") answer.

    :param status: HTTP status.
    :param body: parsed JSON, text, or ``None`` for an empty body.
    :param headers: response headers.
    :param pending: the status is one the endpoint uses for "accepted, still working".
    """

    status: int
    body: Any
    headers: Mapping[str, str]
    pending: bool

    def json_object(self) -> dict[str, Any]:
        """The body, which must be a JSON object."""
        if not isinstance(self.body, dict):
            raise ValueError(f"expected a JSON object, got {type(self.body).__name__}")
        return self.body


class CallOptions(TypedDict, total=False):
    """
    What a call may carry besides its endpoint, for both HTTP paths.

    :param path_params: values of the route's ``{placeholders}``.
    :param params: query parameters (``None`` values are left out).
    :param json_body: a JSON body.
    :param headers: extra headers.
    :param form: multipart form fields.
    :param files: multipart files.
    :param content: a raw body (bytes, or a re-iterable of chunks with a length).
    """

    path_params: dict[str, str] | None
    params: Mapping[str, Any] | None
    json_body: Any
    headers: Mapping[str, str] | None
    form: Mapping[str, str] | None
    files: FormFiles | None
    content: Any


def prepare_call(
    service: ServiceSpec,
    base_url: str,
    credentials: Credentials,
    endpoint: Endpoint,
    **options: Unpack[CallOptions],
) -> PreparedCall:
    """Fill in the route and headers of one call."""
    path = endpoint.path(options.get("path_params"))
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **credentials.headers}
    all_headers.update(options.get("headers") or {})
    cleaned_params = {key: value for key, value in (options.get("params") or {}).items() if value is not None}
    return PreparedCall(
        endpoint=endpoint,
        url=base_url.rstrip("/") + path,
        path=path,
        headers=all_headers,
        params=cleaned_params or None,
        json_body=options.get("json_body"),
        form=options.get("form"),
        files=options.get("files"),
        content=options.get("content"),
    )


def interpret_response(
    service: ServiceSpec,
    credentials: Credentials,
    call: PreparedCall,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
) -> ApiResponse:
    """Turn a raw answer into an :class:`ApiResponse`, or raise the typed error for it."""
    body = parse_body(content)
    if status >= 400:
        error = error_for_status(
            service=service.name,
            method=call.endpoint.method,
            route=call.path,
            status=status,
            headers=headers,
            body=body,
            retry_after_headers=service.retry_after_headers,
        )
        raise scrubbed(error, credentials)
    return ApiResponse(
        status=status, body=body, headers=headers, pending=status in call.endpoint.pending_statuses
    )


def scrubbed(error: AudioServiceError, credentials: Credentials) -> AudioServiceError:
    """The same error with every secret removed from its texts."""
    error.api_message = credentials.scrub(error.api_message)
    error.args = tuple(credentials.scrub(str(arg)) for arg in error.args)
    return error
