"""AIML API: stable-audio generation."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_audio import connection_forms
from airflow_provider_audio.client.http import ApiResponse, SyncApiClient
from airflow_provider_audio.client.routes import aimlapi as routes
from airflow_provider_audio.client.service import Credentials
from airflow_provider_audio.defaults import AIMLAPI_CONN_ID
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceNotFoundError
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.models.aimlapi import StableAudioRequest, parse_stable_audio_request

if TYPE_CHECKING:
    from airflow.sdk import Connection

# AIML API has no "who am I" route: asking for a generation that cannot exist answers 404 to an
# accepted key and 401 to a wrong one, without starting (or paying for) anything.
_PROBE_GENERATION_ID = "airflow-connection-test"


class GenerationStatus(enum.StrEnum):
    """Where a generation stands."""

    QUEUED = "queued"
    GENERATING = "generating"
    COMPLETED = "completed"
    ERROR = "error"

    def is_terminal(self) -> bool:
        """Whether the generation has ended."""
        return self in (GenerationStatus.COMPLETED, GenerationStatus.ERROR)


@dataclass(frozen=True)
class Generation:
    """
    One poll of a generation.

    :param data: the API's object, unchanged.
    """

    data: dict[str, Any]

    @property
    def id(self) -> str:
        """The generation id (``<uuid>:stable-audio``)."""
        return str(self.data["id"])

    @property
    def status(self) -> GenerationStatus:
        """Its status; unknown values read as still queued."""
        try:
            return GenerationStatus(str(self.data.get("status")))
        except ValueError:
            return GenerationStatus.QUEUED

    @property
    def audio_url(self) -> str | None:
        """The generated file's URL, once completed."""
        audio = self.data.get("audio_file")
        return str(audio["url"]) if isinstance(audio, dict) and audio.get("url") else None

    @property
    def credits_used(self) -> float | None:
        """``meta.usage.credits_used``, when reported."""
        usage = (self.data.get("meta") or {}).get("usage") or {}
        value = usage.get("credits_used")
        return float(value) if value is not None else None

    def describe_error(self) -> str:
        """The API's error name and message."""
        error = self.data.get("error")
        if isinstance(error, dict):
            return f"{error.get('name', 'Error')}: {error.get('message', 'no message')}"
        return "the generation ended in error without a description"


def _generation(response: ApiResponse) -> Generation:
    body = response.json_object()
    if "id" not in body:
        raise ValueError(f"AIML API answered without a generation id: {body!r}")
    return Generation(body)


class AimlApiHook(AudioServiceHook):
    """
    Talks to AIML API.

    Connection: password = API key (sent as ``Authorization: Bearer``); host overrides
    ``https://api.aimlapi.com``. A 403 about credits becomes an ``AudioServiceCreditsError``.

    :param conn_id: the connection id (default ``aimlapi_default``).
    """

    service = routes.SERVICE
    conn_type = connection_forms.AIMLAPI.conn_type
    default_conn_name = AIMLAPI_CONN_ID
    hook_name = connection_forms.AIMLAPI.hook_name

    @classmethod
    def credentials_from_connection(cls, connection: Connection, extra: Mapping[str, Any]) -> Credentials:
        if not connection.password:
            raise AudioInputError(
                "AIML API connection", [f"{connection.conn_id}.password: the API key is empty"]
            )
        return Credentials.bearer(connection.password)

    def _probe(self, client: SyncApiClient) -> None:
        try:
            client.call(routes.GET_GENERATION, params={"generation_id": _PROBE_GENERATION_ID})
        except AudioServiceNotFoundError:
            return

    def generate(self, request: StableAudioRequest | Mapping[str, Any]) -> Generation:
        """Queue a stable-audio generation (validated first; never sent twice by a retry)."""
        model = request if isinstance(request, StableAudioRequest) else parse_stable_audio_request(request)
        generation = _generation(self.get_conn().call(routes.GENERATE_AUDIO, json_body=model.to_payload()))
        self.log.info("Queued AIML API generation %s", generation.id)
        return generation

    def get_generation(self, generation_id: str) -> Generation:
        """Poll one generation."""
        return _generation(
            self.get_conn().call(routes.GET_GENERATION, params={"generation_id": generation_id})
        )

    async def aget_generation(self, generation_id: str) -> Generation:
        """Poll one generation from a trigger."""
        client = await self.aget_client()
        return _generation(await client.call(routes.GET_GENERATION, params={"generation_id": generation_id}))
