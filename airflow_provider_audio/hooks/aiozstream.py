"""AIOZ Stream: audio media publishing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_audio.client import Credentials, SyncApiClient
from airflow_provider_audio.client.auth import bearer, key_pair
from airflow_provider_audio.client.routes import aiozstream as routes
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.base import AudioServiceHook

if TYPE_CHECKING:
    from airflow.sdk import Connection


class AiozStreamHook(AudioServiceHook):
    """
    Talks to AIOZ Stream.

    Connection: either extras ``public_key`` + password (the secret key), sent as
    ``stream-public-key`` / ``stream-secret-key``; or password alone, sent as a Bearer token.
    Host overrides ``https://api.aiozstream.network/api``.

    :param conn_id: the connection id (default ``aiozstream_default``).
    """

    service = routes.SERVICE
    conn_type = "aiozstream"
    default_conn_name = "aiozstream_default"
    hook_name = "AIOZ Stream"

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form: secret key (or token) as password, public key in extras."""
        behaviour = cls._ui_behaviour(
            hidden=["schema", "port", "login"],
            extra_placeholder={"public_key": "your stream public key (omit to use a Bearer token)"},
            host_placeholder="https://api.aiozstream.network/api",
        )
        behaviour["relabeling"]["password"] = "Secret Key or Bearer Token"
        return behaviour

    @classmethod
    def credentials_from_connection(cls, connection: Connection) -> Credentials:
        if not connection.password:
            raise AudioInputError(
                "AIOZ Stream connection",
                [f"{connection.conn_id}.password: the secret key (or Bearer token) is empty"],
            )
        public_key = connection.extra_dejson.get("public_key")
        if public_key:
            return key_pair("stream-public-key", str(public_key), "stream-secret-key", connection.password)
        return bearer(connection.password)

    def _probe(self, client: SyncApiClient) -> None:
        client.call(routes.GET_ME)
