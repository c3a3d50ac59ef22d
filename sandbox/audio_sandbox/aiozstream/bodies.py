"""
AIOZ Stream's request bodies for audio media, validated on the vendor's documented rules.

Each ``parse_*`` function returns a typed request or raises :class:`RequestError` whose message
names every offending field by its path (``qualities[0].audio_config.sample_rate``) and what it
accepts. As the vendor's Go server does, a JSON ``null`` counts as "not given".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

MEDIA_TYPE = "audio"
#: Types the list filter accepts (the vendor also stores videos; the sandbox only audio).
LISTABLE_TYPES: tuple[str, ...] = ("audio", "video")
MEDIA_STATUSES: tuple[str, ...] = ("new", "transcoding", "done", "fail", "deleted")
RESOLUTIONS: tuple[str, ...] = ("standard", "good", "highest", "lossless")
STREAM_TYPES: tuple[str, ...] = ("hls", "dash")
CONTAINER_TYPES: dict[str, tuple[str, ...]] = {"hls": ("mpegts", "mp4"), "dash": ("fmp4",)}
AUDIO_CODECS: tuple[str, ...] = ("aac",)
AUDIO_CHANNELS: tuple[str, ...] = ("2",)
SAMPLE_RATES: tuple[int, ...] = (8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000)
#: Limits of ``metadata`` and ``tags`` (from the vendor's spec of ``CreateMediaRequest``).
MAX_METADATA_ITEMS = 50
MAX_METADATA_LENGTH = 255
MAX_TAGS = 50
MAX_TAG_LENGTH = 255
SORT_FIELDS: tuple[str, ...] = ("created_at", "updated_at", "title", "size")
ORDERS: tuple[str, ...] = ("asc", "desc")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
#: Transcoding price per minute of audio, USD, per quality preset (the sandbox's own table).
PRICE_PER_MINUTE_USD: dict[str, float] = {
    "standard": 0.002,
    "good": 0.003,
    "highest": 0.004,
    "lossless": 0.006,
}
#: Fields ``PATCH /media/{id}`` accepts. The player is ``player_id`` in the vendor's spec
#: (``UpdateMediaInfoRequest``) and Go client, ``player_theme_id`` in its API reference: either
#: name sets the media's ``player_theme_id``.
UPDATABLE_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "metadata",
    "tags",
    "is_public",
    "player_id",
    "player_theme_id",
)


class RequestError(ValueError):
    """A request the vendor would answer with 400; the message says which fields and why."""


def _choices(values: Sequence[object]) -> str:
    return ", ".join(str(value) for value in values)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class AudioConfig:
    """
    A quality's audio encoding.

    :param codec: always ``aac``.
    :param bitrate: bits per second.
    :param channels: always ``"2"``.
    :param sample_rate: Hz, one of :data:`SAMPLE_RATES`.
    :param index: the input's audio track.
    :param language: BCP 47 tag of the track, if given.
    """

    codec: str
    bitrate: int
    channels: str
    sample_rate: int
    index: int = 0
    language: str | None = None


@dataclass(frozen=True)
class Quality:
    """
    One output rendition.

    :param resolution: the audio quality preset (``standard``... ``lossless``).
    :param type: ``hls`` or ``dash``.
    :param container_type: ``mpegts``/``mp4`` for hls, ``fmp4`` for dash.
    :param audio_config: its encoding.
    """

    resolution: str
    type: str
    container_type: str
    audio_config: AudioConfig


DEFAULT_QUALITIES: tuple[Quality, ...] = (
    Quality("standard", "hls", "mpegts", AudioConfig("aac", 128000, "2", 44100)),
)


@dataclass(frozen=True)
class CreateMedia:
    """
    A valid ``POST /media/create`` body.

    :param title: non-empty title.
    :param description: description ("" when not given).
    :param is_public: public flag (default true).
    :param metadata: ``{key, value}`` pairs, or ``None`` when not given.
    :param tags: tags, or ``None`` when not given.
    :param qualities: requested renditions (:data:`DEFAULT_QUALITIES` when none given).
    """

    title: str
    description: str
    is_public: bool
    metadata: list[dict[str, str]] | None
    tags: list[str] | None
    qualities: tuple[Quality, ...]


@dataclass(frozen=True)
class ListQuery:
    """
    A valid ``POST /media`` (list/search) body.

    :param offset: records skipped.
    :param limit: records returned at most.
    :param sort_by: one of :data:`SORT_FIELDS`.
    :param order_by: ``asc`` or ``desc``.
    :param type: media type wanted, if any.
    :param tags: tags a media must all carry.
    :param metadata: pairs a media must all carry.
    :param status: statuses wanted; ``None``: every status but ``deleted``.
    :param search: case-insensitive substring of the title or description, if any.
    """

    offset: int = 0
    limit: int = DEFAULT_LIMIT
    sort_by: str = "created_at"
    order_by: str = "asc"
    type: str | None = None
    tags: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    status: tuple[str, ...] | None = None
    search: str | None = None

    def shape(self) -> str:
        """
        What the listing filters on, without the values asked for (statuses excepted), e.g.
        ``status=new|transcoding metadata=article_id``: what ``GET /_sandbox/stats`` counts listings by.
        """
        parts = [f"type={self.type}"] if self.type else []
        if self.status is not None:
            parts.append("status=" + "|".join(sorted(self.status)))
        if self.metadata:
            parts.append("metadata=" + ",".join(sorted({key for key, _ in self.metadata})))
        if self.tags:
            parts.append("tags")
        if self.search is not None:
            parts.append("search")
        return " ".join(parts) or "everything"


@dataclass(frozen=True)
class CostQuery:
    """
    A valid ``GET /media/cost`` query.

    :param qualities: quality presets to price (in the order given).
    :param duration: seconds of audio.
    """

    qualities: tuple[str, ...]
    duration: float

    @property
    def price(self) -> float:
        """USD: minutes times the sum of the presets' per-minute prices."""
        per_minute = sum(PRICE_PER_MINUTE_USD[name] for name in self.qualities)
        return round(self.duration / 60.0 * per_minute, 6)


class _Problems:
    """Collects problems so one answer names them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def raise_if_any(self) -> None:
        if self.items:
            raise RequestError("; ".join(self.items))


# -- shared field checks ----------------------------------------------------------------------


def _check_metadata(value: Any, problems: _Problems, path: str = "metadata") -> list[dict[str, str]] | None:
    if not isinstance(value, list):
        problems.add(f"{path} must be a list of {{key, value}} objects")
        return None
    if len(value) > MAX_METADATA_ITEMS:
        problems.add(f"{path} has {len(value)} items; at most {MAX_METADATA_ITEMS} are allowed")
        return None
    pairs: list[dict[str, str]] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            problems.add(f"{path}[{i}] must be an object with string key and value")
            continue
        pair: dict[str, str] = {}
        for field in ("key", "value"):
            text = item.get(field)
            if not isinstance(text, str) or len(text) > MAX_METADATA_LENGTH or (field == "key" and not text):
                qualifier = "non-empty " if field == "key" else ""
                limit = MAX_METADATA_LENGTH
                problems.add(f"{path}[{i}].{field} must be a {qualifier}string of at most {limit} characters")
            else:
                pair[field] = text
        if len(pair) == 2:
            pairs.append(pair)
    return pairs


def _check_tags(value: Any, problems: _Problems, path: str = "tags") -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        problems.add(f"{path} must be a list of strings")
        return None
    if len(value) > MAX_TAGS:
        problems.add(f"{path} has {len(value)} items; at most {MAX_TAGS} are allowed")
    for i, tag in enumerate(value):
        if len(tag) > MAX_TAG_LENGTH:
            problems.add(f"{path}[{i}] must be at most {MAX_TAG_LENGTH} characters")
    return list(value)


def _check_title(value: Any, problems: _Problems) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.add("title is required and must be a non-empty string")
        return ""
    return value


# -- create -----------------------------------------------------------------------------------


def parse_create(body: Any) -> CreateMedia:
    """Validate a ``POST /media/create`` body (a JSON object)."""
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object with at least type and title")
    problems = _Problems()
    kind = body.get("type")
    if kind is None:
        problems.add(f'type is required and must be "{MEDIA_TYPE}"')
    elif kind != MEDIA_TYPE:
        problems.add(f'type must be "{MEDIA_TYPE}", got {kind!r}')
    title = _check_title(body.get("title"), problems)
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        problems.add("description must be a string")
    is_public = body.get("is_public")
    if is_public is not None and not isinstance(is_public, bool):
        problems.add("is_public must be a boolean")
    metadata = None if body.get("metadata") is None else _check_metadata(body["metadata"], problems)
    tags = None if body.get("tags") is None else _check_tags(body["tags"], problems)
    qualities = _check_qualities(body.get("qualities"), problems)
    problems.raise_if_any()
    return CreateMedia(
        title=title,
        description=description if isinstance(description, str) else "",
        is_public=is_public if isinstance(is_public, bool) else True,
        metadata=metadata,
        tags=tags,
        qualities=qualities or DEFAULT_QUALITIES,
    )


def _check_qualities(value: Any, problems: _Problems) -> tuple[Quality, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add("qualities must be a list of quality objects")
        return ()
    qualities: list[Quality] = []
    for i, item in enumerate(value):
        quality = _check_quality(item, f"qualities[{i}]", problems)
        if quality is not None:
            qualities.append(quality)
    return tuple(qualities)


def _check_choice(value: Any, allowed: Sequence[str], path: str, problems: _Problems) -> str | None:
    if value in allowed:
        return str(value)
    got = "missing" if value is None else f"got {value!r}"
    problems.add(f"{path} must be one of {_choices(allowed)} ({got})")
    return None


def _check_quality(item: Any, path: str, problems: _Problems) -> Quality | None:
    if not isinstance(item, dict):
        problems.add(f"{path} must be an object with resolution, type, container_type and audio_config")
        return None
    before = len(problems.items)
    resolution = _check_choice(item.get("resolution"), RESOLUTIONS, f"{path}.resolution", problems)
    stream_type = _check_choice(item.get("type"), STREAM_TYPES, f"{path}.type", problems)
    container: str | None = None
    if stream_type is not None:
        allowed = CONTAINER_TYPES[stream_type]
        container = item.get("container_type")
        if container not in allowed:
            got = "missing" if container is None else f"got {container!r}"
            problems.add(
                f"{path}.container_type must be {' or '.join(allowed)} for type {stream_type} ({got})"
            )
    audio = _check_audio_config(item.get("audio_config"), f"{path}.audio_config", problems)
    if len(problems.items) > before or resolution is None or stream_type is None or audio is None:
        return None
    return Quality(resolution, stream_type, str(container), audio)


def _check_audio_config(value: Any, path: str, problems: _Problems) -> AudioConfig | None:
    if not isinstance(value, dict):
        problems.add(f"{path} is required: an object with codec, bitrate, channels and sample_rate")
        return None
    before = len(problems.items)
    codec: Any = value.get("codec")
    if codec not in AUDIO_CODECS:
        problems.add(f'{path}.codec must be "aac", the only codec supported (got {codec!r})')
    channels: Any = value.get("channels")
    if channels not in AUDIO_CHANNELS:
        problems.add(f'{path}.channels must be the string "2" (stereo) (got {channels!r})')
    bitrate: Any = value.get("bitrate")
    if not _is_int(bitrate) or bitrate <= 0:
        problems.add(f"{path}.bitrate must be a positive integer of bits per second (got {bitrate!r})")
    sample_rate: Any = value.get("sample_rate")
    if not _is_int(sample_rate) or sample_rate not in SAMPLE_RATES:
        problems.add(f"{path}.sample_rate must be one of {_choices(SAMPLE_RATES)} (got {sample_rate!r})")
    index: Any = value.get("index")
    if index is not None and (not _is_int(index) or index < 0):
        problems.add(f"{path}.index must be an integer >= 0 (got {index!r})")
    language: Any = value.get("language")
    if language is not None and not isinstance(language, str):
        problems.add(f"{path}.language must be a string such as en (got {language!r})")
    if len(problems.items) > before:
        return None
    return AudioConfig(
        codec=str(codec),
        bitrate=int(bitrate),
        channels=str(channels),
        sample_rate=int(sample_rate),
        index=int(index) if index is not None else 0,
        language=language,
    )


# -- update -----------------------------------------------------------------------------------


def parse_update(body: Any) -> dict[str, Any]:
    """Validate a ``PATCH /media/{id}`` body; return the changes (fields given as ``null`` left out)."""
    if not isinstance(body, dict):
        raise RequestError(f"the body must be a JSON object with any of {_choices(UPDATABLE_FIELDS)}")
    unknown = sorted(set(body) - set(UPDATABLE_FIELDS))
    if unknown:
        raise RequestError(
            f"unknown field(s): {', '.join(unknown)}; updatable fields are {_choices(UPDATABLE_FIELDS)}"
        )
    problems = _Problems()
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if value is None:
            continue
        if name == "title":
            changes[name] = _check_title(value, problems)
        elif name in ("description", "player_id", "player_theme_id"):
            if isinstance(value, str):
                changes["player_theme_id" if name == "player_id" else name] = value
            else:
                problems.add(f"{name} must be a string")
        elif name == "is_public":
            if isinstance(value, bool):
                changes[name] = value
            else:
                problems.add("is_public must be a boolean")
        elif name == "metadata":
            changes[name] = _check_metadata(value, problems)
        else:
            changes[name] = _check_tags(value, problems)
    player, theme = body.get("player_id"), body.get("player_theme_id")
    if isinstance(player, str) and isinstance(theme, str) and player != theme:
        problems.add(f"player_id {player!r} and player_theme_id {theme!r} name two players; send one")
    problems.raise_if_any()
    return changes


# -- list -------------------------------------------------------------------------------------


def parse_list(body: Any) -> ListQuery:
    """Validate a ``POST /media`` body (``None`` or ``{}``: the defaults)."""
    if body is None:
        return ListQuery()
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object of filters")
    problems = _Problems()
    offset: Any = body.get("offset")
    if offset is not None and (not _is_int(offset) or offset < 0):
        problems.add(f"offset must be an integer >= 0 (got {offset!r})")
    limit: Any = body.get("limit")
    if limit is not None and (not _is_int(limit) or not 1 <= limit <= MAX_LIMIT):
        problems.add(
            f"limit must be an integer from 1 to {MAX_LIMIT}; the maximum is {MAX_LIMIT} (got {limit!r})"
        )
    sort_by = body.get("sort_by")
    if sort_by is not None and sort_by not in SORT_FIELDS:
        problems.add(f"sort_by must be one of {_choices(SORT_FIELDS)} (got {sort_by!r})")
    order_by = body.get("order_by")
    if order_by is not None and order_by not in ORDERS:
        problems.add(f"order_by must be one of {_choices(ORDERS)} (got {order_by!r})")
    kind = body.get("type")
    if kind is not None and kind not in LISTABLE_TYPES:
        problems.add(f"type must be one of {_choices(LISTABLE_TYPES)} (got {kind!r})")
    tags = None if body.get("tags") is None else _check_tags(body["tags"], problems)
    metadata = None if body.get("metadata") is None else _check_metadata(body["metadata"], problems)
    status = body.get("status")
    if status is not None and (
        not isinstance(status, list) or not all(item in MEDIA_STATUSES for item in status)
    ):
        problems.add(f"status must be a list of statuses among {_choices(MEDIA_STATUSES)} (got {status!r})")
    search = body.get("search")
    if search is not None and not isinstance(search, str):
        problems.add("search must be a string")
    problems.raise_if_any()
    return ListQuery(
        offset=offset if _is_int(offset) else 0,
        limit=limit if _is_int(limit) else DEFAULT_LIMIT,
        sort_by=sort_by if isinstance(sort_by, str) else "created_at",
        order_by=order_by if isinstance(order_by, str) else "asc",
        type=kind if isinstance(kind, str) else None,
        tags=tuple(tags or ()),
        metadata=tuple((pair["key"], pair["value"]) for pair in metadata or ()),
        status=tuple(status) if isinstance(status, list) else None,
        search=search if isinstance(search, str) and search else None,
    )


# -- cost -------------------------------------------------------------------------------------


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse_cost(query: Mapping[str, str]) -> CostQuery:
    """Validate ``GET /media/cost``'s query: ``qualities`` (comma-separated), ``type``, ``duration``."""
    problems = _Problems()
    names: list[str] = []
    raw = query.get("qualities")
    if not raw or not raw.strip():
        problems.add(f"qualities is required: comma-separated presets among {_choices(RESOLUTIONS)}")
    else:
        names = [name.strip() for name in raw.split(",")]
        wrong = [name for name in names if name not in RESOLUTIONS]
        if wrong:
            problems.add(
                f"qualities must be comma-separated presets among {_choices(RESOLUTIONS)} "
                f"(got {', '.join(repr(name) for name in wrong)})"
            )
    kind = query.get("type")
    if kind != MEDIA_TYPE:
        got = "missing" if kind is None else f"got {kind!r}"
        problems.add(f'type must be "{MEDIA_TYPE}" ({got})')
    text = query.get("duration")
    duration = _number(text) if text is not None else math.nan
    if not math.isfinite(duration) or duration <= 0:
        got = "missing" if text is None else f"got {text!r}"
        problems.add(f"duration must be a positive number of seconds ({got})")
    problems.raise_if_any()
    return CostQuery(qualities=tuple(names), duration=duration)
