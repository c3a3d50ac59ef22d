"""AudioPod AI voice routes (https://docs.audiopod.ai, Voice Management API, and the official SDK)."""

from __future__ import annotations

from airflow_provider_audio.client.service import Endpoint, ServiceSpec

SERVICE = ServiceSpec(
    name="audiopod",
    display_name="AudioPod AI",
    default_base_url="https://api.audiopod.ai/api/v1/voice",
)

LIST_VOICE_PROFILES = Endpoint("list_voice_profiles", "GET", "/voice-profiles", resend_after_loss=True)
VOICE_STATUS = Endpoint("voice_status", "GET", "/voices/{voice_id}/status", resend_after_loss=True)
# The official SDK retries these POSTs on 5xx, which can create (and bill) a voice twice; here
# they are never sent again after an answer that may have been lost.
CREATE_VOICE = Endpoint("create_voice", "POST", "/voice-profiles", resend_after_loss=False)
CREATE_VOICE_MULTI_SAMPLE = Endpoint(
    "create_voice_multi_sample", "POST", "/voice-profiles/multi-sample", resend_after_loss=False
)
# Generating a missing preview costs credits, but asking again returns the one already made.
VOICE_PREVIEW = Endpoint("voice_preview", "GET", "/voice-profiles/{voice_id}/preview", resend_after_loss=True)
BATCH_PREVIEW = Endpoint("batch_preview", "POST", "/preview/batch", resend_after_loss=False)
UPDATE_VOICE = Endpoint("update_voice", "PATCH", "/voices/{voice_id}", resend_after_loss=True)
DELETE_VOICE = Endpoint("delete_voice", "DELETE", "/voices/{voice_id}", resend_after_loss=True)
# A retried create could leave two collections of one name.
CREATE_COLLECTION = Endpoint("create_collection", "POST", "/collections", resend_after_loss=False)
LIST_COLLECTIONS = Endpoint("list_collections", "GET", "/collections", resend_after_loss=True)
# Adding voices already in a collection changes nothing.
ADD_COLLECTION_VOICES = Endpoint(
    "add_collection_voices", "POST", "/collections/{collection_id}/voices", resend_after_loss=True
)
USAGE_ANALYTICS = Endpoint("usage_analytics", "GET", "/analytics/usage", resend_after_loss=True)
