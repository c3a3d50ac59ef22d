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
# Creating a media object is not billed by itself (transcoding is), but a retry after a lost
# answer would leave a second, empty media behind: treat it like billed work.
CREATE_MEDIA = Endpoint("create_media", "POST", "/media/create", billed=True)
# A search, sent as POST.
LIST_MEDIA = Endpoint("list_media", "POST", "/media", idempotent=True)
GET_MEDIA = Endpoint("get_media", "GET", "/media/{media_id}")
UPDATE_MEDIA = Endpoint("update_media", "PATCH", "/media/{media_id}", idempotent=True)
DELETE_MEDIA = Endpoint("delete_media", "DELETE", "/media/{media_id}")
MEDIA_COST = Endpoint("media_cost", "GET", "/media/cost")
# Re-sending a part with the same index and range replaces it: safe to retry alone.
UPLOAD_PART = Endpoint("upload_part", "POST", "/media/{media_id}/part", idempotent=True)
# Starts transcoding, which is billed; a second call on a completed upload is refused.
COMPLETE_UPLOAD = Endpoint("complete_upload", "GET", "/media/{media_id}/complete", billed=True)
