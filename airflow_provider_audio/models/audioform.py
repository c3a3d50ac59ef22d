"""
The AudioStack Audioform format (version ``"1"``), checked before a billed build is requested.

An audioform names its ``assets`` (speech, voices, sounds, files), lays them out in
``production.arrangement`` (sections of concurrent layers of consecutive clips) and says in
``delivery`` how the mix is delivered. The format grows, so every level keeps fields these models
do not know, and :meth:`Audioform.to_payload` gives back exactly what the user wrote.

Use :func:`parse_audioform`: on top of each field's type it checks that the names clips and assets
refer to exist, and reports every problem at once.

Where the vendor's documentation summary (https://docs.audiostack.ai/docs/audioform-format) and its
SDK differ, the SDK wins: its SDK's audioforms give a
``tts`` asset its voice as ``voiceRef``, the name of a ``voice`` asset (which carries ``voiceAlias``
or ``voiceId`` and ``speed``). A ``voice`` field on the tts asset, as the summary describes, is accepted
too; one of the two is required.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import AfterValidator, Field, PlainValidator, StrictBool, StrictStr, ValidationError
from pydantic_core import PydanticCustomError

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.models.validation import PassThroughModel, format_path, validation_problems

__all__ = [
    "ASSET_TYPES",
    "FORMAT_VERSION",
    "Arrangement",
    "Asset",
    "Audioform",
    "AudioformHeader",
    "Clip",
    "Delivery",
    "Layer",
    "MediaAsset",
    "ParsedAudioform",
    "Production",
    "Section",
    "SoundEffectAsset",
    "SoundTemplateAsset",
    "SoundTemplateSnippetAsset",
    "StsAsset",
    "TtsAsset",
    "VoiceAsset",
    "count_words",
    "parse_audioform",
]

# AudioStack's presets, as far as the vendor's material lists them. The mixing presets are complete:
# the Audioform format documents exactly three. The encoding and loudness lists are not (the vendor
# counts 12 and 8 and names 10 and 4), so a value outside them is sent as given with a warning,
# never refused.
MixingPreset = Literal["balanced", "musicenhanced", "voiceenhanced"]
MIXING_PRESETS: Final[tuple[str, ...]] = get_args(MixingPreset)

KNOWN_ENCODER_PRESETS: Final[tuple[str, ...]] = (
    "mp3",
    "wav",
    "ogg",
    "flac",
    "mp3_very_low",
    "mp3_low",
    "mp3_medium",
    "mp3_high",
    "mp3_very_high",
    "mp3_alexa",
)
DOCUMENTED_ENCODER_PRESET_COUNT: Final = 12

KNOWN_LOUDNESS_PRESETS: Final[tuple[str, ...]] = ("radio", "spotify", "streaming", "podcast")
DOCUMENTED_LOUDNESS_PRESET_COUNT: Final = 8


def unknown_preset_warning(path: str, value: str, known: tuple[str, ...], documented: int) -> str | None:
    """
    A warning for a preset outside an incomplete list, or ``None`` when the preset is known.

    :param path: the field's JSON path, e.g. ``delivery.encoderPreset``.
    :param value: the preset given.
    :param known: the presets found in the vendor's material.
    :param documented: how many presets the vendor says exist.
    """
    if value in known:
        return None
    names = ", ".join(repr(name) for name in known)
    return (
        f"{path}: {value!r} is not one of the {len(known)} known presets ({names}); "
        f"AudioStack documents {documented}, so it is sent as given"
    )


FORMAT_VERSION: Final = "1"
SUBJECT: Final = "audioform"


def _number(value: object, *, allow_zero: bool) -> int | float:
    # bool is an int in Python but never a duration in JSON; numeric strings are refused rather
    # than converted, so what is sent stays what was written.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_type", "Input should be a number")
    if not math.isfinite(value):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "greater than or equal to 0" if allow_zero else "greater than 0"
        raise PydanticCustomError("number_range", f"Input should be {bound}")
    return value


def _non_negative(value: object) -> int | float:
    return _number(value, allow_zero=True)


def _positive(value: object) -> int | float:
    return _number(value, allow_zero=False)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("string_blank", "String should not be empty or blank")
    return value


# ``int | float`` (not ``float``) so that ``2`` is dumped as ``2``, not ``2.0``.
NonNegativeNumber = Annotated[int | float, PlainValidator(_non_negative)]
PositiveNumber = Annotated[int | float, PlainValidator(_positive)]
NonBlankStr = Annotated[StrictStr, AfterValidator(_not_blank)]


class AudioformHeader(PassThroughModel):
    """
    The audioform's header.

    :param version: the format version; these models follow ``"1"``.
    """

    version: StrictStr | None = None


class TtsAsset(PassThroughModel):
    """
    Text to speech.

    :param text: what is spoken.
    :param voice_ref: (``voiceRef``) name of the ``voice`` asset that speaks it.
    :param voice: a voice given directly, as the vendor's format summary describes; ``voiceRef`` or
        ``voice`` is required.
    :param speed: speaking speed, a factor (1 is normal).
    :param target_duration: (``targetDuration``) seconds the speech should last.
    """

    type: Literal["tts"]
    text: NonBlankStr
    voice_ref: NonBlankStr | None = Field(default=None, alias="voiceRef")
    voice: NonBlankStr | None = None
    speed: PositiveNumber | None = None
    target_duration: NonNegativeNumber | None = Field(default=None, alias="targetDuration")


class VoiceAsset(PassThroughModel):
    """
    A voice from the voice library, referred to by ``tts`` and ``sts`` assets.

    :param voice_alias: (``voiceAlias``) the library voice's alias.
    :param voice_id: (``voiceId``) the library voice's id.
    :param speed: speaking speed, a factor (1 is normal).
    """

    type: Literal["voice"]
    voice_alias: StrictStr | None = Field(default=None, alias="voiceAlias")
    voice_id: StrictStr | None = Field(default=None, alias="voiceId")
    speed: PositiveNumber | None = None


class SoundTemplateAsset(PassThroughModel):
    """
    A sound bed from the sound template library.

    :param sound_template_alias: (``soundTemplateAlias``) the template's alias.
    :param sound_template_id: (``soundTemplateId``) the template's id.
    :param segment: which part of the template plays (``main``...).
    """

    type: Literal["soundTemplate"]
    sound_template_alias: StrictStr | None = Field(default=None, alias="soundTemplateAlias")
    sound_template_id: StrictStr | None = Field(default=None, alias="soundTemplateId")
    segment: StrictStr | None = None


class SoundTemplateSnippetAsset(PassThroughModel):
    """
    A stretch of a ``soundTemplate`` asset.

    :param sound_template_ref: (``soundTemplateRef``) name of the ``soundTemplate`` asset.
    :param target_duration: (``targetDuration``) seconds the snippet should last.
    :param target_read_position: (``targetReadPosition``) where in the template to start, in seconds.
    :param read_position: (``readPosition``) where in the template to start, in seconds.
    """

    type: Literal["soundTemplateSnippet"]
    sound_template_ref: NonBlankStr | None = Field(default=None, alias="soundTemplateRef")
    target_duration: NonNegativeNumber | None = Field(default=None, alias="targetDuration")
    target_read_position: NonNegativeNumber | None = Field(default=None, alias="targetReadPosition")
    read_position: NonNegativeNumber | None = Field(default=None, alias="readPosition")


class MediaAsset(PassThroughModel):
    """
    An audio file from the file library.

    :param media_id: (``mediaId``) the file's id.
    """

    type: Literal["media"]
    media_id: StrictStr | None = Field(default=None, alias="mediaId")


class StsAsset(PassThroughModel):
    """
    Speech to speech: a recording re-spoken by another voice.

    :param media_ref: (``mediaRef``) name of the ``media`` asset holding the recording.
    :param voice_ref: (``voiceRef``) name of the ``voice`` asset that re-speaks it.
    :param target_duration: (``targetDuration``) seconds the speech should last.
    """

    type: Literal["sts"]
    media_ref: NonBlankStr | None = Field(default=None, alias="mediaRef")
    voice_ref: NonBlankStr | None = Field(default=None, alias="voiceRef")
    target_duration: NonNegativeNumber | None = Field(default=None, alias="targetDuration")


class SoundEffectAsset(PassThroughModel):
    """
    A sound from the sound effect library.

    :param sound_effect_alias: (``soundEffectAlias``) the effect's alias.
    :param sound_effect_id: (``soundEffectId``) the effect's id.
    """

    type: Literal["soundEffect"]
    sound_effect_alias: StrictStr | None = Field(default=None, alias="soundEffectAlias")
    sound_effect_id: StrictStr | None = Field(default=None, alias="soundEffectId")


Asset = Annotated[
    TtsAsset
    | VoiceAsset
    | SoundTemplateAsset
    | SoundTemplateSnippetAsset
    | MediaAsset
    | StsAsset
    | SoundEffectAsset,
    Field(discriminator="type"),
]
ASSET_TYPES: Final = ("tts", "voice", "soundTemplate", "soundTemplateSnippet", "media", "sts", "soundEffect")

# Asset fields that name another asset, and the type that asset must have.
_ASSET_REFERENCES: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "tts": (("voiceRef", "voice_ref", "voice"),),
    "sts": (("voiceRef", "voice_ref", "voice"), ("mediaRef", "media_ref", "media")),
    "soundTemplateSnippet": (("soundTemplateRef", "sound_template_ref", "soundTemplate"),),
}


class Clip(PassThroughModel):
    """
    One asset placed in a layer; times are in seconds.

    :param asset_ref: (``assetRef``) name of the asset in ``assets``.
    :param read_position: (``readPosition``) where in the asset to start reading.
    :param forced_duration: (``forcedDuration``) how long the clip lasts, whatever the asset's length.
    :param fade_in: (``fadeIn``) fade-in length.
    :param fade_out: (``fadeOut``) fade-out length.
    :param margin_start: (``marginStart``) silence before the clip.
    :param margin_end: (``marginEnd``) silence after the clip.
    """

    asset_ref: NonBlankStr = Field(alias="assetRef")
    read_position: NonNegativeNumber | None = Field(default=None, alias="readPosition")
    forced_duration: NonNegativeNumber | None = Field(default=None, alias="forcedDuration")
    fade_in: NonNegativeNumber | None = Field(default=None, alias="fadeIn")
    fade_out: NonNegativeNumber | None = Field(default=None, alias="fadeOut")
    margin_start: NonNegativeNumber | None = Field(default=None, alias="marginStart")
    margin_end: NonNegativeNumber | None = Field(default=None, alias="marginEnd")


class Layer(PassThroughModel):
    """
    Clips played one after the other.

    :param clips: at least one clip.
    :param alignment: how the layer lines up with the section's others (``middle``, ``end``...).
    """

    clips: list[Clip] = Field(min_length=1)
    alignment: StrictStr | None = None


class Section(PassThroughModel):
    """
    A stretch of the arrangement; its layers play together.

    :param layers: at least one layer.
    """

    layers: list[Layer] = Field(min_length=1)


class Arrangement(PassThroughModel):
    """
    Consecutive sections laying the assets out over time.

    :param sections: at least one section.
    """

    sections: list[Section] = Field(min_length=1)


class Production(PassThroughModel):
    """
    How the arrangement is mixed.

    The arrangement is optional here: the vendor's own SDK posts audioforms whose production holds
    only a preset, and refusing what the service may accept would fail the task for good.

    :param arrangement: the sections, layers and clips.
    :param mixing_preset: (``mixingPreset``) ``balanced``, ``musicenhanced`` or ``voiceenhanced``.
    :param mastering_preset: (``masteringPreset``) the older name for the mix's preset.
    """

    arrangement: Arrangement | None = None
    mixing_preset: MixingPreset | None = Field(default=None, alias="mixingPreset")
    mastering_preset: StrictStr | None = Field(default=None, alias="masteringPreset")


class Delivery(PassThroughModel):
    """
    The file the build delivers.

    :param encoder_preset: (``encoderPreset``) format and quality (``mp3``, ``wav``...).
    :param loudness_preset: (``loudnessPreset``) loudness target (``radio``, ``podcast``...).
    :param public: whether the delivered file's URL is public.
    """

    encoder_preset: StrictStr | None = Field(default=None, alias="encoderPreset")
    loudness_preset: StrictStr | None = Field(default=None, alias="loudnessPreset")
    public: StrictBool | None = None


class Audioform(PassThroughModel):
    """
    A whole audioform, as posted in ``{"audioform": ...}``.

    Build it with :func:`parse_audioform`, which also checks the names that refer to assets.

    :param header: the format version.
    :param assets: the assets by name.
    :param production: arrangement and mixing.
    :param delivery: the delivered file.
    """

    header: AudioformHeader | None = None
    assets: dict[str, Asset]
    production: Production
    delivery: Delivery

    def to_payload(self) -> dict[str, Any]:
        """The audioform as JSON-ready data: what was given, unknown fields included, nothing added."""
        payload: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return payload

    def spoken_texts(self) -> dict[str, str]:
        """The text of every ``tts`` asset, by asset name."""
        return {name: asset.text for name, asset in self.assets.items() if isinstance(asset, TtsAsset)}

    def word_count(self) -> int:
        """How many words the ``tts`` assets speak in all (a basis for estimating the duration)."""
        return sum(count_words(text) for text in self.spoken_texts().values())


@dataclass(frozen=True)
class ParsedAudioform:
    """
    A valid audioform and what deserves a look without stopping the build.

    :param audioform: the checked audioform.
    :param warnings: one line per doubt, each starting with the field's path (unknown presets...).
    """

    audioform: Audioform
    warnings: tuple[str, ...] = ()


_MARKUP = re.compile(r"<[^>]*>")


def count_words(text: str) -> int:
    """
    Count the words of a text to be spoken, leaving out markup such as SSML tags.

    :param text: the text.
    """
    return len(_MARKUP.sub(" ", text).split())


def parse_audioform(data: Mapping[str, Any]) -> ParsedAudioform:
    """
    Check an audioform and report every problem at once.

    :param data: the audioform as read from JSON (the object under ``"audioform"``).
    :raises AudioInputError: with one line per problem, each starting with the field's path:
        wrong types, missing fields, values out of range, unknown asset types or mixing presets,
        and names that refer to no asset.
    :return: the audioform with warnings for what AudioStack may still accept (unknown encoder
        and loudness presets, another format version).
    """
    if not isinstance(data, Mapping):
        raise AudioInputError(SUBJECT, [f"{SUBJECT}: Input should be an object (got {type(data).__name__})"])
    problems: list[str] = []
    audioform: Audioform | None = None
    try:
        audioform = Audioform.model_validate(data)
    except ValidationError as error:
        problems.extend(validation_problems(error, data, root=SUBJECT))
    problems.extend(_reference_problems(data))
    if problems or audioform is None:
        raise AudioInputError(SUBJECT, problems)
    return ParsedAudioform(audioform=audioform, warnings=tuple(_warnings(audioform)))


def _field(mapping: Mapping[str, Any], alias: str, name: str) -> Any:
    return mapping[alias] if alias in mapping else mapping.get(name)


def _names(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names) if names else "none"


def _reference_problems(data: Mapping[str, Any]) -> list[str]:
    """
    Names that refer to no (fitting) asset, found in the raw input so that they are reported
    alongside pydantic's problems; malformed parts are left to pydantic.
    """
    assets = data.get("assets")
    if not isinstance(assets, Mapping):
        return []
    types = {name: asset.get("type") for name, asset in assets.items() if isinstance(asset, Mapping)}
    problems: list[str] = []
    for name, asset in assets.items():
        if not isinstance(asset, Mapping):
            continue
        kind = asset.get("type")
        if kind == "tts" and _field(asset, "voiceRef", "voice_ref") is None and asset.get("voice") is None:
            problems.append(
                f"{format_path(('assets', name, 'voiceRef'))}: Field required "
                "(a tts asset needs voiceRef, the name of a voice asset, or voice)"
            )
        for alias, attribute, wanted in _ASSET_REFERENCES.get(kind, ()) if isinstance(kind, str) else ():
            ref = _field(asset, alias, attribute)
            if not isinstance(ref, str) or not ref.strip():
                continue
            # an asset whose own type is broken is reported by pydantic; not again through its name
            if ref not in assets or (types.get(ref) in ASSET_TYPES and types.get(ref) != wanted):
                fitting = [other for other, other_kind in types.items() if other_kind == wanted]
                problems.append(
                    f"{format_path(('assets', name, alias))}: {ref!r} is not the name of a {wanted} asset; "
                    f"{wanted} assets: {_names(fitting)}"
                )
    for path, clip in _clips(data):
        ref = _field(clip, "assetRef", "asset_ref")
        if isinstance(ref, str) and ref.strip() and ref not in assets:
            problems.append(
                f"{format_path((*path, 'assetRef'))}: {ref!r} is not an asset of this audioform; "
                f"defined assets: {_names([str(name) for name in assets])}"
            )
    return problems


def _clips(data: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, Any]]]:
    production = data.get("production")
    arrangement = production.get("arrangement") if isinstance(production, Mapping) else None
    sections = arrangement.get("sections") if isinstance(arrangement, Mapping) else None
    for s, section in enumerate(sections if isinstance(sections, list) else []):
        layers = section.get("layers") if isinstance(section, Mapping) else None
        for l_, layer in enumerate(layers if isinstance(layers, list) else []):
            clips = layer.get("clips") if isinstance(layer, Mapping) else None
            for c, clip in enumerate(clips if isinstance(clips, list) else []):
                if isinstance(clip, Mapping):
                    path = ("production", "arrangement", "sections", s, "layers", l_, "clips", c)
                    yield path, clip


def _warnings(audioform: Audioform) -> list[str]:
    warnings: list[str | None] = []
    version = audioform.header.version if audioform.header else None
    if version is not None and version != FORMAT_VERSION:
        warnings.append(
            f"header.version: {version!r}; these checks follow version {FORMAT_VERSION!r} of the format, "
            "so fields that differ in other versions are sent unchecked"
        )
    delivery = audioform.delivery
    if delivery.encoder_preset is not None:
        warnings.append(
            unknown_preset_warning(
                "delivery.encoderPreset",
                delivery.encoder_preset,
                KNOWN_ENCODER_PRESETS,
                DOCUMENTED_ENCODER_PRESET_COUNT,
            )
        )
    if delivery.loudness_preset is not None:
        warnings.append(
            unknown_preset_warning(
                "delivery.loudnessPreset",
                delivery.loudness_preset,
                KNOWN_LOUDNESS_PRESETS,
                DOCUMENTED_LOUDNESS_PRESET_COUNT,
            )
        )
    return [warning for warning in warnings if warning is not None]
