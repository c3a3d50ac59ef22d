"""The async HTTP path (``httpx``), used by triggers in the triggerer's event loop."""

from __future__ import annotations

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
from airflow_provider_audio.client.shared_http import SharedPool, acquire_shared_pool, release_shared_pool
from airflow_provider_audio.client.timeouts import Timeouts
from airflow_provider_audio.client.transport_errors import from_httpx


class AsyncApiClient:
    """
    Executes the same endpoint descriptions as :class:`SyncApiClient`, over ``httpx``.

    :param service: the service called.
    :param base_url: the base URL (from the connection, or the service's default).
    :param credentials: authentication headers and their secrets.
    :param timeouts: connect and read timeouts.
    :param retry_policy: how often and how long to retry; triggers pass ``RetryPolicy.no_retries()``
        because their poll loop already retries.
    :param transport: an ``httpx`` transport to use instead of the network (unit tests); without
        one, requests go through the running event loop's shared connection pool.
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
        self._timeout = httpx.Timeout(self.timeouts.read, connect=self.timeouts.connect)
        self._own_http = httpx.AsyncClient(transport=transport) if transport is not None else None
        self._shared_pool: SharedPool | None = None

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
            if self._own_http is not None:
                raw = await self._request(self._own_http, prepared)
            else:
                if self._shared_pool is None:
                    self._shared_pool = acquire_shared_pool()
                async with self._shared_pool.turn(self._timeout.pool) as http:
                    raw = await self._request(http, prepared)
        except httpx.TransportError as error:
            raise from_httpx(self.service.name, prepared, self.credentials, error) from None
        return interpret_response(
            self.service, self.credentials, prepared, raw.status_code, raw.headers, raw.content
        )

    async def _request(self, http: httpx.AsyncClient, prepared: PreparedCall) -> httpx.Response:
        return await http.request(
            prepared.endpoint.method,
            prepared.url,
            headers=dict(prepared.headers),
            params=dict(prepared.params) if prepared.params else None,
            json=prepared.json_body,
            data=prepared.form,
            files=prepared.files,
            timeout=self._timeout,
        )

    async def aclose(self) -> None:
        """Close this client's connections, or give back its share of the loop's pool."""
        if self._own_http is not None:
            await self._own_http.aclose()
        if self._shared_pool is not None:
            shared, self._shared_pool = self._shared_pool, None
            await release_shared_pool(shared)
