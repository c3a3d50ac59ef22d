"""The async HTTP path (``httpx``), used by triggers in the triggerer's event loop."""

from __future__ import annotations

import functools
import ssl
from types import TracebackType
from typing import Unpack

import httpx
from tenacity import AsyncRetrying

from airflow_provider_audio.client.auth import Credentials
from airflow_provider_audio.client.call import (
    ApiResponse,
    CallOptions,
    PreparedCall,
    interpret_response,
    prepare_call,
)
from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.client.retry import RetryPolicy, tenacity_arguments
from airflow_provider_audio.client.service import ServiceSpec
from airflow_provider_audio.client.timeouts import Timeouts
from airflow_provider_audio.client.transport_errors import from_httpx


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """
    One TLS context for every async client of the process.

    Each trigger has its own client; a context of its own would load the CA bundle again
    (measured: 22 ms of CPU and 835 KiB each, so 1,000 triggers starting together blocked the
    triggerer's event loop for 22 s). Shared, a client costs 0.06 ms and 3 KiB.
    """
    return httpx.create_ssl_context()


class AsyncApiClient:
    """
    Executes the same endpoint descriptions as :class:`SyncApiClient`, over ``httpx``.

    :param service: the service called.
    :param base_url: the base URL (from the connection, or the service's default).
    :param credentials: authentication headers and their secrets.
    :param timeouts: connect and read timeouts.
    :param retry_policy: how often and how long to retry; triggers pass ``RetryPolicy.no_retries()``
        because their poll loop already retries.
    :param transport: an ``httpx`` transport to use instead of the network (unit tests).
    """

    def __init__(
        self,
        service: ServiceSpec,
        base_url: str,
        credentials: Credentials,
        *,
        timeouts: Timeouts | None = None,
        retry_policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url
        self.credentials = credentials
        self.timeouts = timeouts or Timeouts()
        self.retry_policy = retry_policy or RetryPolicy()
        timeout = httpx.Timeout(self.timeouts.read, connect=self.timeouts.connect)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, verify=shared_ssl_context())

    def __repr__(self) -> str:
        return f"AsyncApiClient(service={self.service.name!r}, base_url={self.base_url!r})"

    async def __aenter__(self) -> AsyncApiClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def call(self, endpoint: Endpoint, **options: Unpack[CallOptions]) -> ApiResponse:
        """
        Call ``endpoint``; retries as the policy allows, then returns or raises a typed error.

        A raw ``content`` body that is an iterable must yield its chunks anew on every iteration,
        since a retry sends it again.
        """
        prepared = prepare_call(self.service, self.base_url, self.credentials, endpoint, **options)
        retrying = AsyncRetrying(**tenacity_arguments(self.retry_policy, endpoint))
        response: ApiResponse = await retrying(self._send, prepared)
        return response

    async def _send(self, prepared: PreparedCall) -> ApiResponse:
        try:
            raw = await self._http.request(
                prepared.endpoint.method,
                prepared.url,
                headers=dict(prepared.headers),
                params=dict(prepared.params) if prepared.params else None,
                json=prepared.json_body,
                data=prepared.form,
                files=prepared.files,
            )
        except httpx.TransportError as error:
            raise from_httpx(self.service.name, prepared, self.credentials, error) from None
        return interpret_response(
            self.service, self.credentials, prepared, raw.status_code, raw.headers, raw.content
        )

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._http.aclose()
