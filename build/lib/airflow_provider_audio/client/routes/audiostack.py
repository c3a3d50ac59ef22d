"""AudioStack routes (vendor OpenAPI spec and official SDK: no ``/v2/`` prefix)."""

from __future__ import annotations

from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.client.service import ServiceSpec

SERVICE = ServiceSpec(
    name="audiostack",
    display_name="AudioStack",
    default_base_url="https://v2.api.audio",
)

BUILDING = frozenset({202})

# Audioform service. The spec writes "/audioforms/", the official SDK posts to "/audioforms"; the
# SDK's form is what the service is known to answer in production.
CREATE_AUDIOFORM = Endpoint("create_audioform", "POST", "/audioforms", billed=True)
GET_AUDIOFORM = Endpoint("get_audioform", "GET", "/audioforms/{audioform_id}", pending_statuses=BUILDING)
CREATE_BATCH = Endpoint("create_batch", "POST", "/audioforms/batches", billed=True)
GET_BATCH = Endpoint("get_batch", "GET", "/audioforms/batches/{batch_id}", pending_statuses=BUILDING)

# Creator: briefs make ads (each an audioform), stories make long-form audio.
CREATE_BRIEF = Endpoint("create_brief", "POST", "/creator/brief", billed=True)
CREATE_STORY = Endpoint("create_story", "POST", "/creator/story", billed=True)
GET_STORY = Endpoint("get_story", "GET", "/creator/story/{story_id}", pending_statuses=BUILDING)

# Files. A retried create would leave a second, empty file record behind.
CREATE_FILE = Endpoint("create_file", "POST", "/files", billed=True)
GET_FILE = Endpoint("get_file", "GET", "/files/{file_id}")
UPDATE_FILE = Endpoint("update_file", "PATCH", "/files/{file_id}", idempotent=True)
DELETE_FILE = Endpoint("delete_file", "DELETE", "/files/{file_id}")
COPY_FILE = Endpoint("copy_file", "PUT", "/files/copy", idempotent=False)
FILE_CATEGORIES = Endpoint("file_categories", "GET", "/files/file-categories")

# Only the seed describes usage analytics; no vendor material was found for this route.
USAGE_ANALYTICS = Endpoint("usage_analytics", "GET", "/v2/analytics/usage", note="seed 000 only")

# The classic pipeline (seed 001; official SDK): content -> speech -> production -> delivery.
CREATE_SCRIPT = Endpoint("create_script", "POST", "/content/script", billed=True)
GET_SCRIPT = Endpoint("get_script", "GET", "/content/script/{script_id}")
GET_SCRIPT_VERSION = Endpoint("get_script_version", "GET", "/content/script/{script_id}/{version}")
UPDATE_SCRIPT = Endpoint("update_script", "PUT", "/content/script")
DELETE_SCRIPT = Endpoint("delete_script", "DELETE", "/content/script/{script_id}")
LIST_SCRIPTS = Endpoint("list_scripts", "GET", "/content/scripts")
CREATE_SPEECH = Endpoint("create_speech", "POST", "/speech/tts", billed=True, pending_statuses=BUILDING)
GET_SPEECH = Endpoint("get_speech", "GET", "/speech/tts/{speech_id}", pending_statuses=BUILDING)
CREATE_MIX = Endpoint("create_mix", "POST", "/production/mix", billed=True, pending_statuses=BUILDING)
GET_MIX = Endpoint("get_mix", "GET", "/production/mix/{production_id}", pending_statuses=BUILDING)
MIX_PRESETS = Endpoint("mix_presets", "GET", "/production/mix/presets")
CREATE_ENCODING = Endpoint(
    "create_encoding", "POST", "/delivery/encoder", billed=True, pending_statuses=BUILDING
)
GET_ENCODING = Endpoint("get_encoding", "GET", "/delivery/encoder/{encoder_id}", pending_statuses=BUILDING)
ENCODER_PRESETS = Endpoint("encoder_presets", "GET", "/delivery/encoder/presets")
