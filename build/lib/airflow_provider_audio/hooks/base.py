"""What every audio service hook shares: connection -> base URL + credentials -> sync/async client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from airflow.sdk import BaseHook
from airflow.sdk.log import amask_secret, mask_secret

from airflow_provider_audio.client import (
    AsyncApiClient,
    Credentials,
    RetryPolicy,
    ServiceSpec,
    SyncApiClient,
    Timeouts,
)
from airflow_provider_audio.client.download import DownloadedFile, download_file
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceError

if TYPE_CHECKING:
    import os

    from airflow.sdk import Connection, ObjectStoragePath


def base_url_from_connection(connection: Connection, default: str) -> str:
    """
    The base URL a connection points at: its host (a full URL or a bare host name), else ``default``.

    A bare host uses the connection's schema as URL scheme (``https`` when empty); a port on the
    connection is added when the host does not carry one.
    """
    host = (connection.host or "").strip()
    if not host:
        return default.rstrip("/")
    if "://" not in host:
        host = f"{connection.schema or 'https'}://{host}"
    parts = urlsplit(host)
    netloc = parts.netloc
    if connection.port and parts.port is None:
        netloc = f"{netloc}:{connection.port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class AudioServiceHook(BaseHook):
    """
    Base of the four service hooks.

    Subclasses set ``service`` and the Airflow connection attributes and implement
    :meth:`credentials_from_connection` and :meth:`_probe`.

    Besides the key, a connection's extras may set the client's limits: ``connect_timeout`` and
    ``read_timeout`` (seconds), ``max_attempts`` (attempts per call, the first included) and
    ``max_retry_seconds`` (no new attempt after that long). Arguments given to the hook win.

    :param conn_id: the Airflow connection to use; each hook has its own default.
    :param timeouts: connect/read timeouts for API calls.
    :param retry_policy: retry bounds for API calls (triggers pass ``RetryPolicy.no_retries()``).
    """

    service: ClassVar[ServiceSpec]
    conn_name_attr = "conn_id"
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        timeouts: Timeouts | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id or self.default_conn_name
        self._given_timeouts = timeouts
        self._given_retry_policy = retry_policy
        self.timeouts = timeouts or Timeouts()
        self.retry_policy = retry_policy or RetryPolicy()
        self._sync_client: SyncApiClient | None = None
        self._async_client: AsyncApiClient | None = None
        # The connection's extras, as read when a client was built: settings of a subclass's own
        # (AudioStack's response version) come from here, without reading the connection again.
        self._extra: Mapping[str, Any] = {}

    @classmethod
    def credentials_from_connection(cls, connection: Connection, extra: Mapping[str, Any]) -> Credentials:
        """
        The service's authentication headers, read from ``connection``.

        :param connection: the Airflow connection.
        :param extra: its extras, already read (``extra_dejson`` in tasks, ``aextra_dejson`` in triggers).
        """
        raise NotImplementedError

    def _apply_connection_limits(self, connection: Connection, extra: Mapping[str, Any]) -> None:
        """Timeouts and retry bounds from the connection's extras, unless given to the hook."""
        limits: dict[str, float] = {}
        problems = []
        for name in ("connect_timeout", "read_timeout", "max_attempts", "max_retry_seconds"):
            if name not in extra:
                continue
            value = extra[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                problems.append(f"{connection.conn_id}.extra.{name}: {value!r}; must be a positive number")
            else:
                limits[name] = float(value)
        if problems:
            raise AudioInputError(f"{self.service.display_name} connection", problems)
        if self._given_timeouts is None:
            default = Timeouts()
            self.timeouts = Timeouts(
                connect=limits.get("connect_timeout", default.connect),
                read=limits.get("read_timeout", default.read),
            )
        if self._given_retry_policy is None and ("max_attempts" in limits or "max_retry_seconds" in limits):
            default_policy = RetryPolicy()
            self.retry_policy = RetryPolicy(
                max_attempts=int(limits.get("max_attempts", default_policy.max_attempts)),
                max_elapsed=limits.get("max_retry_seconds", default_policy.max_elapsed),
            )

    def _build_client(self, connection: Connection) -> SyncApiClient:
        extra = self._extra = connection.extra_dejson
        self._apply_connection_limits(connection, extra)
        credentials = self.credentials_from_connection(connection, extra)
        for secret in credentials.secrets:
            mask_secret(secret)
        return SyncApiClient(
            self.service,
            base_url_from_connection(connection, self.service.default_base_url),
            credentials,
            timeouts=self.timeouts,
            retry_policy=self.retry_policy,
        )

    def get_conn(self) -> SyncApiClient:
        """The sync client for tasks, built once per hook from the connection."""
        if self._sync_client is None:
            self._sync_client = self._build_client(self.get_connection(self.conn_id))
        return self._sync_client

    @property
    def client(self) -> SyncApiClient:
        """Alias of :meth:`get_conn`."""
        return self.get_conn()

    async def aget_client(self) -> AsyncApiClient:
        """
        The async client for triggers, built once per hook.

        Everything that talks to the supervisor (the connection, its extras, registering the key
        with the secrets masker) is awaited: a synchronous call from the event loop can deadlock
        the triggerer while another trigger's request to the supervisor is in flight.
        """
        if self._async_client is None:
            connection = await self.aget_connection(self.conn_id)
            extra = self._extra = await connection.aextra_dejson()
            self._apply_connection_limits(connection, extra)
            credentials = self.credentials_from_connection(connection, extra)
            for secret in credentials.secrets:
                await amask_secret(secret)
            self._async_client = AsyncApiClient(
                self.service,
                base_url_from_connection(connection, self.service.default_base_url),
                credentials,
                timeouts=self.timeouts,
                retry_policy=self.retry_policy,
            )
        return self._async_client

    async def aclose(self) -> None:
        """Close the async client's connections, if one was opened."""
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None

    def download(self, url: str, destination: str | os.PathLike[str] | ObjectStoragePath) -> DownloadedFile:
        """
        Stream a delivered file (build, preview, generation) to a local path or an ``ObjectStoragePath``.

        Written under a temporary name and renamed when the byte count matches the announced size,
        so no partial file is ever left at ``destination``. The API key is not sent to the file's URL.
        The connection's timeouts and retry bounds apply, even when no API call came first.
        """
        self.get_conn()  # reads the connection's limits into self.timeouts / self.retry_policy
        downloaded = download_file(
            url,
            destination,
            service=self.service.name,
            timeouts=self.timeouts,
            retry_policy=self.retry_policy,
        )
        self.log.info("Downloaded %d bytes to %s", downloaded.size_bytes, downloaded.path)
        return downloaded

    def _probe(self, client: SyncApiClient) -> None:
        """A cheap authenticated read that proves the connection works."""
        raise NotImplementedError

    def test_connection(self) -> tuple[bool, str]:
        """Test the connection with a cheap read call (the Airflow UI's *Test* button)."""
        try:
            self._probe(self.get_conn())
        except AudioServiceError as error:
            return False, str(error)
        return True, f"Connection to {self.service.display_name} successfully tested"

    @classmethod
    def _ui_behaviour(
        cls, *, hidden: list[str], extra_placeholder: dict[str, Any] | None, host_placeholder: str
    ) -> dict[str, Any]:
        import json

        placeholders: dict[str, str] = {
            "host": host_placeholder,
            "password": f"{cls.service.display_name} API key",
        }
        if extra_placeholder is not None:
            placeholders["extra"] = json.dumps(extra_placeholder, indent=1)
        return {
            "hidden_fields": hidden,
            "relabeling": {"password": "API Key", "host": "Base URL (optional)"},
            "placeholders": placeholders,
        }
