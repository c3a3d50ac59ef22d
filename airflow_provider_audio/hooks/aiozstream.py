"""AIOZ Stream: audio media (create, chunked upload, complete, list, get, cost, update, delete)."""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_audio import connection_forms
from airflow_provider_audio.client.http import ApiResponse, SyncApiClient
from airflow_provider_audio.client.routes import aiozstream as routes
from airflow_provider_audio.client.service import Credentials
from airflow_provider_audio.defaults import AIOZSTREAM_CONN_ID
from airflow_provider_audio.exceptions import (
    AudioInputError,
    AudioJobFailedError,
    AudioServiceNotFoundError,
    AudioServiceTransportError,
)
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.models.aiozstream import (
    MAX_PAGE_SIZE,
    CreateMediaRequest,
    ListMediaFilter,
    UpdateMediaRequest,
    parse_create_media,
    parse_list_filter,
    parse_update_media,
)
from airflow_provider_audio.upload.multipart import MultipartBody
from airflow_provider_audio.upload.parts import Part, plan_parts
from airflow_provider_audio.upload.progress import PROGRESS_LOG_SECONDS, UploadProgressLog
from airflow_provider_audio.upload.sources import UploadSource, read_exactly

if TYPE_CHECKING:
    from airflow.sdk import Connection

AUTH_SCHEMES = connection_forms.AIOZSTREAM_AUTH_SCHEMES
# AIOZ's Bearer tokens are JWTs (its spec: 'Type "Bearer" followed by a space and JWT token').
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class MediaStatus(enum.StrEnum):
    """A media's status on AIOZ Stream."""

    NEW = "new"
    TRANSCODING = "transcoding"
    DONE = "done"
    FAIL = "fail"
    DELETED = "deleted"

    def is_terminal(self) -> bool:
        """Whether the status will not change by waiting."""
        return self in (MediaStatus.DONE, MediaStatus.FAIL, MediaStatus.DELETED)


@dataclass(frozen=True)
class Media:
    """
    A media object as AIOZ Stream describes it.

    :param data: the API's object, unchanged.
    """

    data: dict[str, Any]

    @property
    def id(self) -> str:
        """The media id."""
        return str(self.data["id"])

    @property
    def status(self) -> MediaStatus:
        """The media's status (unknown values read as ``new``: still waiting)."""
        try:
            return MediaStatus(str(self.data.get("status")))
        except ValueError:
            return MediaStatus.NEW

    @property
    def size(self) -> int:
        """Bytes received, as the service reports them."""
        return int(self.data.get("size") or 0)

    @property
    def assets(self) -> dict[str, str]:
        """Playback URLs: hls_url, dash_url, hls_player_url, dash_player_url, source_url..."""
        assets = self.data.get("assets")
        return {key: str(value) for key, value in assets.items() if value} if isinstance(assets, dict) else {}

    def metadata(self) -> dict[str, str]:
        """The metadata pairs as a dict."""
        pairs = self.data.get("metadata") or []
        return {str(item.get("key")): str(item.get("value")) for item in pairs if isinstance(item, dict)}

    def summary(self) -> dict[str, Any]:
        """What an operator returns: id, status, size, duration and every playback URL."""
        assets = self.assets
        return {
            "media_id": self.id,
            "title": self.data.get("title"),
            "status": self.status.value,
            "size_bytes": self.size,
            "duration_seconds": self.data.get("duration"),
            "hls_url": assets.get("hls_url"),
            "dash_url": assets.get("dash_url"),
            "hls_player_url": assets.get("hls_player_url"),
            "dash_player_url": assets.get("dash_player_url"),
            "source_url": assets.get("source_url"),
        }


@dataclass(frozen=True)
class MediaPage:
    """
    One page of a list.

    :param media: the media on this page.
    :param total: matches in all pages.
    """

    media: list[Media]
    total: int


@dataclass(frozen=True)
class MediaCost:
    """
    What transcoding would cost.

    :param price: USD.
    :param is_enough: whether the balance covers it.
    """

    price: float
    is_enough: bool


@dataclass
class UploadProgress:
    """
    How far an upload got.

    :param total: the source's size.
    :param parts: every part of the plan.
    :param confirmed: parts the service confirmed, in order (resume after the last).
    """

    total: int
    parts: list[Part]
    confirmed: int = 0
    sent_bytes: int = field(default=0)

    @property
    def finished(self) -> bool:
        """Every part confirmed."""
        return self.confirmed == len(self.parts)


def _media_from(response: ApiResponse) -> Media:
    data = response.json_object().get("data")
    if not isinstance(data, dict) or "id" not in data:
        raise ValueError(f"AIOZ Stream answered without a media object: {response.body!r}")
    return Media(data)


def _page_from(response: ApiResponse) -> MediaPage:
    data = response.json_object().get("data") or {}
    # The vendor spec names the list "media"; its audio docs show "videos".
    items = data.get("media")
    if items is None:
        items = data.get("videos")
    return MediaPage([Media(item) for item in items or []], int(data.get("total") or 0))


class AiozStreamHook(AudioServiceHook):
    """
    Talks to AIOZ Stream.

    Connection: password = the secret key, extra ``public_key`` = its public key; the pair is sent
    as HTTP Basic ``public:secret``, as the official Go client sends it. A secret key without its
    public key is refused before any call: AIOZ Stream takes no secret key alone. With extra
    ``{"auth": "bearer"}`` the password is instead an access token (a JWT, as AIOZ's dashboard
    issues them), sent as ``Authorization: Bearer``.
    Host overrides ``https://api.aiozstream.network/api``. Rate limits (uploads 100/min, writes
    200/min, reads 500/min) are honoured through ``X-RateLimit-Retry-After`` by the HTTP core.

    :param conn_id: the connection id (default ``aiozstream_default``).
    """

    service = routes.SERVICE
    conn_type = connection_forms.AIOZSTREAM.conn_type
    default_conn_name = AIOZSTREAM_CONN_ID
    hook_name = connection_forms.AIOZSTREAM.hook_name

    @classmethod
    def credentials_from_connection(cls, connection: Connection, extra: Mapping[str, Any]) -> Credentials:
        conn_id, secret = connection.conn_id, connection.password
        scheme = extra.get("auth") or AUTH_SCHEMES[0]
        public_key = str(extra.get("public_key") or "")
        problems: list[str] = []
        if scheme not in AUTH_SCHEMES:
            problems.append(f"{conn_id}.extra.auth: {scheme!r}; allowed values: {AUTH_SCHEMES}")
        elif not secret:
            what = "access token" if scheme == "bearer" else "secret key"
            problems.append(f"{conn_id}.password: the {what} is empty")
        elif scheme == "bearer" and not _JWT.fullmatch(secret):
            problems.append(
                f"{conn_id}.password: with extra.auth 'bearer' it holds an access token, a JWT "
                "(header.payload.signature); a secret key goes with its public key in extra.public_key"
            )
        elif scheme == "key_pair" and not public_key:
            problems.append(
                f"{conn_id}.extra.public_key: missing; AIOZ Stream takes the secret key (password) only "
                "together with its public key"
            )
        if problems:
            raise AudioInputError("AIOZ Stream connection", problems)
        assert secret is not None
        if scheme == "bearer":
            return Credentials.bearer(secret)
        return Credentials.basic(public_key, secret)

    def _probe(self, client: SyncApiClient) -> None:
        client.call(routes.GET_ME)

    def create_media(self, request: CreateMediaRequest | Mapping[str, Any]) -> Media:
        """
        Create an audio media object (validated first; never sent twice by a retry).

        :param request: the create body, as a model or a mapping.
        """
        model = request if isinstance(request, CreateMediaRequest) else parse_create_media(request)
        media = _media_from(self.get_conn().call(routes.CREATE_MEDIA, json_body=model.to_payload()))
        self.log.info("Created AIOZ Stream media %s (%r)", media.id, model.title)
        return media

    def get_media(self, media_id: str) -> Media:
        """One media object."""
        return _media_from(self.get_conn().call(routes.GET_MEDIA, path_params={"media_id": media_id}))

    async def aget_media(self, media_id: str) -> Media:
        """One media object, from a trigger."""
        client = await self.aget_client()
        return _media_from(await client.call(routes.GET_MEDIA, path_params={"media_id": media_id}))

    def list_media(self, filters: ListMediaFilter | Mapping[str, Any] | None = None) -> MediaPage:
        """
        One page of a list or search (``POST /media``).

        :param filters: offset, limit (at most 100), sort_by, order_by, type, tags, metadata,
            status, search.
        """
        model = filters if isinstance(filters, ListMediaFilter) else parse_list_filter(dict(filters or {}))
        return _page_from(self.get_conn().call(routes.LIST_MEDIA, json_body=model.to_payload()))

    async def alist_media(self, filters: ListMediaFilter | Mapping[str, Any] | None = None) -> MediaPage:
        """One page of a list or search, from a trigger (as :meth:`list_media`)."""
        model = filters if isinstance(filters, ListMediaFilter) else parse_list_filter(dict(filters or {}))
        client = await self.aget_client()
        return _page_from(await client.call(routes.LIST_MEDIA, json_body=model.to_payload()))

    def iter_media(
        self, filters: Mapping[str, Any] | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[Media]:
        """
        Every media matching ``filters``, page after page at the largest page size.

        :param filters: as :meth:`list_media`, without offset and limit.
        :param page_size: items per request (at most 100).
        """
        offset = 0
        while True:
            page = self.list_media({**(filters or {}), "offset": offset, "limit": page_size})
            yield from page.media
            offset += len(page.media)
            if not page.media or offset >= page.total:
                return

    async def aiter_media(
        self, filters: Mapping[str, Any] | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[Media]:
        """
        Every media matching ``filters``, page after page, from a trigger (as :meth:`iter_media`);
        a caller that has found what it needs stops early, and no further page is asked for.

        :param filters: as :meth:`list_media`, without offset and limit.
        :param page_size: items per request (at most 100).
        """
        offset = 0
        while True:
            page = await self.alist_media({**(filters or {}), "offset": offset, "limit": page_size})
            for media in page.media:
                yield media
            offset += len(page.media)
            if not page.media or offset >= page.total:
                return

    def find_media_by_metadata(self, key: str, value: str, statuses: list[str] | None = None) -> list[Media]:
        """
        Audio media carrying the metadata pair ``key=value`` (optionally in these statuses).

        The service is asked with its own filters, and every answer is checked here too: a media
        without the pair (or in another status) is never returned, whatever the filter matched,
        since callers reuse or delete what this finds.
        """
        filters: dict[str, Any] = {"type": "audio", "metadata": [{"key": key, "value": value}]}
        if statuses:
            filters["status"] = statuses
        found = []
        for media in self.iter_media(filters):
            if media.metadata().get(key) != value or (statuses and media.status.value not in statuses):
                self.log.warning(
                    "AIOZ Stream listed media %s for %s=%s%s, but it does not match; ignored",
                    media.id,
                    key,
                    value,
                    f" in {statuses}" if statuses else "",
                )
                continue
            found.append(media)
        return found

    def media_cost(self, resolutions: list[str], duration_seconds: float) -> MediaCost:
        """
        What transcoding ``duration_seconds`` of audio into these quality presets would cost.

        :param resolutions: quality presets (standard, good, highest, lossless).
        :param duration_seconds: the audio's duration.
        """
        params = {"qualities": ",".join(resolutions), "type": "audio", "duration": duration_seconds}
        data = self.get_conn().call(routes.MEDIA_COST, params=params).json_object().get("data") or {}
        return MediaCost(price=float(data.get("price") or 0.0), is_enough=bool(data.get("is_enough")))

    def update_media(self, media_id: str, changes: UpdateMediaRequest | Mapping[str, Any]) -> None:
        """
        Change a media's title, description, metadata, tags, visibility or player.

        The player goes as ``player_id``, the name in the vendor's spec and Go client (its API
        reference calls it ``player_theme_id``).
        """
        model = changes if isinstance(changes, UpdateMediaRequest) else parse_update_media(changes)
        payload = model.to_payload()
        if "player_theme_id" in payload:
            payload["player_id"] = payload.pop("player_theme_id")
        self.get_conn().call(routes.UPDATE_MEDIA, path_params={"media_id": media_id}, json_body=payload)

    def delete_media(self, media_id: str) -> None:
        """Delete a media object."""
        self.get_conn().call(routes.DELETE_MEDIA, path_params={"media_id": media_id})
        self.log.info("Deleted AIOZ Stream media %s", media_id)

    async def adelete_media(self, media_id: str) -> None:
        """Delete a media object, from a trigger."""
        client = await self.aget_client()
        await client.call(routes.DELETE_MEDIA, path_params={"media_id": media_id})
        self.log.info("Deleted AIOZ Stream media %s", media_id)

    def upload_part(self, media_id: str, part: Part, total: int, data: memoryview, filename: str) -> None:
        """
        Send one part: its bytes, 1-based ``index``, MD5 ``hash`` and ``Content-Range``.

        Retried alone on transient failures (re-sending an index replaces it).
        """
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        body = MultipartBody({"index": str(part.index), "hash": digest}, "file", filename, data)
        self.get_conn().call(
            routes.UPLOAD_PART,
            path_params={"media_id": media_id},
            headers={"Content-Type": body.content_type, "Content-Range": part.content_range(total)},
            content=body,
        )

    def upload_parts(
        self,
        media_id: str,
        source: UploadSource,
        part_size: int,
        *,
        already_confirmed: int = 0,
        on_confirmed: Callable[[UploadProgress], None] | None = None,
        progress_every: float = PROGRESS_LOG_SECONDS,
    ) -> UploadProgress:
        """
        Upload ``source`` in parts, in order, resuming after ``already_confirmed`` parts.

        One buffer of ``part_size`` bytes is reused for every part, so memory does not grow with
        the file. ``on_confirmed`` is called after each part the service confirmed (the operator
        records progress there, so a retried task resumes instead of starting over). Progress is
        logged (parts, percent, bytes, speed) for the first part, then at most once every
        ``progress_every`` seconds, and for the last part (:class:`UploadProgressLog`).
        """
        progress = UploadProgress(total=source.size, parts=plan_parts(source.size, part_size))
        progress.confirmed = already_confirmed
        remaining = progress.parts[already_confirmed:]
        if not remaining:
            return progress
        buffer = memoryview(bytearray(min(part_size, source.size)))
        report = UploadProgressLog(
            self.log, f"media {media_id}", source.size, len(progress.parts), every=progress_every
        )
        with source.open_at(remaining[0].start) as stream:
            for part in remaining:
                view = buffer[: part.length]
                read_exactly(stream, view)
                self.upload_part(media_id, part, source.size, view, source.name)
                progress.confirmed = part.index
                progress.sent_bytes += part.length
                if on_confirmed is not None:
                    on_confirmed(progress)
                report.confirmed(part.index, part.length, part.end + 1)
        return progress

    def complete_upload(self, media_id: str) -> None:
        """
        Tell AIOZ Stream every part is there; transcoding starts.

        When the answer is lost, the media's status tells whether the call took effect.
        """
        try:
            self.get_conn().call(routes.COMPLETE_UPLOAD, path_params={"media_id": media_id})
        except AudioServiceTransportError as error:
            if not error.request_sent:
                raise
            status = self.get_media(media_id).status
            if status is MediaStatus.NEW:
                raise
            self.log.warning("The answer to complete was lost, but media %s is %s", media_id, status.value)

    def check_uploaded_size(self, media_id: str, expected: int) -> Media:
        """The media, after checking that the service holds exactly ``expected`` bytes."""
        media = self.get_media(media_id)
        if media.size and media.size != expected:
            raise AudioJobFailedError(
                f"AIOZ Stream media {media_id} holds {media.size} bytes but the source has {expected}"
            )
        return media

    def media_exists(self, media_id: str) -> bool:
        """Whether the media exists (and is not deleted)."""
        try:
            self.get_media(media_id)
        except AudioServiceNotFoundError:
            return False
        return True
