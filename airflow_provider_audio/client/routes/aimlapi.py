"""AIML API stable-audio routes (``specs/aimlapi-*.json``)."""

from __future__ import annotations

from airflow_provider_audio.client.service import Endpoint, ServiceSpec

SERVICE = ServiceSpec(
    name="aimlapi",
    display_name="AIML API",
    default_base_url="https://api.aimlapi.com",
)

GENERATE_AUDIO = Endpoint("generate_audio", "POST", "/v2/generate/audio", resend_after_loss=False)
GET_GENERATION = Endpoint("get_generation", "GET", "/v2/generate/audio", resend_after_loss=True)
