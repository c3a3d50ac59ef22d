"""AudioStack: its routes (vendor OpenAPI spec and official SDK: no ``/v2/`` prefix), and how the
answers of every resource polled until ready read.

Audioforms, batches, stories, speech, mixes, encodings and uploaded files all answer "still working"
and "done" in their own shapes; :data:`POLLED_RESOURCES` maps each to its GET route and to the
function that reads an answer into a :class:`BuildStatus`. The hook, its trigger and the operators
use this table, so one trigger class waits on any of them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from airflow_provider_audio.client.http import ApiResponse
from airflow_provider_audio.client.service import Endpoint, ServiceSpec

SERVICE = ServiceSpec(
    name="audiostack",
    display_name="AudioStack",
    default_base_url="https://v2.api.audio",
)

BUILDING = frozenset({202})

# Audioform service. The spec writes "/audioforms/", the official SDK posts to "/audioforms"; the
# SDK's form is what the service is known to answer in production.
CREATE_AUDIOFORM = Endpoint("create_audioform", "POST", "/audioforms", resend_after_loss=False)
GET_AUDIOFORM = Endpoint(
    "get_audioform", "GET", "/audioforms/{audioform_id}", resend_after_loss=True, pending_statuses=BUILDING
)
CREATE_BATCH = Endpoint("create_batch", "POST", "/audioforms/batches", resend_after_loss=False)
GET_BATCH = Endpoint(
    "get_batch", "GET", "/audioforms/batches/{batch_id}", resend_after_loss=True, pending_statuses=BUILDING
)

# Creator: briefs make ads (each an audioform), stories make long-form audio.
CREATE_BRIEF = Endpoint("create_brief", "POST", "/creator/brief", resend_after_loss=False)
CREATE_STORY = Endpoint("create_story", "POST", "/creator/story", resend_after_loss=False)
GET_STORY = Endpoint(
    "get_story", "GET", "/creator/story/{story_id}", resend_after_loss=True, pending_statuses=BUILDING
)

# Files and folders (official SDK 4.0.0 files/file.py, folders/folder.py). A retried create would leave
# a second, empty file record behind; a retried copy a second copy; a retried folder create a 409.
CREATE_FILE = Endpoint("create_file", "POST", "/files", resend_after_loss=False)
GET_FILE = Endpoint("get_file", "GET", "/files/{file_id}", resend_after_loss=True)
UPDATE_FILE = Endpoint("update_file", "PATCH", "/files/{file_id}", resend_after_loss=True)
DELETE_FILE = Endpoint("delete_file", "DELETE", "/files/{file_id}", resend_after_loss=True)
COPY_FILE = Endpoint("copy_file", "PUT", "/files/copy", resend_after_loss=False)
FILE_CATEGORIES = Endpoint("file_categories", "GET", "/files/file-categories", resend_after_loss=True)
LIST_FOLDER = Endpoint("list_folder", "GET", "/folders", resend_after_loss=True)
CREATE_FOLDER = Endpoint("create_folder", "POST", "/folders", resend_after_loss=False)
GET_FOLDER = Endpoint("get_folder", "GET", "/folders/{folder_id}", resend_after_loss=True)
DELETE_FOLDER = Endpoint("delete_folder", "DELETE", "/folders/{folder_id}", resend_after_loss=True)

# Only the API reference index lists usage analytics; no spec or SDK route was found.
USAGE_ANALYTICS = Endpoint(
    "usage_analytics",
    "GET",
    "/v2/analytics/usage",
    resend_after_loss=True,
    note="https://docs.audiostack.ai/reference/getanalyticsusage",
)

# The classic pipeline, content -> speech -> production -> delivery
# (https://docs.audiostack.ai/docs/architecture; official SDK).
CREATE_SCRIPT = Endpoint("create_script", "POST", "/content/script", resend_after_loss=False)
GET_SCRIPT = Endpoint("get_script", "GET", "/content/script/{script_id}", resend_after_loss=True)
GET_SCRIPT_VERSION = Endpoint(
    "get_script_version", "GET", "/content/script/{script_id}/{version}", resend_after_loss=True
)
UPDATE_SCRIPT = Endpoint("update_script", "PUT", "/content/script", resend_after_loss=True)
DELETE_SCRIPT = Endpoint("delete_script", "DELETE", "/content/script/{script_id}", resend_after_loss=True)
LIST_SCRIPTS = Endpoint("list_scripts", "GET", "/content/scripts", resend_after_loss=True)
CREATE_SPEECH = Endpoint(
    "create_speech", "POST", "/speech/tts", resend_after_loss=False, pending_statuses=BUILDING
)
GET_SPEECH = Endpoint(
    "get_speech", "GET", "/speech/tts/{speech_id}", resend_after_loss=True, pending_statuses=BUILDING
)
CREATE_MIX = Endpoint(
    "create_mix", "POST", "/production/mix", resend_after_loss=False, pending_statuses=BUILDING
)
GET_MIX = Endpoint(
    "get_mix", "GET", "/production/mix/{production_id}", resend_after_loss=True, pending_statuses=BUILDING
)
MIX_PRESETS = Endpoint("mix_presets", "GET", "/production/mix/presets", resend_after_loss=True)
CREATE_ENCODING = Endpoint(
    "create_encoding", "POST", "/delivery/encoder", resend_after_loss=False, pending_statuses=BUILDING
)
GET_ENCODING = Endpoint(
    "get_encoding", "GET", "/delivery/encoder/{encoder_id}", resend_after_loss=True, pending_statuses=BUILDING
)
ENCODER_PRESETS = Endpoint("encoder_presets", "GET", "/delivery/encoder/presets", resend_after_loss=True)

# The libraries an input names by alias: free reads, checked before a billed submit (official SDK
# 4.0.0 speech/voice.py Voice.list -> data.voices[].alias; production/sound.py Sound.Template.list
# -> data.templates[], each named by soundTemplateId).
LIST_VOICES = Endpoint("list_voices", "GET", "/speech/voice", resend_after_loss=True)
LIST_SOUND_TEMPLATES = Endpoint(
    "list_sound_templates", "GET", "/production/sound/template", resend_after_loss=True
)


class BuildState(enum.StrEnum):
    """Where an AudioStack build stands."""

    BUILDING = "building"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    def is_terminal(self) -> bool:
        """Whether the build will not change any more."""
        return self is not BuildState.BUILDING


@dataclass(frozen=True)
class BuildStatus:
    """
    One poll of a resource.

    :param resource_id: the resource's id.
    :param state: building, succeeded or failed.
    :param message: the service's message.
    :param result: what a finished resource carries (delivery, files, sections, items...).
    :param errors: why it failed.
    """

    resource_id: str
    state: BuildState
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    errors: list[Any] = field(default_factory=list)

    @property
    def delivery(self) -> dict[str, Any]:
        """``result.delivery`` of an audioform: uri, extension, encoderPreset, loudnessPreset, public."""
        delivery = self.result.get("delivery")
        return delivery if isinstance(delivery, dict) else {}

    @property
    def uri(self) -> str | None:
        """The delivered file's URL, once built (audioform delivery, encoding or file URL)."""
        uri = self.delivery.get("uri") or self.result.get("url")
        return str(uri) if uri else None

    def describe_errors(self) -> str:
        """The errors as one readable line."""
        texts = [
            str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
            for error in self.errors
        ]
        return "; ".join(texts) or self.message or "no reason given"

    def errors_by_asset(self) -> dict[str | None, list[str]]:
        """
        Each error once, under the audioform asset it names (``None``: no asset): a text
        ``assets.<name>...: why`` (the path left out), or an object whose ``loc`` runs through
        ``"assets", <name>`` (its ``msg`` or ``message``). A failure with no error list is its
        message, under ``None``.
        """
        found: dict[str | None, list[str]] = {}
        for error in self.errors:
            asset, text = _asset_error(error)
            texts = found.setdefault(asset, [])
            if text not in texts:
                texts.append(text)
        if not found:
            found[None] = [self.message or "no reason given"]
        return found

    def describe_failure(self) -> str:
        """
        What failed and why, each error once: ``(asset 'speech') failed to build: Voice 'x' is not
        available`` for one asset; ``failed to build: asset 'bed': ...; asset 'speech': ...`` for
        several; ``failed to build: why`` when no asset is named.
        """
        by_asset = self.errors_by_asset()
        named = [asset for asset in by_asset if asset is not None]
        if len(named) == 1:
            texts = by_asset[named[0]] + by_asset.get(None, [])
            return f"(asset {named[0]!r}) failed to build: {'; '.join(texts)}"
        parts = [
            f"asset {asset!r}: {'; '.join(texts)}" if asset is not None else "; ".join(texts)
            for asset, texts in by_asset.items()
        ]
        return f"failed to build: {'; '.join(parts)}"


# "assets.<name>" and the rest of a path, then ": why" (how validation errors name a field).
_ASSET_PATH = re.compile(r"^assets\.(?P<asset>[^.\[\s:]+)[^\s:]*:\s*(?P<text>.+)$", re.DOTALL)


def _asset_error(error: Any) -> tuple[str | None, str]:
    """An error of a failed build as (the audioform asset it names or ``None``, its text)."""
    if isinstance(error, Mapping):
        text = str(error.get("msg") or error.get("message") or dict(error))
        loc = error.get("loc")
        if isinstance(loc, list | tuple):
            path = [str(part) for part in loc]
            if "assets" in path[:-1]:
                return path[path.index("assets") + 1], text
        error = text
    text = str(error)
    match = _ASSET_PATH.match(text.strip())
    return (match["asset"], match["text"].strip()) if match else (None, text)


def _body(response: ApiResponse) -> dict[str, Any]:
    return response.body if isinstance(response.body, dict) else {}


def _data(body: Mapping[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def audioform_status(resource_id: str, response: ApiResponse) -> BuildStatus:
    """202 = building; 200 = built, unless ``data.errors`` is non-empty (a failed build)."""
    body = _body(response)
    message = str(body.get("message") or "")
    if response.pending:
        return BuildStatus(resource_id, BuildState.BUILDING, message)
    data = _data(body)
    errors = list(data.get("errors") or [])
    result = data.get("result") if isinstance(data.get("result"), dict) else {}
    assert isinstance(result, dict)
    if errors:
        return BuildStatus(resource_id, BuildState.FAILED, message, result, errors)
    if not result.get("delivery"):
        return BuildStatus(
            resource_id, BuildState.FAILED, message or "build finished without a delivered file", result
        )
    return BuildStatus(resource_id, BuildState.SUCCEEDED, message, result)


def batch_status(resource_id: str, response: ApiResponse) -> BuildStatus:
    """
    ``data.status`` is ``complete`` once every item has ended; items report their own outcome
    (``audioformStatus``, ``audioformResult.delivery.uri``). A finished batch with failed items is
    still a finished batch: the items say which failed.
    """
    data = _data(_body(response))
    status = str(data.get("status") or "")
    if response.pending or status != "complete":
        return BuildStatus(resource_id, BuildState.BUILDING, f"batch is {status or 'pending'}")
    items = []
    for item in data.get("items") or []:
        result = item.get("audioformResult")
        delivery = result.get("delivery") if isinstance(result, dict) else None
        uri = delivery.get("uri") if isinstance(delivery, dict) else None
        item_status = str(item.get("audioformStatus") or "")
        items.append(
            {
                "name": item.get("name"),
                "audioform_id": item.get("audioformId"),
                "status": "succeeded" if item_status == "complete" and uri else "failed",
                "uri": uri,
                "errors": list(item.get("errors") or []),
            }
        )
    return BuildStatus(resource_id, BuildState.SUCCEEDED, "batch complete", {"items": items})


def story_status(resource_id: str, response: ApiResponse) -> BuildStatus:
    """HTTP 202 = building; HTTP 200 carries the real outcome in ``data.statusCode`` (500 = failed)."""
    body = _body(response)
    if response.pending:
        return BuildStatus(resource_id, BuildState.BUILDING, str(body.get("message") or ""))
    data = _data(body)
    inner = int(data.get("statusCode") or 200)
    message = str(data.get("message") or body.get("message") or "")
    if inner >= 400:
        return BuildStatus(
            resource_id, BuildState.FAILED, message, errors=[{"message": message, "statusCode": inner}]
        )
    chapters = [
        {
            "audioform_id": (audioform.get("header") or {}).get("audioformId"),
            "uri": (audioform.get("delivery") or {}).get("uri"),
        }
        for audioform in data.get("audioforms") or []
    ]
    return BuildStatus(
        resource_id,
        BuildState.SUCCEEDED,
        message,
        {"story_result": data.get("storyResult"), "audioforms": chapters},
    )


def _classic_status(resource_id: str, response: ApiResponse, keys: tuple[str, ...]) -> BuildStatus:
    body = _body(response)
    message = str(body.get("message") or "")
    if response.pending:
        return BuildStatus(resource_id, BuildState.BUILDING, message)
    data = _data(body)
    errors = list(data.get("errors") or [])
    if errors or not any(data.get(key) for key in keys):
        return BuildStatus(
            resource_id, BuildState.FAILED, message or f"no {' or '.join(keys)} in the answer", data, errors
        )
    return BuildStatus(resource_id, BuildState.SUCCEEDED, message, data)


def speech_status(resource_id: str, response: ApiResponse) -> BuildStatus:
    """Text to speech: 202 until the sections are spoken; then ``data.sections[].url``."""
    return _classic_status(resource_id, response, ("sections",))


def mix_status(resource_id: str, response: ApiResponse) -> BuildStatus:
    """A mix: 202 until mixed; then ``data.files[].url``."""
    return _classic_status(resource_id, response, ("files",))


def encoding_status(resource_id: str, response: ApiResponse) -> BuildStatus:
    """An encoding: 202 until encoded; then ``data.url`` and ``data.format``."""
    return _classic_status(resource_id, response, ("url",))


# File statuses seen in vendor material: "uploaded" when the bytes arrived and were checked.
FILE_READY_STATUS: Final = "uploaded"
FILE_FAILED_STATUSES: Final = frozenset({"failed", "error", "rejected"})


def file_status(resource_id: str, response: ApiResponse) -> BuildStatus:
    """A library file (the body is the file): ``status == "uploaded"`` once AudioStack has the bytes."""
    item = _body(response)
    status = str(item.get("status") or "")
    if status == FILE_READY_STATUS:
        return BuildStatus(resource_id, BuildState.SUCCEEDED, status, item)
    if status in FILE_FAILED_STATUSES:
        return BuildStatus(resource_id, BuildState.FAILED, status, item, [f"file status {status!r}"])
    return BuildStatus(resource_id, BuildState.BUILDING, f"file is {status or 'pending'}", item)


@dataclass(frozen=True)
class PolledResource:
    """
    A resource polled until ready.

    :param endpoint: its GET route.
    :param id_param: the route's path parameter.
    :param interpret: reads one answer.
    :param version_header: sends the connection's ``version`` header (audioforms).
    """

    endpoint: Endpoint
    id_param: str
    interpret: Callable[[str, ApiResponse], BuildStatus]
    version_header: bool = False


POLLED_RESOURCES: Final[dict[str, PolledResource]] = {
    "audioform": PolledResource(GET_AUDIOFORM, "audioform_id", audioform_status, version_header=True),
    "batch": PolledResource(GET_BATCH, "batch_id", batch_status),
    "story": PolledResource(GET_STORY, "story_id", story_status),
    "speech": PolledResource(GET_SPEECH, "speech_id", speech_status),
    "mix": PolledResource(GET_MIX, "production_id", mix_status),
    "encoding": PolledResource(GET_ENCODING, "encoder_id", encoding_status),
    "file": PolledResource(GET_FILE, "file_id", file_status),
}
