"""AIML API stable-audio generation requests (``specs/aimlapi-stable-audio.json``)."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Self

from pydantic import Field, StrictInt, StrictStr, model_validator

from airflow_provider_audio.models.validation import PassThroughModel, validate_model

__all__ = ["MAX_SECONDS", "StableAudioRequest", "parse_stable_audio_request"]

# The spec's bounds: clips of 1 to 47 seconds, 1 to 1000 denoising steps.
MAX_SECONDS: Final = 47
MAX_STEPS: Final = 1000
# seconds_total when the request leaves it out.
DEFAULT_SECONDS_TOTAL: Final = 30

Seconds = Annotated[StrictInt, Field(ge=1, le=MAX_SECONDS)]


class StableAudioRequest(PassThroughModel):
    """
    The body of ``POST /v2/generate/audio`` for ``stable-audio``.

    :param model: ``stable-audio``.
    :param prompt: what to generate.
    :param seconds_start: where the clip starts, 1 to 47 seconds.
    :param seconds_total: the clip's duration, 1 to 47 seconds (the API's default is 30).
    :param steps: denoising steps, 1 to 1000 (the API's default is 100).
    """

    model: Literal["stable-audio"] = "stable-audio"
    prompt: Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]
    seconds_start: Seconds | None = None
    seconds_total: Seconds | None = None
    steps: Annotated[StrictInt, Field(ge=1, le=MAX_STEPS)] | None = None

    @model_validator(mode="after")
    def _start_within_the_clip(self) -> Self:
        # The spec bounds each value alone; a start at or past the clip's end is a paid empty clip.
        total = self.seconds_total if self.seconds_total is not None else DEFAULT_SECONDS_TOTAL
        if self.seconds_start is not None and self.seconds_start >= total:
            raise ValueError(
                f"seconds_start: {self.seconds_start} must be less than seconds_total ({total}"
                f"{'' if self.seconds_total is not None else ', the API default'})"
            )
        return self

    def to_payload(self) -> dict[str, Any]:
        """The JSON body: the model, and the fields given."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        payload["model"] = "stable-audio"
        return payload


def parse_stable_audio_request(data: object) -> StableAudioRequest:
    """Validate a generation request; every problem is reported at once, naming its field."""
    return validate_model(StableAudioRequest, data, "stable-audio generation")
