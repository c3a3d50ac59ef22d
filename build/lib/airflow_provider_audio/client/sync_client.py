"""The sync HTTP path (``requests``), used by hooks inside tasks."""

from __future__ import annotations

from typing import Unpack

import requests
from tenacity import Retrying

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
from airflow_provider_audio.client.transport_errors import from_requests


class SyncApiClient:
    """
    Executes endpoint descriptions over ``requests``, with the shared retry policy.

    :param service: the service called.
    :param base_url: the base URL (from the connection, or the service's default).
    :param credentials: authentication headers and their secrets.
    :param timeouts: connect and read timeouts.
    :param retry_policy: how often and how long to retry.
    :param session: a ``requests.Session`` to reuse; one is made when not given.
    """

    def __init__(
        self,
        service: ServiceSpec,
        base_url: str,
        credentials: Credentials,
        *,
        timeouts: Timeouts | None = None,
        retry_policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url
        self.credentials = credentials
        self.timeouts = timeouts or Timeouts()
        self.retry_policy = retry_policy or RetryPolicy()
        self.session = session or requests.Session()

    def __repr__(self) -> str:
        return f"SyncApiClient(service={self.service.name!r}, base_url={self.base_url!r})"

    def call(self, endpoint: Endpoint, **options: Unpack[CallOptions]) -> ApiResponse:
        """
        Call ``endpoint``; retries as the policy allows, then returns or raises a typed error.

        A raw ``content`` body that is an iterable must yield its chunks anew on every iteration,
        since a retry sends it again.
        """
        prepared = prepare_call(self.service, self.base_url, self.credentials, endpoint, **options)
        retrying = Retrying(**tenacity_arguments(self.retry_policy, endpoint))
        response: ApiResponse = retrying(self._send, prepared)
        return response

    def _send(self, prepared: PreparedCall) -> ApiResponse:
        try:
            raw = self.session.request(
                prepared.endpoint.method,
                prepared.url,
                headers=dict(prepared.headers),
                params=prepared.params,
                json=prepared.json_body,
                data=prepared.content if prepared.content is not None else prepared.form,
                files=prepared.files,
                timeout=(self.timeouts.connect, self.timeouts.read),
            )
        except requests.RequestException as error:
            raise from_requests(self.service.name, prepared, self.credentials, error) from None
        return interpret_response(
            self.service, self.credentials, prepared, raw.status_code, raw.headers, raw.content
        )

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()
