"""
AudioStack's audioform, as the sandbox understands it: validation, presets, voices, and the build.

The sandbox validates on its own rules (it shares no model with the provider), checks only what
it needs, and lets every field it does not know pass untouched, as the real service does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audio_sandbox.audiostack.timeline import Timeline, timeline
from audio_sandbox.core import audio
from audio_sandbox.core.settings import MAX_WORDS_PER_MINUTE, MIN_WORDS_PER_MINUTE

ASSET_TYPES: tuple[str, ...] = (
    "tts",
    "voice",
    "soundTemplate",
    "soundTemplateSnippet",
    "media",
    "sts",
    "soundEffect",
)
MIXING_PRESETS: tuple[str, ...] = ("balanced", "musicenhanced", "voiceenhanced")
#: Voices an audioform may name on the sandbox (case-insensitive), as a ``tts`` asset's ``voice`` or
#: a ``voice`` asset's alias; any other voice fails the build. ``GET /speech/voice`` lists them.
SANDBOX_VOICES: tuple[str, ...] = ("sara", "joanna", "matthew", "isaac", "aria", "wren")
#: Sound templates a ``soundTemplate`` asset may name on the sandbox (case-insensitive), all rendered
#: as the same quiet bed; any other template fails the build. ``GET /production/sound/template``
#: lists them. ``bare_minimum`` and ``chill_vibes`` are in the vendor's fixtures and README.
SANDBOX_SOUND_TEMPLATES: tuple[str, ...] = (
    "bare_minimum",
    "chill_vibes",
    "cityscape",
    "lofi",
    "story_background",
    "upbeat",
)
#: Loudness presets seen in vendor material; they are recorded in the result, not applied.
LOUDNESS_PRESETS: tuple[str, ...] = ("radio", "spotify", "streaming", "podcast")
DEFAULT_ENCODER_PRESET = "mp3"
#: Presets the real service offers but the sandbox cannot encode: their builds fail, saying so.
UNENCODABLE_PRESETS: tuple[str, ...] = ("ogg", "flac")
#: Credits charged per word of text-to-speech (with a floor per audioform).
CREDITS_PER_WORD = 0.01
MIN_CREDITS = 0.01

_BED_TYPES = frozenset({"soundTemplate", "soundTemplateSnippet"})
# Stand-in pitches for sounds the sandbox does not synthesise.
_TONE_HZ: dict[str, float] = {"voice": 196.0, "media": 330.0, "sts": 262.0, "soundEffect": 880.0}


@dataclass(frozen=True)
class EncoderPreset:
    """
    An encoding the sandbox can deliver.

    :param name: the preset's name in ``delivery.encoderPreset``.
    :param extension: file extension of the delivered file.
    :param content_type: MIME type of the delivered file.
    :param kbps: MP3 bitrate, ``None`` for WAV.
    """

    name: str
    extension: str
    content_type: str
    kbps: int | None = None


ENCODER_PRESETS: dict[str, EncoderPreset] = {
    preset.name: preset
    for preset in (
        EncoderPreset("wav", "wav", "audio/wav"),
        EncoderPreset("mp3", "mp3", "audio/mpeg", 128),
        EncoderPreset("mp3_very_low", "mp3", "audio/mpeg", 32),
        EncoderPreset("mp3_low", "mp3", "audio/mpeg", 64),
        EncoderPreset("mp3_medium", "mp3", "audio/mpeg", 96),
        EncoderPreset("mp3_high", "mp3", "audio/mpeg", 192),
        EncoderPreset("mp3_very_high", "mp3", "audio/mpeg", 320),
        EncoderPreset("mp3_alexa", "mp3", "audio/mpeg", 48),
    )
}


@dataclass(frozen=True)
class DeliveredFile:
    """
    A built audioform's file, served by the delivery route.

    :param data: the encoded file.
    :param extension: file extension.
    :param content_type: MIME type.
    """

    data: bytes
    extension: str
    content_type: str


@dataclass(frozen=True)
class BuildOutcome:
    """
    What a build produced: a file, or errors (never both).

    :param errors: why the build failed, one text each (``data.errors``); empty on success.
    :param file: the delivered file on success.
    :param duration_seconds: length of the rendered audio on success.
    :param encoder_preset: the preset asked for.
    :param loudness_preset: the loudness preset asked for (recorded, not applied).
    :param public: the ``delivery.public`` flag asked for.
    :param timeline: where each section, layer and clip sits in time, on success.
    """

    errors: list[str]
    file: DeliveredFile | None
    duration_seconds: float | None
    encoder_preset: str
    loudness_preset: str | None
    public: bool
    timeline: Timeline | None = None

    @property
    def succeeded(self) -> bool:
        return not self.errors


Loc = list[str | int]


def _problem(loc: Loc, msg: str) -> dict[str, Any]:
    return {"loc": ["audioform", *loc], "msg": msg}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_audioform(audioform: Any) -> list[dict[str, Any]]:
    """
    Every problem that makes ``audioform`` unacceptable, as ``{"loc": [...], "msg": ...}``.

    Only structure the sandbox needs is checked; voices, sound templates and encoder presets are
    checked at build time, where the real service reports them as a failed build.
    """
    if not isinstance(audioform, dict):
        return [_problem([], "must be an object")]
    problems: list[dict[str, Any]] = []
    header = audioform.get("header")
    if not isinstance(header, dict):
        problems.append(_problem(["header"], "field required: an object with 'version'"))
    elif not isinstance(header.get("version"), str):
        problems.append(_problem(["header", "version"], "must be a string"))
    assets = audioform.get("assets")
    if not isinstance(assets, dict) or not assets:
        problems.append(_problem(["assets"], "must be a non-empty object of named assets"))
        assets = {}
    for name, asset in assets.items():
        problems.extend(_asset_problems(name, asset, assets))
    problems.extend(_production_problems(audioform.get("production"), assets))
    delivery = audioform.get("delivery")
    if delivery is not None:
        if not isinstance(delivery, dict):
            problems.append(_problem(["delivery"], "must be an object"))
        else:
            for key in ("encoderPreset", "loudnessPreset"):
                if key in delivery and not isinstance(delivery[key], str):
                    problems.append(_problem(["delivery", key], "must be a string"))
            if "public" in delivery and not isinstance(delivery["public"], bool):
                problems.append(_problem(["delivery", "public"], "must be a boolean"))
    return problems


def _asset_problems(name: str, asset: Any, assets: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(asset, dict):
        return [_problem(["assets", name], "must be an object")]
    kind = asset.get("type")
    if kind not in ASSET_TYPES:
        return [_problem(["assets", name, "type"], f"must be one of {', '.join(ASSET_TYPES)}; got {kind!r}")]
    problems: list[dict[str, Any]] = []
    if kind == "tts":
        text = asset.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(_problem(["assets", name, "text"], "a tts asset needs a non-empty string 'text'"))
        # The vendor's SDK names a ``voice`` asset in ``voiceRef``; the vendor's format summary puts
        # ``voice`` on the tts asset.
        ref = asset.get("voiceRef")
        if ref is not None:
            target = assets.get(ref) if isinstance(ref, str) else None
            if not isinstance(target, dict) or target.get("type") != "voice":
                problems.append(
                    _problem(["assets", name, "voiceRef"], f"must name a voice asset; got {ref!r}")
                )
        elif not isinstance(asset.get("voice"), str):
            problems.append(
                _problem(["assets", name, "voice"], "a tts asset needs a string 'voice' or a 'voiceRef'")
            )
    return problems


def _production_problems(production: Any, assets: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(production, dict):
        return [_problem(["production"], "field required: an object with 'arrangement'")]
    problems: list[dict[str, Any]] = []
    preset = production.get("mixingPreset")
    if preset is not None and preset not in MIXING_PRESETS:
        problems.append(
            _problem(
                ["production", "mixingPreset"], f"must be one of {', '.join(MIXING_PRESETS)}; got {preset!r}"
            )
        )
    arrangement = production.get("arrangement")
    if not isinstance(arrangement, dict):
        problems.append(_problem(["production", "arrangement"], "field required: an object with 'sections'"))
        return problems
    sections = arrangement.get("sections")
    loc: Loc = ["production", "arrangement", "sections"]
    if not isinstance(sections, list) or not sections:
        problems.append(_problem(loc, "must be a non-empty list of sections"))
        return problems
    for s, section in enumerate(sections):
        layers = section.get("layers") if isinstance(section, dict) else None
        if not isinstance(layers, list) or not layers:
            problems.append(_problem([*loc, s, "layers"], "must be a non-empty list of layers"))
            continue
        for la, layer in enumerate(layers):
            clips = layer.get("clips") if isinstance(layer, dict) else None
            if not isinstance(clips, list) or not clips:
                problems.append(
                    _problem([*loc, s, "layers", la, "clips"], "must be a non-empty list of clips")
                )
                continue
            for c, clip in enumerate(clips):
                problems.extend(_clip_problems([*loc, s, "layers", la, "clips", c], clip, assets))
    return problems


def _clip_problems(loc: Loc, clip: Any, assets: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(clip, dict):
        return [_problem(loc, "must be an object with 'assetRef'")]
    problems: list[dict[str, Any]] = []
    ref = clip.get("assetRef")
    if not isinstance(ref, str):
        problems.append(_problem([*loc, "assetRef"], "field required: the name of an asset"))
    elif ref not in assets:
        problems.append(_problem([*loc, "assetRef"], f"assetRef {ref!r} names no asset in audioform.assets"))
    for key in ("marginStart", "marginEnd", "fadeIn", "fadeOut"):
        if key in clip and not (_is_number(clip[key]) and clip[key] >= 0):
            problems.append(_problem([*loc, key], "must be a number >= 0"))
    if "forcedDuration" in clip and not (_is_number(clip["forcedDuration"]) and clip["forcedDuration"] > 0):
        problems.append(_problem([*loc, "forcedDuration"], "must be a number > 0"))
    return problems


def word_count(audioform: Mapping[str, Any]) -> int:
    """Words of text-to-speech in a (valid) audioform: what the sandbox charges for."""
    return sum(
        len(audio.words_of(asset["text"]))
        for asset in audioform["assets"].values()
        if asset.get("type") == "tts"
    )


def credits_for(audioform: Mapping[str, Any]) -> float:
    """Credits charged for submitting a (valid) audioform."""
    return round(max(MIN_CREDITS, word_count(audioform) * CREDITS_PER_WORD), 4)


def submission_warnings(audioform: Mapping[str, Any]) -> list[str]:
    """Warnings for presets the sandbox does not know (lists of presets are open-ended upstream)."""
    delivery = audioform.get("delivery") or {}
    warnings: list[str] = []
    encoder = delivery.get("encoderPreset")
    if encoder is not None and encoder not in ENCODER_PRESETS and encoder not in UNENCODABLE_PRESETS:
        warnings.append(f"Unknown encoderPreset {encoder!r}")
    loudness = delivery.get("loudnessPreset")
    if loudness is not None and loudness not in LOUDNESS_PRESETS:
        warnings.append(f"Unknown loudnessPreset {loudness!r}")
    return warnings


def build(audioform: Mapping[str, Any], words_per_minute: float) -> BuildOutcome:
    """
    Build a (valid) audioform: check voices, sound templates and encoder, render, encode.

    :param audioform: as submitted (already passed :func:`validate_audioform`).
    :param words_per_minute: speech rate of tts assets (times an asset's numeric ``speed``).
    """
    delivery = audioform.get("delivery") or {}
    preset_name: str = delivery.get("encoderPreset", DEFAULT_ENCODER_PRESET)
    loudness: str | None = delivery.get("loudnessPreset")
    public = bool(delivery.get("public", False))

    def failed(errors: list[str]) -> BuildOutcome:
        return BuildOutcome(errors, None, None, preset_name, loudness, public)

    errors = library_errors(audioform["assets"])
    preset = ENCODER_PRESETS.get(preset_name)
    if preset is None:
        errors.append(
            f"delivery.encoderPreset: the sandbox cannot encode {preset_name!r}; "
            f"it encodes {', '.join(ENCODER_PRESETS)}"
        )
    if errors or preset is None:
        return failed(errors)
    sections = _sections(audioform, words_per_minute)
    rendered = audio.render(sections)
    try:
        data = audio.encode_wav(rendered) if preset.kbps is None else audio.encode_mp3(rendered, preset.kbps)
    except audio.EncoderUnavailable as exc:
        return failed([f"delivery.encoderPreset: {exc}"])
    return BuildOutcome(
        errors=[],
        file=DeliveredFile(data, preset.extension, preset.content_type),
        duration_seconds=round(rendered.duration_seconds, 3),
        encoder_preset=preset_name,
        loudness_preset=loudness,
        public=public,
        timeline=timeline(sections, _asset_names(audioform)),
    )


def is_sandbox_voice(alias: str) -> bool:
    """Whether the sandbox speaks with the voice ``alias`` (case-insensitive)."""
    return alias.lower() in SANDBOX_VOICES


def is_sandbox_sound_template(alias: str) -> bool:
    """Whether the sandbox renders the sound template ``alias`` (case-insensitive)."""
    return alias.lower() in SANDBOX_SOUND_TEMPLATES


def library_errors(assets: Mapping[str, Any]) -> list[str]:
    """
    The voices and sound templates a (valid) audioform names that the sandbox does not offer, one
    text per asset: a ``tts`` asset's own ``voice``, a ``voice`` asset's alias (or id: format
    "0.0.1" names it there) and a ``soundTemplate`` asset's alias (or id, likewise). A tts asset
    with a ``voiceRef`` is judged by its voice asset. A ``soundTemplate`` asset naming neither
    plays the sandbox's bed.
    """
    errors: list[str] = []
    for name, asset in assets.items():
        kind = asset.get("type")
        if kind == "tts" and asset.get("voiceRef") is None:
            voice = str(asset["voice"])
        elif kind == "voice":
            voice = str(asset.get("voiceAlias") or asset.get("voiceId") or "")
        elif kind == "soundTemplate":
            template = asset.get("soundTemplateAlias") or asset.get("soundTemplateId")
            if template is not None and not is_sandbox_sound_template(str(template)):
                errors.append(
                    f"assets.{name}: Sound template {template!r} is not available; "
                    f"the sandbox offers {', '.join(SANDBOX_SOUND_TEMPLATES)}"
                )
            continue
        else:
            continue
        if not is_sandbox_voice(voice):
            errors.append(
                f"assets.{name}: Voice {voice!r} is not available; "
                f"the sandbox offers {', '.join(SANDBOX_VOICES)}"
            )
    return errors


def _sections(audioform: Mapping[str, Any], words_per_minute: float) -> list[list[list[audio.Clip]]]:
    assets: Mapping[str, Any] = audioform["assets"]
    sections = audioform["production"]["arrangement"]["sections"]
    return [
        [
            [_clip(clip, assets[clip["assetRef"]], words_per_minute) for clip in layer["clips"]]
            for layer in section["layers"]
        ]
        for section in sections
    ]


def _asset_names(audioform: Mapping[str, Any]) -> list[list[list[str]]]:
    """The asset each clip plays, nested like :func:`_sections`."""
    return [
        [[str(clip["assetRef"]) for clip in layer["clips"]] for layer in section["layers"]]
        for section in audioform["production"]["arrangement"]["sections"]
    ]


def _clip(clip: Mapping[str, Any], asset: Mapping[str, Any], words_per_minute: float) -> audio.Clip:
    return audio.Clip(
        sound=_sound(asset, words_per_minute),
        margin_start=float(clip.get("marginStart", 0.0)),
        margin_end=float(clip.get("marginEnd", 0.0)),
        forced_seconds=float(clip["forcedDuration"]) if "forcedDuration" in clip else None,
    )


def _sound(asset: Mapping[str, Any], words_per_minute: float) -> audio.Sound:
    kind = asset["type"]
    if kind == "tts":
        speed = asset.get("speed")
        rate = words_per_minute
        if isinstance(speed, int | float) and not isinstance(speed, bool) and speed > 0:
            rate *= speed
        return audio.Speech(asset["text"], min(MAX_WORDS_PER_MINUTE, max(MIN_WORDS_PER_MINUTE, rate)))
    if kind in _BED_TYPES:
        return audio.Bed()
    return audio.Tone(_TONE_HZ[kind])
