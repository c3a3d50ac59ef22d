"""AudioStack creator requests: briefs (ads from a product description or a script) and stories."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Self

from pydantic import Field, StrictBool, StrictStr, model_validator

from airflow_provider_audio.models.validation import PassThroughModel, validate_model

__all__ = ["AD_LENGTHS", "BriefRequest", "StoryRequest", "parse_brief", "parse_story"]

# The brief endpoint's documented limits.
AD_LENGTHS: Final = (10, 15, 20, 30, 40)
MAX_ADS: Final = 5

NonBlankStr = Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]


class BriefScript(PassThroughModel):
    """
    What the ads say: either ``scriptText``, or a product for AudioStack to write about.

    :param script_text: (``scriptText``) the script, word for word.
    :param product_name: (``productName``) the product.
    :param product_description: (``productDescription``) what it is.
    :param ad_length: (``adLength``) seconds: 10, 15, 20, 30 or 40.
    :param call_to_action: (``callToAction``) what listeners should do.
    :param target_audience: (``targetAudience``) who listens.
    :param tone_of_script: (``toneOfScript``) the tone.
    :param third_person: (``thirdPerson``) write in the third person.
    :param lang: the language.
    """

    script_text: NonBlankStr | None = Field(default=None, alias="scriptText")
    product_name: NonBlankStr | None = Field(default=None, alias="productName")
    product_description: NonBlankStr | None = Field(default=None, alias="productDescription")
    ad_length: Literal[10, 15, 20, 30, 40] | None = Field(default=None, alias="adLength")
    call_to_action: StrictStr | None = Field(default=None, alias="callToAction")
    target_audience: StrictStr | None = Field(default=None, alias="targetAudience")
    tone_of_script: StrictStr | None = Field(default=None, alias="toneOfScript")
    third_person: StrictBool | None = Field(default=None, alias="thirdPerson")
    lang: StrictStr | None = None

    @model_validator(mode="after")
    def _script_or_product(self) -> Self:
        if self.script_text is None and (self.product_name is None or self.product_description is None):
            raise ValueError("give scriptText, or productName and productDescription")
        return self


class BriefVoice(PassThroughModel):
    """
    A voice for the ads.

    :param alias: the voice library alias.
    :param voice_preset: (``voicePreset``) a preset for it.
    """

    alias: NonBlankStr
    voice_preset: StrictStr | None = Field(default=None, alias="voicePreset")


class Brief(PassThroughModel):
    """
    The brief itself.

    :param script: what the ads say.
    :param voices: who says it.
    :param sounds: sound design (``soundDesign: [{alias, useSmartFit}]``).
    :param production: production settings.
    :param delivery: delivery settings.
    """

    script: BriefScript
    voices: list[BriefVoice] | None = None
    sounds: dict[str, Any] | None = None
    production: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None


class BriefRequest(PassThroughModel):
    """
    The body of ``POST /creator/brief``: a brief, or the id of an uploaded brief file.

    :param num_ads: (``numAds``) how many ads, 1 to 5 (AudioStack's default is 3).
    :param audioform_version: (``audioformVersion``) the audioform format version to produce.
    :param brief: the brief.
    :param file_id: (``fileId``) an uploaded brief file, instead of ``brief``.
    """

    num_ads: Annotated[int, Field(ge=1, le=MAX_ADS, strict=True)] | None = Field(default=None, alias="numAds")
    audioform_version: StrictStr | None = Field(default=None, alias="audioformVersion")
    brief: Brief | None = None
    file_id: NonBlankStr | None = Field(default=None, alias="fileId")

    @model_validator(mode="after")
    def _brief_or_file(self) -> Self:
        if (self.brief is None) == (self.file_id is None):
            raise ValueError("give exactly one of brief and fileId")
        return self

    def to_payload(self) -> dict[str, Any]:
        """The JSON body, as given."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return payload


class StoryLine(PassThroughModel):
    """
    One line of a narrative layer.

    :param speaker_identifier: (``speakerIdentifier``) who says it.
    :param text: what is said.
    """

    speaker_identifier: StrictStr | None = Field(default=None, alias="speakerIdentifier")
    text: NonBlankStr


class Narrative(PassThroughModel):
    """
    A stretch of a chapter: spoken lines in front, optional background layers (passed through).

    :param foreground: the spoken lines.
    """

    foreground: Annotated[list[StoryLine], Field(min_length=1)]


class Chapter(PassThroughModel):
    """
    A chapter.

    :param title: its title.
    :param narratives: its narratives, in order.
    """

    title: StrictStr | None = None
    narratives: Annotated[list[Narrative], Field(min_length=1)]


class Story(PassThroughModel):
    """
    A long-form production (up to 10 hours).

    :param title: the story's title.
    :param chapters: its chapters, in order.
    """

    title: StrictStr | None = None
    chapters: Annotated[list[Chapter], Field(min_length=1)]


class StoryRequest(PassThroughModel):
    """
    The body of ``POST /creator/story``.

    :param story: the story.
    """

    story: Story

    def to_payload(self) -> dict[str, Any]:
        """The JSON body, as given."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return payload


def parse_brief(data: object) -> BriefRequest:
    """Validate a brief request; every problem is reported at once, naming its field."""
    return validate_model(BriefRequest, data, "brief")


def parse_story(data: object) -> StoryRequest:
    """Validate a story request (a body ``{"story": {...}}``, or the story itself)."""
    if isinstance(data, dict) and "story" not in data:
        data = {"story": data}
    return validate_model(StoryRequest, data, "story")
