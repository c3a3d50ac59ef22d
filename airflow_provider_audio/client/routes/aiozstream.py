"""AIOZ Stream routes (``specs/aiozstream-openapi.yaml``), each with the rate limit it counts against.

AIOZ counts part uploads, writes and reads per key and minute (API notes: 100, 200 and 500); the
spec sends ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Retry-After`` on its
answers. Which class a route falls in is read from the vendor's grouping: a part is an upload;
create, update, delete and complete change something; everything else, the list search sent as
POST included, reads.
"""

from __future__ import annotations

from airflow_provider_audio.client.service import Endpoint, RateClass, ServiceSpec

SERVICE = ServiceSpec(
    name="aiozstream",
    display_name="AIOZ Stream",
    default_base_url="https://api.aiozstream.network/api",
    # AIOZ sends its own header on 429s, not the standard one.
    retry_after_headers=("X-RateLimit-Retry-After", "Retry-After"),
    rate_limits={RateClass.UPLOAD: 100, RateClass.WRITE: 200, RateClass.READ: 500},
)

_READ, _WRITE, _UPLOAD = RateClass.READ, RateClass.WRITE, RateClass.UPLOAD

GET_ME = Endpoint("get_me", "GET", "/user/me", resend_after_loss=True, rate_class=_READ)
# Not billed by itself (transcoding is), but sent again after a lost answer it would leave a
# second, empty media behind.
CREATE_MEDIA = Endpoint("create_media", "POST", "/media/create", resend_after_loss=False, rate_class=_WRITE)
# A search, sent as POST.
LIST_MEDIA = Endpoint("list_media", "POST", "/media", resend_after_loss=True, rate_class=_READ)
GET_MEDIA = Endpoint("get_media", "GET", "/media/{media_id}", resend_after_loss=True, rate_class=_READ)
UPDATE_MEDIA = Endpoint(
    "update_media", "PATCH", "/media/{media_id}", resend_after_loss=True, rate_class=_WRITE
)
DELETE_MEDIA = Endpoint(
    "delete_media", "DELETE", "/media/{media_id}", resend_after_loss=True, rate_class=_WRITE
)
MEDIA_COST = Endpoint("media_cost", "GET", "/media/cost", resend_after_loss=True, rate_class=_READ)
# Re-sending a part with the same index and range replaces it: safe to retry alone.
UPLOAD_PART = Endpoint(
    "upload_part", "POST", "/media/{media_id}/part", resend_after_loss=True, rate_class=_UPLOAD
)
# Starts transcoding, which is billed; a second call on a completed upload is refused.
COMPLETE_UPLOAD = Endpoint(
    "complete_upload", "GET", "/media/{media_id}/complete", resend_after_loss=False, rate_class=_WRITE
)
