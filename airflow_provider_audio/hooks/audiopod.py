"""AudioPod AI: voice profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_audio.client import Credentials, SyncApiClient
from airflow_provider_audio.client.auth import api_key_header, bearer
from airflow_provider_audio.client.routes import audiopod as routes
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.base import AudioServiceHook

if TYPE_CHECKING:
    from airflow.sdk import Connection

AUTH_SCHEMES = ("api_key", "bearer")


class AudioPodHook(AudioServiceHook):
    """
    Talks to AudioPod AI.

    Connection: password = API key (``ap_...``, sent as ``X-API-Key``) or, with extra
    ``{"auth": "bearer"}``, a JWT sent as ``Authorization: Bearer``. Host overrides
    ``https://api.audiopod.ai/api/v1/voice``.

    :param conn_id: the connection id (default ``audiopod_default``).
    """

    service = routes.SERVICE
    conn_type = "audiopod"
    default_conn_name = "audiopod_default"
    hook_name = "AudioPod AI"

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form: API key (or JWT) as password."""
        return cls._ui_behaviour(
            hidden=["schema", "port", "login"],
            extra_placeholder={"auth": "api_key"},
            host_placeholder="https://api.audiopod.ai/api/v1/voice",
        )

    @classmethod
    def credentials_from_connection(cls, connection: Connection) -> Credentials:
        if not connection.password:
            raise AudioInputError(
                "AudioPod connection", [f"{connection.conn_id}.password: the API key is empty"]
            )
        scheme = connection.extra_dejson.get("auth", "api_key")
        if scheme not in AUTH_SCHEMES:
            raise AudioInputError(
                "AudioPod connection",
                [f"{connection.conn_id}.extra.auth: {scheme!r}; allowed values: {AUTH_SCHEMES}"],
            )
        if scheme == "bearer":
            return bearer(connection.password)
        return api_key_header("X-API-Key", connection.password)

    def _probe(self, client: SyncApiClient) -> None:
        client.call(routes.LIST_VOICE_PROFILES, params={"skip": 0, "limit": 1})
