"""AIOZ Stream routes (``specs/aiozstream-openapi.yaml``)."""

from __future__ import annotations

from airflow_provider_audio.client.service import Endpoint, ServiceSpec

SERVICE = ServiceSpec(
    name="aiozstream",
    display_name="AIOZ Stream",
    default_base_url="https://api.aiozstream.network/api",
    # AIOZ sends its own header on 429s, not the standard one.
    retry_after_headers=("X-RateLimit-Retry-After", "Retry-After"),
)

GET_ME = Endpoint("get_me", "GET", "/user/me", resend_after_loss=True)
# Not billed by itself (transcoding is), but sent again after a lost answer it would leave a
# second, empty media behind.
CREATE_MEDIA = Endpoint("create_media", "POST", "/media/create", resend_after_loss=False)
# A search, sent as POST.
LIST_MEDIA = Endpoint("list_media", "POST", "/media", resend_after_loss=True)
GET_MEDIA = Endpoint("get_media", "GET", "/media/{media_id}", resend_after_loss=True)
UPDATE_MEDIA = Endpoint("update_media", "PATCH", "/media/{media_id}", resend_after_loss=True)
DELETE_MEDIA = Endpoint("delete_media", "DELETE", "/media/{media_id}", resend_after_loss=True)
MEDIA_COST = Endpoint("media_cost", "GET", "/media/cost", resend_after_loss=True)
# Re-sending a part with the same index and range replaces it: safe to retry alone.
UPLOAD_PART = Endpoint("upload_part", "POST", "/media/{media_id}/part", resend_after_loss=True)
# Starts transcoding, which is billed; a second call on a completed upload is refused.
COMPLETE_UPLOAD = Endpoint("complete_upload", "GET", "/media/{media_id}/complete", resend_after_loss=False)
