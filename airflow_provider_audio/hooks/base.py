"""What every audio service hook shares: connection -> base URL + credentials -> sync/async client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from airflow.sdk import BaseHook
from airflow.sdk.log import amask_secret, mask_secret

from airflow_provider_audio.client.files import DownloadedFile, download_file
from airflow_provider_audio.client.http import AsyncApiClient, SyncApiClient
from airflow_provider_audio.client.service import (
    ClientSettings,
    Credentials,
    RetryPolicy,
    ServiceSpec,
    Timeouts,
)
from airflow_provider_audio.connection_forms import CLIENT_LIMIT_FIELDS
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
    Base of the four service hooks: the connection is read once into a :class:`ClientSettings`,
    which builds the sync client (tasks) and the async client (triggers) alike.

    Subclasses set ``service`` and the Airflow connection attributes and implement
    :meth:`credentials_from_connection` and :meth:`_probe`.

    Besides the key, a connection's extras may set the client's limits: ``connect_timeout`` and
    ``read_timeout`` (seconds), ``max_attempts`` (attempts per call, the first included) and
    ``max_retry_seconds`` (no new attempt after that long); absent or ``null`` (a field cleared in
    the connection form) means the default. Arguments given to the hook win. The connection form
    that writes these extras is declared in :mod:`airflow_provider_audio.connection_forms`.

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
        self._settings: ClientSettings | None = None
        self._sync_client: SyncApiClient | None = None
        self._async_client: AsyncApiClient | None = None

    @classmethod
    def credentials_from_connection(cls, connection: Connection, extra: Mapping[str, Any]) -> Credentials:
        """
        The service's authentication headers, read from ``connection``.

        :param connection: the Airflow connection.
        :param extra: its extras, already read (``extra_dejson`` in tasks, ``aextra_dejson`` in triggers).
        """
        raise NotImplementedError

    def _settings_from(self, connection: Connection, extra: Mapping[str, Any]) -> ClientSettings:
        """The client settings of ``connection``: timeouts and retry bounds from its extras, unless
        given to the hook."""
        limits: dict[str, float] = {}
        problems = []
        for limit in CLIENT_LIMIT_FIELDS:
            value = extra.get(limit.name)
            if value is None:
                continue
            whole = limit.type == "integer"
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value <= 0
                or (whole and not float(value).is_integer())
            ):
                problems.append(
                    f"{connection.conn_id}.extra.{limit.name}: {value!r}; "
                    f"must be a positive {'whole ' if whole else ''}number"
                )
            else:
                limits[limit.name] = float(value)
        if problems:
            raise AudioInputError(f"{self.service.display_name} connection", problems)
        default_timeouts, default_policy = Timeouts(), RetryPolicy()
        timeouts = self._given_timeouts or Timeouts(
            connect=limits.get("connect_timeout", default_timeouts.connect),
            read=limits.get("read_timeout", default_timeouts.read),
        )
        retry_policy = self._given_retry_policy or RetryPolicy(
            max_attempts=int(limits.get("max_attempts", default_policy.max_attempts)),
            max_elapsed=limits.get("max_retry_seconds", default_policy.max_elapsed),
        )
        return ClientSettings(
            service=self.service,
            base_url=base_url_from_connection(connection, self.service.default_base_url),
            credentials=self.credentials_from_connection(connection, extra),
            timeouts=timeouts,
            retry_policy=retry_policy,
            extra=dict(extra),
        )

    def settings(self) -> ClientSettings:
        """The connection read into client settings, once per hook; its keys go to the masker."""
        if self._settings is None:
            connection = self.get_connection(self.conn_id)
            settings = self._settings_from(connection, connection.extra_dejson)
            for secret in settings.credentials.secrets:
                mask_secret(secret)
            self._settings = settings
        return self._settings

    async def asettings(self) -> ClientSettings:
        """
        :meth:`settings`, from the event loop.

        Everything that talks to the supervisor (the connection, its extras, registering the key
        with the secrets masker) is awaited: a synchronous call from the event loop can deadlock
        the triggerer while another trigger's request to the supervisor is in flight.
        """
        if self._settings is None:
            connection = await self.aget_connection(self.conn_id)
            settings = self._settings_from(connection, await connection.aextra_dejson())
            for secret in settings.credentials.secrets:
                await amask_secret(secret)
            self._settings = settings
        return self._settings

    def points_at_service(self) -> bool:
        """
        Whether the connection reaches the service's own API (the host of its production base
        URL), not the sandbox, a staging server or a proxy: only then do pages of the vendor's
        console show what this connection made.
        """
        own = urlsplit(self.service.default_base_url).hostname
        return urlsplit(self.settings().base_url).hostname == own

    def get_conn(self) -> SyncApiClient:
        """The sync client for tasks, built once per hook."""
        if self._sync_client is None:
            self._sync_client = SyncApiClient(self.settings())
        return self._sync_client

    async def aget_client(self) -> AsyncApiClient:
        """The async client for triggers, built once per hook."""
        if self._async_client is None:
            self._async_client = AsyncApiClient(await self.asettings())
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
        settings = self.settings()
        downloaded = download_file(
            url,
            destination,
            service=self.service.name,
            timeouts=settings.timeouts,
            retry_policy=settings.retry_policy,
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
        except (AudioServiceError, AudioInputError) as error:
            # A connection the hook refuses (no public key, a bad extra) fails the test the same way.
            return False, str(error)
        return True, f"Connection to {self.service.display_name} successfully tested"
