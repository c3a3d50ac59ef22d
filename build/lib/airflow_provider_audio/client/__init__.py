"""One HTTP core for every service: endpoints as data, auth, retries, typed errors, two transports."""

from airflow_provider_audio.client.async_client import AsyncApiClient
from airflow_provider_audio.client.auth import Credentials
from airflow_provider_audio.client.call import ApiResponse
from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.client.retry import RetryPolicy
from airflow_provider_audio.client.service import ServiceSpec
from airflow_provider_audio.client.sync_client import SyncApiClient
from airflow_provider_audio.client.timeouts import Timeouts

__all__ = [
    "ApiResponse",
    "AsyncApiClient",
    "Credentials",
    "Endpoint",
    "RetryPolicy",
    "ServiceSpec",
    "SyncApiClient",
    "Timeouts",
]
