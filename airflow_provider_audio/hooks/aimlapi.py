"""AIML API: stable-audio generation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_audio.client import Credentials, SyncApiClient
from airflow_provider_audio.client.auth import bearer
from airflow_provider_audio.client.routes import aimlapi as routes
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceNotFoundError
from airflow_provider_audio.hooks.base import AudioServiceHook

if TYPE_CHECKING:
    from airflow.sdk import Connection

# AIML API has no "who am I" route: asking for a generation that cannot exist answers 404 to an
# accepted key and 401 to a wrong one, without starting (or paying for) anything.
_PROBE_GENERATION_ID = "airflow-connection-test"


class AimlApiHook(AudioServiceHook):
    """
    Talks to AIML API.

    Connection: password = API key (sent as ``Authorization: Bearer``); host overrides
    ``https://api.aimlapi.com``.

    :param conn_id: the connection id (default ``aimlapi_default``).
    """

    service = routes.SERVICE
    conn_type = "aimlapi"
    default_conn_name = "aimlapi_default"
    hook_name = "AIML API"

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form: API key as password; nothing else is needed."""
        return cls._ui_behaviour(
            hidden=["schema", "port", "login", "extra"],
            extra_placeholder=None,
            host_placeholder="https://api.aimlapi.com",
        )

    @classmethod
    def credentials_from_connection(cls, connection: Connection) -> Credentials:
        if not connection.password:
            raise AudioInputError(
                "AIML API connection", [f"{connection.conn_id}.password: the API key is empty"]
            )
        return bearer(connection.password)

    def _probe(self, client: SyncApiClient) -> None:
        try:
            client.call(routes.GET_GENERATION, params={"generation_id": _PROBE_GENERATION_ID})
        except AudioServiceNotFoundError:
            return
