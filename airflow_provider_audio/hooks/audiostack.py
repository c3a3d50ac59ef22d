"""AudioStack: audioform builds (submit, poll, download)."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_audio.client import ApiResponse, Credentials, SyncApiClient
from airflow_provider_audio.client.auth import api_key_header
from airflow_provider_audio.client.download import DownloadedFile
from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.models.audioform import Audioform, parse_audioform

if TYPE_CHECKING:
    from airflow.sdk import Connection, ObjectStoragePath

# The ``version`` header of GET /audioforms/{id}: the spec's enum; the official SDK sends "2".
AUDIOFORM_RESPONSE_VERSIONS = ("1", "2", "3")
DEFAULT_AUDIOFORM_RESPONSE_VERSION = "2"


class BuildState(enum.StrEnum):
    """Where an AudioStack build stands."""

    BUILDING = "building"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    def is_terminal(self) -> bool:
        """Whether the build will not change any more."""
        return self is not BuildState.BUILDING


@dataclass(frozen=True)
class SubmittedAudioform:
    """
    The answer to a submitted audioform.

    :param audioform_id: the build's id, to poll.
    :param request_id: AudioStack's request id.
    :param credit_used: credits the submission cost, when reported.
    :param credits_remaining: credits left, when reported.
    :param warnings: warnings the service returned.
    """

    audioform_id: str
    request_id: str | None = None
    credit_used: float | None = None
    credits_remaining: float | None = None
    warnings: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class AudioformStatus:
    """
    One poll of a build.

    :param audioform_id: the build's id.
    :param state: building, succeeded or failed.
    :param message: the service's message.
    :param result: ``data.result`` of a finished build (delivery and more).
    :param errors: ``data.errors`` of a failed build.
    """

    audioform_id: str
    state: BuildState
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    errors: list[Any] = field(default_factory=list)

    @property
    def delivery(self) -> dict[str, Any]:
        """``result.delivery``: uri, extension, encoderPreset, loudnessPreset, public."""
        delivery = self.result.get("delivery")
        return delivery if isinstance(delivery, dict) else {}

    @property
    def uri(self) -> str | None:
        """The delivered file's URL, once built."""
        uri = self.delivery.get("uri")
        return str(uri) if uri else None

    def describe_errors(self) -> str:
        """The build errors as one readable line."""
        texts = [
            str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
            for error in self.errors
        ]
        return "; ".join(texts) or self.message or "no reason given"


def audioform_status_from_response(audioform_id: str, response: ApiResponse) -> AudioformStatus:
    """
    Read a GET /audioforms/{id} answer: 202 = building; 200 = built, unless ``data.errors`` is
    non-empty, which is how AudioStack reports a failed build.
    """
    body = response.body if isinstance(response.body, dict) else {}
    message = str(body.get("message") or "")
    if response.pending:
        return AudioformStatus(audioform_id, BuildState.BUILDING, message)
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    assert isinstance(data, dict)
    errors = data.get("errors") or []
    result = data.get("result") if isinstance(data.get("result"), dict) else {}
    assert isinstance(result, dict)
    if errors:
        return AudioformStatus(audioform_id, BuildState.FAILED, message, result, list(errors))
    if not result.get("delivery"):
        return AudioformStatus(
            audioform_id, BuildState.FAILED, message or "build finished without a delivered file", result
        )
    return AudioformStatus(audioform_id, BuildState.SUCCEEDED, message, result)


def submitted_from_response(response: ApiResponse) -> SubmittedAudioform:
    """Read a POST /audioforms answer."""
    body = response.json_object()
    data = body.get("data") or {}
    metadata = body.get("metadata") or {}
    audioform_id = data.get("audioformId") if isinstance(data, dict) else None
    if not audioform_id:
        raise ValueError(f"AudioStack accepted the audioform but returned no audioformId: {body!r}")
    return SubmittedAudioform(
        audioform_id=str(audioform_id),
        request_id=metadata.get("requestId"),
        credit_used=metadata.get("creditUsed"),
        credits_remaining=metadata.get("creditsRemaining"),
        warnings=list(body.get("warnings") or []),
    )


class AudioStackHook(AudioServiceHook):
    """
    Talks to AudioStack.

    Connection: password = API key (sent as ``x-api-key``); host overrides ``https://v2.api.audio``;
    extras ``version`` (the ``version`` header of build results: "1", "2" or "3"; default "2")
    and ``assume_org`` (sent as ``x-assume-org`` to act for another organisation).

    :param conn_id: the connection id (default ``audiostack_default``).
    """

    service = routes.SERVICE
    conn_type = "audiostack"
    default_conn_name = "audiostack_default"
    hook_name = "AudioStack"

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form: API key as password, optional base URL, extras for version and org."""
        return cls._ui_behaviour(
            hidden=["schema", "port", "login"],
            extra_placeholder={"version": DEFAULT_AUDIOFORM_RESPONSE_VERSION, "assume_org": "org-id"},
            host_placeholder="https://v2.api.audio",
        )

    @classmethod
    def credentials_from_connection(cls, connection: Connection) -> Credentials:
        if not connection.password:
            raise AudioInputError(
                "AudioStack connection", [f"{connection.conn_id}.password: the API key is empty"]
            )
        extra = connection.extra_dejson
        org = extra.get("assume_org")
        return api_key_header("x-api-key", connection.password, [("x-assume-org", str(org))] if org else [])

    def response_version(self) -> str:
        """The ``version`` header to send on GET /audioforms/{id}, from the connection's extras."""
        extra = self.get_connection(self.conn_id).extra_dejson
        return self._checked_version(extra.get("version"))

    async def aresponse_version(self) -> str:
        """:meth:`response_version`, without blocking the event loop."""
        connection = await self.aget_connection(self.conn_id)
        return self._checked_version(connection.extra_dejson.get("version"))

    def _checked_version(self, value: Any) -> str:
        version = str(value) if value is not None else DEFAULT_AUDIOFORM_RESPONSE_VERSION
        if version not in AUDIOFORM_RESPONSE_VERSIONS:
            raise AudioInputError(
                "AudioStack connection",
                [f"{self.conn_id}.extra.version: {version!r}; allowed values: {AUDIOFORM_RESPONSE_VERSIONS}"],
            )
        return version

    def _probe(self, client: SyncApiClient) -> None:
        client.call(routes.FILE_CATEGORIES)

    def submit_audioform(self, audioform: Audioform | Mapping[str, Any]) -> SubmittedAudioform:
        """
        Submit one audioform for building (a billed call, never sent twice by a retry).

        :param audioform: a validated :class:`Audioform`, or a mapping that is validated first.
        :raises AudioInputError: the audioform is invalid; nothing was sent.
        """
        model = audioform if isinstance(audioform, Audioform) else parse_audioform(audioform).audioform
        response = self.get_conn().call(routes.CREATE_AUDIOFORM, json_body={"audioform": model.to_payload()})
        submitted = submitted_from_response(response)
        self.log.info(
            "Submitted audioform %s (request id %s, credits used %s)",
            submitted.audioform_id,
            submitted.request_id,
            submitted.credit_used,
        )
        return submitted

    def get_audioform(self, audioform_id: str) -> AudioformStatus:
        """Poll one build."""
        response = self.get_conn().call(
            routes.GET_AUDIOFORM,
            path_params={"audioform_id": audioform_id},
            headers={"version": self.response_version()},
        )
        return audioform_status_from_response(audioform_id, response)

    async def aget_audioform(self, audioform_id: str) -> AudioformStatus:
        """Poll one build from a trigger."""
        client = await self.aget_client()
        response = await client.call(
            routes.GET_AUDIOFORM,
            path_params={"audioform_id": audioform_id},
            headers={"version": await self.aresponse_version()},
        )
        return audioform_status_from_response(audioform_id, response)

    def download_delivered_file(
        self, uri: str, destination: str | os.PathLike[str] | ObjectStoragePath
    ) -> DownloadedFile:
        """Stream a delivered file to ``destination``; see :meth:`download`."""
        return self.download(uri, destination)
