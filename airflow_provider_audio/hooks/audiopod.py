"""AudioPod AI: voice profiles, cloning, previews, collections and usage analytics."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_audio import connection_forms
from airflow_provider_audio.client.http import ApiResponse, SyncApiClient
from airflow_provider_audio.client.routes import audiopod as routes
from airflow_provider_audio.client.service import Credentials
from airflow_provider_audio.defaults import AUDIOPOD_CONN_ID
from airflow_provider_audio.defaults import PREVIEW_FORMATS as PREVIEW_FORMATS
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceRequestError
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.models.audiopod import (
    MAX_PAGE_SIZE,
    BatchPreviewRequest,
    CreateCollectionRequest,
    UpdateVoiceRequest,
    UsageQuery,
    parse_batch_preview,
    parse_collection,
    parse_list_voices,
    parse_update_voice,
    parse_usage_query,
)
from airflow_provider_audio.timestamps import parse_time

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from airflow_provider_audio.voice_samples import VoiceSample

AUTH_SCHEMES = connection_forms.AUDIOPOD_AUTH_SCHEMES
# The page size the official client asks for when called with its defaults (audiopod 2.12.0,
# services/voice.py list_voices: limit=100); the documentation says "limit: max 50".
CLIENT_PAGE_SIZE = 100


class VoiceStatus(enum.StrEnum):
    """A custom voice's training status (the official SDK's values)."""

    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"

    def is_terminal(self) -> bool:
        """Whether training has ended."""
        return self is not VoiceStatus.PROCESSING

    def is_failure(self) -> bool:
        """Whether training ended without a usable voice."""
        return self in (VoiceStatus.FAILED, VoiceStatus.CANCELLED, VoiceStatus.ERROR)


@dataclass(frozen=True)
class Voice:
    """
    A voice as AudioPod describes it.

    :param data: the API's object, unchanged.
    """

    data: dict[str, Any]

    @property
    def id(self) -> str:
        """The voice's id (AudioPod accepts it, its uuid or its voice_id wherever a voice is named)."""
        return str(self.data.get("id") or self.data.get("uuid") or self.data.get("voice_id"))

    @property
    def created_at(self) -> datetime | None:
        """When the voice was created, if the answer says so (ISO 8601; naive times read as UTC)."""
        return parse_time(self.data.get("created_at"))

    @property
    def status(self) -> VoiceStatus:
        """Training status; unknown values read as still processing."""
        raw = str(self.data.get("status") or self.data.get("training_status") or "").upper()
        try:
            return VoiceStatus(raw)
        except ValueError:
            return VoiceStatus.PROCESSING

    def summary(self) -> dict[str, Any]:
        """What operators return: ids, name, status and the failure reason if any."""
        return {
            "voice_id": self.id,
            "uuid": self.data.get("uuid"),
            "name": self.data.get("name"),
            "status": self.status.value,
            "error_message": self.data.get("error_message"),
            "preview_url": self.data.get("preview_url"),
        }


@dataclass(frozen=True)
class VoicePage:
    """
    One page of voices.

    :param voices: the voices.
    :param total: voices in all pages.
    :param has_more: whether another page follows.
    """

    voices: list[Voice]
    total: int
    has_more: bool


@dataclass(frozen=True)
class Preview:
    """
    A voice preview.

    :param audio_url: where the audio is.
    :param duration: its duration in seconds.
    """

    audio_url: str
    duration: float | None


def _voice(response: ApiResponse) -> Voice:
    return Voice(response.json_object())


class AudioPodHook(AudioServiceHook):
    """
    Talks to AudioPod AI.

    Connection: password = API key (``ap_...``, sent as ``X-API-Key``) or, with extra
    ``{"auth": "bearer"}``, a JWT sent as ``Authorization: Bearer``. Host overrides
    ``https://api.audiopod.ai/api/v1/voice``. A 402 becomes an ``AudioServiceCreditsError`` that
    shows the required and available amounts when AudioPod gives them.

    :param conn_id: the connection id (default ``audiopod_default``).
    """

    service = routes.SERVICE
    conn_type = connection_forms.AUDIOPOD.conn_type
    default_conn_name = AUDIOPOD_CONN_ID
    hook_name = connection_forms.AUDIOPOD.hook_name

    @classmethod
    def credentials_from_connection(cls, connection: Connection, extra: Mapping[str, Any]) -> Credentials:
        if not connection.password:
            raise AudioInputError(
                "AudioPod connection", [f"{connection.conn_id}.password: the API key is empty"]
            )
        scheme = extra.get("auth") or AUTH_SCHEMES[0]
        if scheme not in AUTH_SCHEMES:
            raise AudioInputError(
                "AudioPod connection",
                [f"{connection.conn_id}.extra.auth: {scheme!r}; allowed values: {AUTH_SCHEMES}"],
            )
        if scheme == "bearer":
            return Credentials.bearer(connection.password)
        return Credentials.in_header("X-API-Key", connection.password)

    def _probe(self, client: SyncApiClient) -> None:
        client.call(routes.LIST_VOICE_PROFILES, params={"skip": 0, "limit": 1})

    def list_voices(self, filters: Mapping[str, Any] | None = None) -> VoicePage:
        """
        One page of voice profiles.

        :param filters: ``skip``, ``limit`` (at most 50), ``voice_type`` (CUSTOM, STANDARD),
            ``is_public``, ``include_public``.
        """
        query = parse_list_voices(dict(filters or {}))
        return self._voice_page(query.to_params())

    def _voice_page(self, params: Mapping[str, Any]) -> VoicePage:
        body = self.get_conn().call(routes.LIST_VOICE_PROFILES, params=dict(params)).json_object()
        voices = [Voice(item) for item in body.get("voices") or []]
        return VoicePage(voices, int(body.get("total") or 0), bool(body.get("hasMore")))

    def iter_voices(
        self, filters: Mapping[str, Any] | None = None, page_size: int = CLIENT_PAGE_SIZE
    ) -> Iterator[Voice]:
        """
        Every voice matching ``filters``, page after page.

        Each request asks for ``page_size`` voices, as the official client does; a page may hold
        fewer (the documented maximum is 50) and ``hasMore`` says whether more follow. Should the
        service refuse the page size (422), the pages go on at the documented maximum.

        :param filters: as :meth:`list_voices`, without ``skip`` and ``limit``.
        :param page_size: voices asked for per request.
        """
        wanted = {key: value for key, value in (filters or {}).items() if key not in ("skip", "limit")}
        params = parse_list_voices(wanted).to_params()
        skip, limit = 0, page_size
        while True:
            try:
                page = self._voice_page({**params, "skip": skip, "limit": limit})
            except AudioServiceRequestError as error:
                if error.status != 422 or limit <= MAX_PAGE_SIZE:
                    raise
                self.log.info("AudioPod refused limit=%d; listing %d voices a page", limit, MAX_PAGE_SIZE)
                limit = MAX_PAGE_SIZE
                continue
            yield from page.voices
            skip += len(page.voices)
            if not page.has_more or not page.voices:
                return

    def find_custom_voices(self, name: str) -> list[Voice]:
        """
        This account's custom voices named exactly ``name``, judged on the client: the list is
        asked for custom voices only, and each answer must say it is one and carry the name.
        """
        found = []
        for voice in self.iter_voices({"voice_type": "CUSTOM", "include_public": False}):
            if voice.data.get("name") == name and voice.data.get("voice_type", "CUSTOM") == "CUSTOM":
                found.append(voice)
        return found

    def voice_status(self, voice_id: str) -> Voice:
        """A voice and its training status."""
        return _voice(self.get_conn().call(routes.VOICE_STATUS, path_params={"voice_id": voice_id}))

    async def avoice_status(self, voice_id: str) -> Voice:
        """A voice and its training status, from a trigger."""
        client = await self.aget_client()
        return _voice(await client.call(routes.VOICE_STATUS, path_params={"voice_id": voice_id}))

    def create_voice(
        self,
        name: str,
        samples: list[VoiceSample],
        *,
        description: str | None = None,
        denoise: bool | None = None,
        is_public: bool | None = None,
    ) -> Voice:
        """
        Start cloning a voice from one sample (``POST /voice-profiles``) or several
        (``POST /voice-profiles/multi-sample``). Never sent twice by a retry.

        :param name: the voice's name.
        :param samples: checked samples (see ``voice_samples.load_voice_samples``).
        :param description: its description.
        :param denoise: clean the sample first (single-sample route).
        :param is_public: make the voice public (multi-sample route).
        """
        if not name.strip():
            raise AudioInputError("AudioPod voice", ["name: must not be empty"])
        form: dict[str, str] = {"name": name}
        if description is not None:
            form["description"] = description
        if len(samples) == 1:
            if denoise is not None:
                form["denoise"] = str(denoise).lower()
            endpoint, field = routes.CREATE_VOICE, "file"
        else:
            if is_public is not None:
                form["is_public"] = str(is_public).lower()
            endpoint, field = routes.CREATE_VOICE_MULTI_SAMPLE, "voice_files"
        files = [(field, sample.as_form_file()) for sample in samples]
        voice = _voice(self.get_conn().call(endpoint, form=form, files=files))
        self.log.info("AudioPod is training voice %s (%r) from %d sample(s)", voice.id, name, len(samples))
        return voice

    def voice_preview(
        self, voice_id: str, audio_format: str = "mp3", generate_if_missing: bool = True
    ) -> Preview:
        """A voice's preview, generated (and paid for) only when missing and allowed."""
        if audio_format not in PREVIEW_FORMATS:
            raise AudioInputError(
                "AudioPod preview", [f"audio_format: {audio_format!r}; allowed values: {PREVIEW_FORMATS}"]
            )
        params = {"audio_format": audio_format, "generate_if_missing": str(generate_if_missing).lower()}
        body = self.get_conn().call(routes.VOICE_PREVIEW, path_params={"voice_id": voice_id}, params=params)
        data = body.json_object()
        duration = data.get("duration")
        return Preview(str(data["audio_url"]), float(duration) if duration is not None else None)

    def batch_preview(self, request: BatchPreviewRequest | Mapping[str, Any]) -> list[dict[str, Any]]:
        """One text spoken by several voices: ``[{voice_id, voice_name, audio_url, duration}]``."""
        model = request if isinstance(request, BatchPreviewRequest) else parse_batch_preview(request)
        body = self.get_conn().call(routes.BATCH_PREVIEW, json_body=model.to_payload()).json_object()
        return list(body.get("previews") or [])

    def update_voice(self, voice_id: str, changes: UpdateVoiceRequest | Mapping[str, Any]) -> dict[str, Any]:
        """Change a custom voice's name, description, visibility or tags."""
        model = changes if isinstance(changes, UpdateVoiceRequest) else parse_update_voice(changes)
        response = self.get_conn().call(
            routes.UPDATE_VOICE, path_params={"voice_id": voice_id}, json_body=model.to_payload()
        )
        return response.json_object()

    def delete_voice(self, voice_id: str) -> None:
        """Delete a custom voice (204)."""
        self.get_conn().call(routes.DELETE_VOICE, path_params={"voice_id": voice_id})
        self.log.info("Deleted AudioPod voice %s", voice_id)

    async def adelete_voice(self, voice_id: str) -> None:
        """Delete a custom voice (204), from a trigger."""
        client = await self.aget_client()
        await client.call(routes.DELETE_VOICE, path_params={"voice_id": voice_id})
        self.log.info("Deleted AudioPod voice %s", voice_id)

    def create_collection(self, request: CreateCollectionRequest | Mapping[str, Any]) -> dict[str, Any]:
        """Create a voice collection."""
        model = request if isinstance(request, CreateCollectionRequest) else parse_collection(request)
        return self.get_conn().call(routes.CREATE_COLLECTION, json_body=model.to_payload()).json_object()

    def iter_collections(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every collection, page after page."""
        skip = 0
        while True:
            body = (
                self.get_conn()
                .call(routes.LIST_COLLECTIONS, params={"skip": skip, "limit": page_size})
                .json_object()
            )
            items = list(body.get("collections") or [])
            yield from items
            skip += len(items)
            if not body.get("hasMore") or not items:
                return

    def add_voices_to_collection(self, collection_id: str, voice_ids: list[str]) -> dict[str, Any]:
        """Add voices to a collection; voices already in it stay once."""
        if not voice_ids:
            raise AudioInputError("AudioPod collection", ["voice_ids: at least one voice is needed"])
        response = self.get_conn().call(
            routes.ADD_COLLECTION_VOICES,
            path_params={"collection_id": collection_id},
            json_body={"voice_ids": voice_ids},
        )
        return response.json_object()

    def usage(self, query: UsageQuery | Mapping[str, Any] | None = None) -> dict[str, Any]:
        """
        Usage analytics.

        :param query: ``voice_id``, ``period`` (7d, 30d, 90d, 1y), ``breakdown`` (daily, weekly, monthly).
        """
        model = query if isinstance(query, UsageQuery) else parse_usage_query(dict(query or {}))
        return self.get_conn().call(routes.USAGE_ANALYTICS, params=model.to_params()).json_object()
