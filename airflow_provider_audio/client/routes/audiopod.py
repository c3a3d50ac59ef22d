"""AudioPod AI voice routes (seed 003 and the official SDK)."""

from __future__ import annotations

from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.client.service import ServiceSpec

SERVICE = ServiceSpec(
    name="audiopod",
    display_name="AudioPod AI",
    default_base_url="https://api.audiopod.ai/api/v1/voice",
)

LIST_VOICE_PROFILES = Endpoint("list_voice_profiles", "GET", "/voice-profiles")
