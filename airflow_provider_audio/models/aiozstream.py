"""
AIOZ Stream audio media: the create body, its qualities, updates and list filters.

The rules are the vendor's audio documentation (AIOZ Stream API reference, Media > Audio; spec
of https://github.com/AIOZNetwork/aioz-stream-go-client): ``type`` is ``audio``; a quality's
resolution is a preset (standard, good, highest, lossless); HLS goes in ``mpegts`` or ``mp4``,
DASH in ``fmp4``; the codec is AAC, stereo, at a positive bitrate and one of nine sample rates.
They are checked before any call, so a typo fails the task instead of a transcode.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from airflow_provider_audio.models.validation import PassThroughModel, validate_model

__all__ = [
    "CONTAINERS_BY_STREAM_TYPE",
    "MEDIA_STATUSES",
    "SAMPLE_RATES",
    "AudioConfig",
    "CreateMediaRequest",
    "ListMediaFilter",
    "MediaQuality",
    "MetadataItem",
    "UpdateMediaRequest",
    "parse_create_media",
    "parse_list_filter",
    "parse_update_media",
]

SAMPLE_RATES: Final = (8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000)
CONTAINERS_BY_STREAM_TYPE: Final = {"hls": ("mpegts", "mp4"), "dash": ("fmp4",)}
MEDIA_STATUSES: Final = ("new", "transcoding", "done", "fail", "deleted")
# The vendor's limits on metadata (OpenAPI CreateMediaRequest.metadata).
MAX_METADATA_ITEMS: Final = 50
MAX_METADATA_CHARS: Final = 255
# POST /media answers at most 100 items a page.
MAX_PAGE_SIZE: Final = 100

NonBlankStr = Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]
SampleRate = Literal[8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000]


class AudioConfig(PassThroughModel):
    """
    How one quality encodes audio.

    :param codec: ``aac``, the only codec AIOZ Stream encodes audio with.
    :param bitrate: target bits per second (128000 is ~128 kbps).
    :param channels: ``"2"`` (stereo), the only layout offered.
    :param sample_rate: one of the nine rates AIOZ Stream accepts.
    :param index: which audio track of the source to encode (0 for single-track files).
    :param language: the track's language, BCP 47 (``en``).
    """

    codec: Literal["aac"]
    bitrate: Annotated[StrictInt, Field(gt=0)]
    channels: Literal["2"]
    sample_rate: SampleRate
    index: Annotated[StrictInt, Field(ge=0)] = 0
    language: StrictStr | None = None


class MediaQuality(PassThroughModel):
    """
    One transcoded output.

    :param resolution: the audio quality preset: standard, good, highest or lossless.
    :param type: the streaming format, ``hls`` or ``dash``.
    :param container_type: ``mpegts`` or ``mp4`` for HLS, ``fmp4`` for DASH.
    :param audio_config: the encoding parameters.
    """

    resolution: Literal["standard", "good", "highest", "lossless"]
    type: Literal["hls", "dash"]
    container_type: StrictStr
    audio_config: AudioConfig

    @field_validator("container_type")
    @classmethod
    def _container_fits_stream_type(cls, value: str, info: ValidationInfo) -> str:
        stream_type = info.data.get("type")
        allowed = CONTAINERS_BY_STREAM_TYPE.get(stream_type, ()) if isinstance(stream_type, str) else ()
        every = sorted({c for containers in CONTAINERS_BY_STREAM_TYPE.values() for c in containers})
        if value not in (allowed or every):
            expected = allowed or tuple(every)
            names = ", ".join(map(repr, expected))
            raise PydanticCustomError(
                "container_mismatch", f"allowed values for type {stream_type!r}: {names}"
            )
        return value


class MetadataItem(PassThroughModel):
    """
    One key/value pair of a media's metadata (both at most 255 characters).

    :param key: the key, e.g. ``article_id``.
    :param value: the value.
    """

    key: Annotated[StrictStr, Field(min_length=1, max_length=MAX_METADATA_CHARS)]
    value: Annotated[StrictStr, Field(max_length=MAX_METADATA_CHARS)]


MetadataList = Annotated[list[MetadataItem], Field(max_length=MAX_METADATA_ITEMS)]


class CreateMediaRequest(PassThroughModel):
    """
    The body of ``POST /media/create`` for an audio media.

    :param title: the media's title (required).
    :param type: must be ``audio``; it is sent even when not given.
    :param description: free text.
    :param is_public: whether the media can be played without a key.
    :param metadata: key/value pairs (at most 50); the provider finds re-runs by them.
    :param tags: tags.
    :param qualities: the outputs to transcode; AIOZ's default when omitted.
    """

    type: Literal["audio"] = "audio"
    title: NonBlankStr
    description: StrictStr | None = None
    is_public: StrictBool | None = None
    metadata: MetadataList | None = None
    tags: list[StrictStr] | None = None
    qualities: Annotated[list[MediaQuality], Field(min_length=1)] | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body, ``type`` included, with nothing the user did not set besides it."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        payload["type"] = "audio"
        return payload

    def resolutions(self) -> list[str]:
        """The quality presets requested (what ``GET /media/cost`` prices)."""
        return [quality.resolution for quality in self.qualities or []]


class UpdateMediaRequest(PassThroughModel):
    """
    The body of ``PATCH /media/{id}``; only the fields given are changed.

    :param title: new title.
    :param description: new description.
    :param metadata: new metadata (replaces the old list).
    :param tags: new tags.
    :param is_public: new visibility.
    :param player_theme_id: the player to associate with the media.
    """

    title: NonBlankStr | None = None
    description: StrictStr | None = None
    metadata: MetadataList | None = None
    tags: list[StrictStr] | None = None
    is_public: StrictBool | None = None
    player_theme_id: StrictStr | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body: the fields given, nothing else."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return payload


class ListMediaFilter(PassThroughModel):
    """
    The body of ``POST /media`` (list and search).

    :param offset: records to skip.
    :param limit: records per page, 1 to 100.
    :param sort_by: created_at, updated_at, title or size.
    :param order_by: asc or desc.
    :param type: ``audio`` to list audio only.
    :param tags: media carrying these tags.
    :param metadata: media carrying these key/value pairs.
    :param status: media in these statuses.
    :param search: words to find in title or description.
    """

    offset: Annotated[StrictInt, Field(ge=0)] | None = None
    limit: Annotated[StrictInt, Field(ge=1, le=MAX_PAGE_SIZE)] | None = None
    sort_by: Literal["created_at", "updated_at", "title", "size"] | None = None
    order_by: Literal["asc", "desc"] | None = None
    type: Literal["audio"] | None = None
    tags: list[StrictStr] | None = None
    metadata: list[MetadataItem] | None = None
    status: list[Literal["new", "transcoding", "done", "fail", "deleted"]] | None = None
    search: StrictStr | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body: the filters given, nothing else."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return payload


def parse_create_media(data: object) -> CreateMediaRequest:
    """Validate a create body; every problem is reported at once, naming its field."""
    return validate_model(CreateMediaRequest, data, "AIOZ Stream media")


def parse_update_media(data: object) -> UpdateMediaRequest:
    """Validate an update body; unknown fields are refused, since PATCH ignores nothing silently."""
    request = validate_model(UpdateMediaRequest, data, "AIOZ Stream media update")
    unknown = sorted(request.model_extra or {})
    if unknown:
        from airflow_provider_audio.exceptions import AudioInputError

        allowed = ", ".join(UpdateMediaRequest.model_fields)
        raise AudioInputError(
            "AIOZ Stream media update",
            [f"{name}: unknown field; allowed fields: {allowed}" for name in unknown],
        )
    return request


def parse_list_filter(data: object) -> ListMediaFilter:
    """Validate list/search filters."""
    return validate_model(ListMediaFilter, data, "AIOZ Stream media filter")
