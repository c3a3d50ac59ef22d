"""AIOZ Stream routes (``specs/aiozstream-openapi.yaml``)."""

from __future__ import annotations

from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.client.service import ServiceSpec

SERVICE = ServiceSpec(
    name="aiozstream",
    display_name="AIOZ Stream",
    default_base_url="https://api.aiozstream.network/api",
    # AIOZ sends its own header on 429s, not the standard one.
    retry_after_headers=("X-RateLimit-Retry-After", "Retry-After"),
)

GET_ME = Endpoint("get_me", "GET", "/user/me")
