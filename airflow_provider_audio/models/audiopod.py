"""AudioPod AI voice requests: list filters, previews, updates, collections, usage queries
(https://docs.audiopod.ai, Voice Management API)."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.models.validation import PassThroughModel, validate_model

__all__ = [
    "MAX_PAGE_SIZE",
    "BatchPreviewRequest",
    "CreateCollectionRequest",
    "ListVoicesFilter",
    "UpdateVoiceRequest",
    "UsageQuery",
    "parse_batch_preview",
    "parse_collection",
    "parse_list_voices",
    "parse_update_voice",
    "parse_usage_query",
]

# GET /voice-profiles answers at most 50 voices a page.
MAX_PAGE_SIZE: Final = 50

NonBlankStr = Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]
VoiceRef = StrictStr | StrictInt
Number = StrictInt | StrictFloat


class ListVoicesFilter(PassThroughModel):
    """
    Query of ``GET /voice-profiles``.

    :param skip: voices to skip.
    :param limit: voices per page, 1 to 50.
    :param voice_type: ``CUSTOM`` or ``STANDARD``.
    :param is_public: only public (or only private) voices.
    :param include_public: add public voices to the caller's own.
    """

    skip: Annotated[StrictInt, Field(ge=0)] | None = None
    limit: Annotated[StrictInt, Field(ge=1, le=MAX_PAGE_SIZE)] | None = None
    voice_type: Literal["CUSTOM", "STANDARD"] | None = None
    is_public: StrictBool | None = None
    include_public: StrictBool | None = None

    def to_params(self) -> dict[str, Any]:
        """Query parameters, booleans written as the API reads them."""
        params: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return {
            key: (str(value).lower() if isinstance(value, bool) else value) for key, value in params.items()
        }


class BatchPreviewRequest(PassThroughModel):
    """
    Body of ``POST /preview/batch``: one text spoken by several voices.

    :param voice_ids: the voices (ids, uuids or voice_id strings).
    :param text: what they say.
    :param speed: speaking speed factor.
    :param pitch: pitch shift.
    :param format: ``mp3`` or ``wav``.
    """

    voice_ids: Annotated[list[VoiceRef], Field(min_length=1)]
    text: NonBlankStr
    speed: Annotated[Number, Field(gt=0)] | None = None
    pitch: Number | None = None
    format: Literal["mp3", "wav"] | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body: the fields given."""
        payload: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return payload


class UpdateVoiceRequest(PassThroughModel):
    """
    Body of ``PATCH /voices/{id}``.

    :param name: new name.
    :param description: new description.
    :param is_public: new visibility.
    :param tags: new tags.
    """

    name: NonBlankStr | None = None
    description: StrictStr | None = None
    is_public: StrictBool | None = None
    tags: list[StrictStr] | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body: the fields given."""
        payload: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return payload


class CreateCollectionRequest(PassThroughModel):
    """
    Body of ``POST /collections``.

    :param name: the collection's name.
    :param description: its description.
    :param voice_ids: voices to put in it.
    :param tags: tags.
    :param is_public: visibility.
    """

    name: NonBlankStr
    description: StrictStr | None = None
    voice_ids: list[VoiceRef] | None = None
    tags: list[StrictStr] | None = None
    is_public: StrictBool | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body: the fields given."""
        payload: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return payload


class UsageQuery(PassThroughModel):
    """
    Query of ``GET /analytics/usage``.

    :param voice_id: one voice, or all when omitted.
    :param period: ``7d``, ``30d``, ``90d`` or ``1y``.
    :param breakdown: ``daily``, ``weekly`` or ``monthly``.
    """

    voice_id: VoiceRef | None = None
    period: Literal["7d", "30d", "90d", "1y"] | None = None
    breakdown: Literal["daily", "weekly", "monthly"] | None = None

    def to_params(self) -> dict[str, Any]:
        """Query parameters: the ones given."""
        params: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return params


def _refuse_unknown(model: PassThroughModel, subject: str) -> None:
    unknown = sorted(model.model_extra or {})
    if unknown:
        allowed = ", ".join(type(model).model_fields)
        raise AudioInputError(
            subject, [f"{name}: unknown field; allowed fields: {allowed}" for name in unknown]
        )


def parse_list_voices(data: object) -> ListVoicesFilter:
    """Validate voice list filters."""
    model = validate_model(ListVoicesFilter, data, "AudioPod voice filter")
    _refuse_unknown(model, "AudioPod voice filter")
    return model


def parse_batch_preview(data: object) -> BatchPreviewRequest:
    """Validate a batch preview request."""
    return validate_model(BatchPreviewRequest, data, "AudioPod batch preview")


def parse_update_voice(data: object) -> UpdateVoiceRequest:
    """Validate a voice update; unknown fields are refused (PATCH would ignore them silently)."""
    model = validate_model(UpdateVoiceRequest, data, "AudioPod voice update")
    _refuse_unknown(model, "AudioPod voice update")
    return model


def parse_collection(data: object) -> CreateCollectionRequest:
    """Validate a collection."""
    return validate_model(CreateCollectionRequest, data, "AudioPod collection")


def parse_usage_query(data: object) -> UsageQuery:
    """Validate a usage analytics query."""
    model = validate_model(UsageQuery, data, "AudioPod usage query")
    _refuse_unknown(model, "AudioPod usage query")
    return model
