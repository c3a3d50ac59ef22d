"""
An AIOZ Stream audio media as the sandbox keeps it, and as the vendor's API shows it.

:class:`Media` holds the record, the upload's bookkeeping and the transcoding outcome;
:func:`media_json` renders the vendor's ``Media`` object (assets as absolute URLs on the
sandbox); :func:`select` applies a list query.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import html
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio_sandbox.aiozstream.bodies import ListQuery, Quality
from audio_sandbox.aiozstream.transcode import AudioProbe
from audio_sandbox.core.errors import Service

if TYPE_CHECKING:
    from _hashlib import HASH

#: Where the sandbox serves AIOZ's embeddable players (the vendor's ``embed.aiozstream.network``).
EMBED_PREFIX = "/aiozstream/embed"
_IFRAME = (
    '<iframe src="{src}" width="100%" height="100%" frameborder="0" scrolling="no" '
    'allowfullscreen="true"></iframe>'
)


def user_id_for(public_key: str) -> str:
    """The sandbox account's id, derived from the configured public key (stable across runs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"audio-sandbox:aiozstream:{public_key}"))


def rfc3339(moment: datetime.datetime) -> str:
    """``2024-05-01T12:00:00.123456Z``."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class UploadPart:
    """
    A part received and stored.

    :param index: its number as sent (from 1, or from 0: the first part decides).
    :param start: first byte's offset in the file.
    :param end: last byte's offset (inclusive).
    :param md5: hex MD5 of its bytes.
    """

    index: int
    start: int
    end: int
    md5: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "start": self.start, "end": self.end, "md5": self.md5}


def _new_md5() -> HASH:
    return hashlib.md5(usedforsecurity=False)


@dataclass
class Media:
    """
    One audio media.

    :param id: its id (a UUID).
    :param user_id: the owning account.
    :param sequence: creation order (breaks ties between equal timestamps).
    :param title: title.
    :param description: description.
    :param is_public: public flag.
    :param metadata: ``{key, value}`` pairs, or ``None``.
    :param tags: tags, or ``None``.
    :param qualities: requested renditions.
    :param created_at: creation time (UTC).
    :param updated_at: last change (UTC).
    :param path: the file the parts are assembled in.
    :param player_theme_id: the player theme set by ``PATCH``.
    :param status: ``new``, ``transcoding``, ``done``, ``fail`` or ``deleted``.
    :param quality_status: every quality's status: new, transcoding, then done or fail.
    :param duration: seconds of audio, once transcoded.
    :param size: bytes of the completed upload.
    :param view: views (always 0: the sandbox counts none).
    :param total: the size announced by the parts' ``Content-Range``; ``None`` before the first.
    :param received: bytes assembled so far.
    :param parts: the parts received, in order.
    :param assembled_md5: running MD5 of the bytes assembled so far.
    :param transcode_ready_at: monotonic time from which the completed upload counts as transcoded.
    :param probe: what transcoding found in the file (``None`` until done, and for a failure).
    :param lock: serialises this media's part uploads, completion, deletion and transcoding.
    """

    id: str
    user_id: str
    sequence: int
    title: str
    description: str
    is_public: bool
    metadata: list[dict[str, str]] | None
    tags: list[str] | None
    qualities: tuple[Quality, ...]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    path: Path
    player_theme_id: str = ""
    status: str = "new"
    quality_status: str = "new"
    duration: float = 0.0
    size: int = 0
    view: int = 0
    total: int | None = None
    received: int = 0
    parts: list[UploadPart] = field(default_factory=list)
    assembled_md5: HASH = field(default_factory=_new_md5, repr=False)
    transcode_ready_at: float | None = None
    probe: AudioProbe | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def stream_types(self) -> set[str]:
        return {quality.type for quality in self.qualities}

    def matches(self, query: ListQuery) -> bool:
        """Whether this media passes ``query``'s filters."""
        if query.status is None:
            if self.status == "deleted":
                return False
        elif self.status not in query.status:
            return False
        if query.type is not None and query.type != "audio":
            return False
        if query.tags and not set(query.tags) <= set(self.tags or ()):
            return False
        pairs = {(pair["key"], pair["value"]) for pair in self.metadata or ()}
        if query.metadata and not set(query.metadata) <= pairs:
            return False
        if query.search is not None:
            needle = query.search.casefold()
            if needle not in self.title.casefold() and needle not in self.description.casefold():
                return False
        return True

    def sort_key(self, sort_by: str) -> tuple[Any, int]:
        value: Any = {
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "title": self.title,
            "size": self.size,
        }[sort_by]
        return (value, self.sequence)


def select(media: list[Media], query: ListQuery) -> tuple[list[Media], int]:
    """The page of ``media`` matching ``query``, and how many match in all."""
    matching = [item for item in media if item.matches(query)]
    matching.sort(key=lambda item: item.sort_key(query.sort_by), reverse=query.order_by == "desc")
    return matching[query.offset : query.offset + query.limit], len(matching)


def media_urls(base_url: str, media_id: str) -> dict[str, str]:
    """Every URL of a media on the sandbox at ``base_url`` (``http://127.0.0.1:PORT``)."""
    api = f"{base_url}{Service.AIOZSTREAM.prefix}/media/{media_id}"
    return {
        "source_url": f"{api}/source",
        "thumbnail_url": f"{api}/thumbnail?resolution=original",
        "hls_url": f"{api}/m3u8",
        "hls_player_url": f"{base_url}{EMBED_PREFIX}/vod/hls/{media_id}",
        "dash_url": f"{api}/manifest",
        "dash_player_url": f"{base_url}{EMBED_PREFIX}/vod/dash/{media_id}",
    }


def media_json(media: Media, base_url: str) -> dict[str, Any]:
    """The vendor's ``Media`` object; audio never carries ``mp4_url``."""
    urls = media_urls(base_url, media.id)
    assets: dict[str, str] = {"source_url": urls["source_url"], "thumbnail_url": urls["thumbnail_url"]}
    for kind in ("hls", "dash"):
        if kind in media.stream_types:
            player = urls[f"{kind}_player_url"]
            assets[f"{kind}_url"] = urls[f"{kind}_url"]
            assets[f"{kind}_iframe"] = _IFRAME.format(src=html.escape(player, quote=True))
            assets[f"{kind}_player_url"] = player
    return {
        "id": media.id,
        "user_id": media.user_id,
        "type": "audio",
        "title": media.title,
        "description": media.description,
        # The spec's arrays are never null: an empty list stands for "none" (player_theme, an
        # object, is left out while the media has none).
        "metadata": [dict(pair) for pair in media.metadata or []],
        "tags": list(media.tags or []),
        "qualities": [
            {"name": quality.resolution, "status": media.quality_status, "type": quality.type}
            for quality in media.qualities
        ],
        "captions": [],
        "chapters": [],
        "player_theme_id": media.player_theme_id,
        "duration": media.duration,
        "size": media.size,
        "is_mp4": False,
        "is_public": media.is_public,
        "status": media.status,
        "view": media.view,
        "created_at": rfc3339(media.created_at),
        "updated_at": rfc3339(media.updated_at),
        "assets": assets,
    }
