"""AudioStack: audioforms and batches, briefs, stories, files, analytics, the classic pipeline and the
voice and sound template lists."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_audio import connection_forms
from airflow_provider_audio.client.files import DownloadedFile
from airflow_provider_audio.client.http import ApiResponse, SyncApiClient
from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.client.routes.audiostack import POLLED_RESOURCES, BuildStatus, PolledResource
from airflow_provider_audio.client.service import ClientSettings, Credentials
from airflow_provider_audio.defaults import AUDIOSTACK_CONN_ID, MAX_BATCH_ITEMS
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.audiostack_classic import AudioStackClassicMixin
from airflow_provider_audio.hooks.audiostack_files import AudioStackFilesMixin
from airflow_provider_audio.hooks.audiostack_library import AudioStackLibraryMixin
from airflow_provider_audio.models.audioform import Audioform, parse_audioform
from airflow_provider_audio.models.audiostack_creator import (
    BriefRequest,
    StoryRequest,
    parse_brief,
    parse_story,
)

if TYPE_CHECKING:
    from airflow.sdk import Connection, ObjectStoragePath

# The ``version`` header of GET /audioforms/{id}: the values the connection form offers.
AUDIOFORM_RESPONSE_VERSIONS = connection_forms.AUDIOSTACK_RESULT_VERSIONS
DEFAULT_AUDIOFORM_RESPONSE_VERSION = connection_forms.DEFAULT_AUDIOSTACK_RESULT_VERSION


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


class AudioStackHook(AudioStackFilesMixin, AudioStackClassicMixin, AudioStackLibraryMixin):
    """
    Talks to AudioStack.

    Connection: password = API key (sent as ``x-api-key``); host overrides ``https://v2.api.audio``;
    extras ``version`` (the ``version`` header of build results: "0.0.1", "1", "2" or "3"; default "2")
    and ``assume_org`` (sent as ``x-assume-org`` to act for another organisation).

    :param conn_id: the connection id (default ``audiostack_default``).
    """

    service = routes.SERVICE
    conn_type = connection_forms.AUDIOSTACK.conn_type
    default_conn_name = AUDIOSTACK_CONN_ID
    hook_name = connection_forms.AUDIOSTACK.hook_name

    @classmethod
    def credentials_from_connection(cls, connection: Connection, extra: Mapping[str, Any]) -> Credentials:
        if not connection.password:
            raise AudioInputError(
                "AudioStack connection", [f"{connection.conn_id}.password: the API key is empty"]
            )
        org = extra.get("assume_org")
        return Credentials.in_header(
            "x-api-key", connection.password, [("x-assume-org", str(org))] if org else []
        )

    def response_version(self, settings: ClientSettings | None = None) -> str:
        """
        The ``version`` header of GET /audioforms/{id}, from the connection's extras.

        :param settings: the settings already read (a trigger's); the hook's own when ``None``.
        """
        value = (settings or self.settings()).extra.get("version")
        version = str(value) if value is not None else DEFAULT_AUDIOFORM_RESPONSE_VERSION
        if version not in AUDIOFORM_RESPONSE_VERSIONS:
            raise AudioInputError(
                "AudioStack connection",
                [
                    f"{self.conn_id}.extra.version: {version!r}; "
                    f"allowed values: {', '.join(AUDIOFORM_RESPONSE_VERSIONS)}"
                ],
            )
        return version

    def _poll_headers(self, polled: PolledResource, settings: ClientSettings) -> dict[str, str] | None:
        return {"version": self.response_version(settings)} if polled.version_header else None

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

    def get_build(self, resource: str, resource_id: str) -> BuildStatus:
        """
        Poll any resource AudioStack builds asynchronously.

        :param resource: ``audioform``, ``batch``, ``story``, ``speech``, ``mix``, ``encoding`` or ``file``.
        :param resource_id: its id.
        """
        polled = POLLED_RESOURCES[resource]
        response = self.get_conn().call(
            polled.endpoint,
            path_params={polled.id_param: resource_id},
            headers=self._poll_headers(polled, self.settings()),
        )
        return polled.interpret(resource_id, response)

    async def aget_build(self, resource: str, resource_id: str) -> BuildStatus:
        """:meth:`get_build`, from a trigger."""
        polled = POLLED_RESOURCES[resource]
        client = await self.aget_client()
        response = await client.call(
            polled.endpoint,
            path_params={polled.id_param: resource_id},
            headers=self._poll_headers(polled, client.settings),
        )
        return polled.interpret(resource_id, response)

    def get_audioform(self, audioform_id: str) -> BuildStatus:
        """Poll one audioform build."""
        return self.get_build("audioform", audioform_id)

    async def aget_audioform(self, audioform_id: str) -> BuildStatus:
        """Poll one audioform build from a trigger."""
        return await self.aget_build("audioform", audioform_id)

    def submit_batch(self, items: list[tuple[str, Audioform]]) -> str:
        """
        Submit up to 1000 named audioforms as one batch; returns the ``batchId`` (resource ``batch``).

        :param items: ``(name, audioform)`` pairs, already validated.
        """
        if not 1 <= len(items) <= MAX_BATCH_ITEMS:
            raise AudioInputError(
                "batch", [f"items: {len(items)} given; a batch holds 1 to {MAX_BATCH_ITEMS}"]
            )
        body = {"items": [{"name": name, "audioform": audioform.to_payload()} for name, audioform in items]}
        data = self.get_conn().call(routes.CREATE_BATCH, json_body=body).json_object().get("data") or {}
        batch_id = data.get("batchId") if isinstance(data, dict) else None
        if not batch_id:
            raise ValueError("AudioStack accepted the batch but returned no batchId")
        self.log.info("Submitted batch %s of %d audioforms", batch_id, len(items))
        return str(batch_id)

    def submit_brief(self, request: BriefRequest | Mapping[str, Any]) -> list[str]:
        """Submit a brief; returns the ids of the audioforms (ads) it produces."""
        model = request if isinstance(request, BriefRequest) else parse_brief(request)
        data = (
            self.get_conn().call(routes.CREATE_BRIEF, json_body=model.to_payload()).json_object().get("data")
            or {}
        )
        ids = [str(item["audioformId"]) for item in data.get("audioforms") or [] if item.get("audioformId")]
        if not ids:
            raise ValueError("AudioStack accepted the brief but returned no audioforms")
        self.log.info("Brief produced %d audioform(s): %s", len(ids), ", ".join(ids))
        return ids

    def submit_story(self, request: StoryRequest | Mapping[str, Any]) -> str:
        """Submit a story; returns the ``storyId`` (resource ``story``)."""
        model = request if isinstance(request, StoryRequest) else parse_story(request)
        data = (
            self.get_conn().call(routes.CREATE_STORY, json_body=model.to_payload()).json_object().get("data")
            or {}
        )
        story_id = data.get("storyId") if isinstance(data, dict) else None
        if not story_id:
            raise ValueError("AudioStack accepted the story but returned no storyId")
        return str(story_id)

    def usage(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The organisation's usage report (``GET /v2/analytics/usage``, documented only at
        https://docs.audiostack.ai/reference/getanalyticsusage)."""
        return self.get_conn().call(routes.USAGE_ANALYTICS, params=dict(params or {})).json_object()

    def download_delivered_file(
        self, uri: str, destination: str | os.PathLike[str] | ObjectStoragePath
    ) -> DownloadedFile:
        """Stream a delivered file to ``destination``; see :meth:`download`."""
        return self.download(uri, destination)
