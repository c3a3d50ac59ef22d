"""AudioStack routes (vendor OpenAPI spec and official SDK: no ``/v2/`` prefix)."""

from __future__ import annotations

from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.client.service import ServiceSpec

SERVICE = ServiceSpec(
    name="audiostack",
    display_name="AudioStack",
    default_base_url="https://v2.api.audio",
)

# The spec writes "/audioforms/", the official SDK posts to "/audioforms"; the SDK's form is what
# the service is known to answer in production.
CREATE_AUDIOFORM = Endpoint("create_audioform", "POST", "/audioforms", billed=True)
GET_AUDIOFORM = Endpoint(
    "get_audioform", "GET", "/audioforms/{audioform_id}", pending_statuses=frozenset({202})
)
FILE_CATEGORIES = Endpoint("file_categories", "GET", "/files/file-categories")
