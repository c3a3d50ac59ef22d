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
VOICE_STATUS = Endpoint("voice_status", "GET", "/voices/{voice_id}/status")
# The official SDK retries these POSTs on 5xx, which can create a voice twice; here they are billed
# work: retried only when AudioPod cannot have acted.
CREATE_VOICE = Endpoint("create_voice", "POST", "/voice-profiles", billed=True)
CREATE_VOICE_MULTI_SAMPLE = Endpoint(
    "create_voice_multi_sample", "POST", "/voice-profiles/multi-sample", billed=True
)
# Generating a missing preview costs credits, but asking again returns the one already made.
VOICE_PREVIEW = Endpoint("voice_preview", "GET", "/voice-profiles/{voice_id}/preview")
BATCH_PREVIEW = Endpoint("batch_preview", "POST", "/preview/batch", billed=True)
UPDATE_VOICE = Endpoint("update_voice", "PATCH", "/voices/{voice_id}", idempotent=True)
DELETE_VOICE = Endpoint("delete_voice", "DELETE", "/voices/{voice_id}")
# A retried create could leave two collections of one name.
CREATE_COLLECTION = Endpoint("create_collection", "POST", "/collections", billed=True)
LIST_COLLECTIONS = Endpoint("list_collections", "GET", "/collections")
# Adding voices already in a collection changes nothing.
ADD_COLLECTION_VOICES = Endpoint(
    "add_collection_voices", "POST", "/collections/{collection_id}/voices", idempotent=True
)
USAGE_ANALYTICS = Endpoint("usage_analytics", "GET", "/analytics/usage")
