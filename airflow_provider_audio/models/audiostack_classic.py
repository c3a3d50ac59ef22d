"""AudioStack's classic pipeline requests: script -> text to speech -> mix -> encode
(https://docs.audiostack.ai/docs/architecture and the official SDK)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator

from airflow_provider_audio.models.audioform import (
    DOCUMENTED_ENCODER_PRESET_COUNT,
    DOCUMENTED_LOUDNESS_PRESET_COUNT,
    KNOWN_ENCODER_PRESETS,
    KNOWN_LOUDNESS_PRESETS,
    unknown_preset_warning,
)
from airflow_provider_audio.models.validation import PassThroughModel, validate_model

__all__ = [
    "EncodeRequest",
    "MixRequest",
    "ScriptRequest",
    "SpeechRequest",
    "parse_encode",
    "parse_mix",
    "parse_script",
    "parse_speech",
]

NonBlankStr = Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]


class _Body(PassThroughModel):
    def to_payload(self) -> dict[str, Any]:
        """The JSON body: the fields given (and unknown ones) under their API names."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return payload


class ScriptRequest(_Body):
    """
    A script to create (``POST /content/script``); sections are written inside ``scriptText``.

    :param script_text: (``scriptText``) the text, with its section markup.
    :param project_name: (``projectName``) the project it lives in.
    :param module_name: (``moduleName``) the module within the project.
    :param script_name: (``scriptName``) its name within the module.
    :param metadata: free key/values.
    """

    script_text: NonBlankStr = Field(alias="scriptText")
    project_name: StrictStr | None = Field(default=None, alias="projectName")
    module_name: StrictStr | None = Field(default=None, alias="moduleName")
    script_name: StrictStr | None = Field(default=None, alias="scriptName")
    metadata: dict[str, Any] | None = None


class SpeechRequest(_Body):
    """
    Text to speech of a script (``POST /speech/tts``).

    :param script_id: (``scriptId``) the script.
    :param voice: the voice alias.
    :param speed: speaking speed factor.
    """

    script_id: NonBlankStr = Field(alias="scriptId")
    voice: NonBlankStr
    speed: Annotated[StrictInt | StrictFloat, Field(gt=0)] | None = None


class MixRequest(_Body):
    """
    A mix of speech over a sound template (``POST /production/mix``).

    :param speech_id: (``speechId``) the speech to mix; or give ``scriptId``.
    :param script_id: (``scriptId``) a script whose speech to mix.
    :param sound_template: (``soundTemplate``) the sound template.
    :param mastering_preset: (``masteringPreset``) the mastering preset.
    :param public: whether the result's URL is public.
    """

    speech_id: NonBlankStr | None = Field(default=None, alias="speechId")
    script_id: NonBlankStr | None = Field(default=None, alias="scriptId")
    sound_template: StrictStr | None = Field(default=None, alias="soundTemplate")
    mastering_preset: StrictStr | None = Field(default=None, alias="masteringPreset")
    public: StrictBool | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.speech_id is None) == (self.script_id is None):
            raise ValueError("give exactly one of speechId and scriptId")
        return self


class EncodeRequest(_Body):
    """
    An encoding of a mix for delivery (``POST /delivery/encoder``).

    :param production_id: (``productionId``) the mix.
    :param preset: the encoding preset (mp3, wav, ...).
    :param loudness_preset: (``loudnessPreset``) the loudness preset.
    :param public: whether the result's URL is public.
    """

    production_id: NonBlankStr = Field(alias="productionId")
    preset: NonBlankStr
    loudness_preset: StrictStr | None = Field(default=None, alias="loudnessPreset")
    public: StrictBool | None = None

    def warnings(self) -> list[str]:
        """Presets outside the (incomplete) lists found in vendor material."""
        found = [
            unknown_preset_warning(
                "preset", self.preset, KNOWN_ENCODER_PRESETS, DOCUMENTED_ENCODER_PRESET_COUNT
            ),
            unknown_preset_warning(
                "loudnessPreset",
                self.loudness_preset,
                KNOWN_LOUDNESS_PRESETS,
                DOCUMENTED_LOUDNESS_PRESET_COUNT,
            )
            if self.loudness_preset
            else None,
        ]
        return [warning for warning in found if warning]


def parse_script(data: object) -> ScriptRequest:
    """Validate a script."""
    return validate_model(ScriptRequest, data, "script")


def parse_speech(data: object) -> SpeechRequest:
    """Validate a text-to-speech request."""
    return validate_model(SpeechRequest, data, "text to speech")


def parse_mix(data: object) -> MixRequest:
    """Validate a mix request."""
    return validate_model(MixRequest, data, "mix")


def parse_encode(data: object) -> EncodeRequest:
    """Validate an encoding request."""
    return validate_model(EncodeRequest, data, "encoding")
