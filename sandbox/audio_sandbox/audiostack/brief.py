"""
AudioStack briefs: what ``POST /creator/brief`` accepts, the ad texts the sandbox writes, and the
audioform of each ad.

The real service writes ad copy with a language model; the sandbox writes it from templates:
the ``scriptText`` word for word, or sentences about the product (an opener that varies per ad,
the description, the audience, the call to action) padded or cut to ``adLength`` seconds at the
current speech rate. Each ad is an ordinary audioform: tts of that text with the first voice's
alias (``sara`` without voices), over a sound-template bed when ``soundDesign`` is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from audio_sandbox.audiostack.audioform import MIXING_PRESETS
from audio_sandbox.audiostack.bodies import (
    Loc,
    Problems,
    check_delivery,
    check_types,
    is_text,
    object_list,
)
from audio_sandbox.core import audio

AD_LENGTHS: tuple[int, ...] = (10, 15, 20, 30, 40)
MAX_ADS = 5
DEFAULT_ADS = 3
DEFAULT_VOICE = "sara"
DEFAULT_AUDIOFORM_VERSION = "1"
DEFAULT_ENCODER_PRESET = "wav"
DEFAULT_MIXING_PRESET = "balanced"
_SCRIPT_STRINGS = ("callToAction", "targetAudience", "toneOfScript", "lang")
_OPENERS = (
    "Introducing {name}.",
    "Meet {name}.",
    "Discover {name}.",
    "Say hello to {name}.",
    "Here is {name}.",
)


@dataclass(frozen=True)
class BriefRequest:
    """
    A checked ``POST /creator/brief`` body.

    :param num_ads: how many ads to make.
    :param audioform_version: ``header.version`` of the audioforms written.
    :param brief: the brief, when given inline.
    :param file_id: the file holding the brief, when given instead.
    """

    num_ads: int
    audioform_version: str
    brief: dict[str, Any] | None
    file_id: str | None


def parse_request(body: dict[str, Any]) -> BriefRequest:
    """
    Check a brief request; every problem is raised at once as a 422 naming its field.

    :raises ServiceError: 422.
    """
    problems = Problems()
    num_ads = body.get("numAds", DEFAULT_ADS)
    if isinstance(num_ads, bool) or not isinstance(num_ads, int) or not 1 <= num_ads <= MAX_ADS:
        problems.add(["numAds"], f"must be a whole number from 1 to {MAX_ADS}; got {num_ads!r}")
    version = body.get("audioformVersion", DEFAULT_AUDIOFORM_VERSION)
    if not is_text(version):
        problems.add(["audioformVersion"], "must be a non-empty string")
    brief, file_id = body.get("brief"), body.get("fileId")
    if (brief is None) == (file_id is None):
        problems.add(["brief"], "give exactly one of 'brief' and 'fileId'")
    elif file_id is not None and not is_text(file_id):
        problems.add(["fileId"], "must be a non-empty string: the id of a file in the file library")
    elif brief is not None:
        check_brief(brief, problems, ["brief"])
    problems.raise_if_any()
    return BriefRequest(
        num_ads=num_ads,
        audioform_version=str(version),
        brief=brief if isinstance(brief, dict) else None,
        file_id=str(file_id) if file_id is not None else None,
    )


def check_brief(brief: Any, problems: Problems, loc: Loc) -> None:
    """Record every problem of a brief object (``script``, ``voices``, ``sounds``, ``production``...)."""
    if not isinstance(brief, dict):
        problems.add(loc, "must be an object with 'script'")
        return
    script = brief.get("script")
    if not isinstance(script, dict):
        problems.add([*loc, "script"], "field required: an object with 'scriptText' or a product")
    else:
        _check_script(script, problems, [*loc, "script"])
    for index, voice in object_list(brief.get("voices"), problems, [*loc, "voices"], required=False):
        if not is_text(voice.get("alias")):
            problems.add([*loc, "voices", index, "alias"], "field required: a non-empty string")
        check_types(voice, {"voicePreset": str}, problems, [*loc, "voices", index])
    sounds = brief.get("sounds")
    if sounds is not None and not isinstance(sounds, dict):
        problems.add([*loc, "sounds"], "must be an object with 'soundDesign'")
    elif sounds is not None:
        design_loc: Loc = [*loc, "sounds", "soundDesign"]
        for index, design in object_list(sounds.get("soundDesign"), problems, design_loc, required=False):
            if not is_text(design.get("alias")):
                problems.add([*design_loc, index, "alias"], "field required: a non-empty string")
            check_types(design, {"useSmartFit": bool}, problems, [*design_loc, index])
    production = brief.get("production")
    if production is not None and not isinstance(production, dict):
        problems.add([*loc, "production"], "must be an object")
    elif production is not None:
        preset = production.get("mixingPreset")
        if preset is not None and preset not in MIXING_PRESETS:
            problems.add(
                [*loc, "production", "mixingPreset"],
                f"must be one of {', '.join(MIXING_PRESETS)}; got {preset!r}",
            )
    check_delivery(brief.get("delivery"), problems, [*loc, "delivery"])


def _check_script(script: dict[str, Any], problems: Problems, loc: Loc) -> None:
    if "scriptText" in script:
        if not is_text(script["scriptText"]):
            problems.add([*loc, "scriptText"], "must be a non-empty string")
    else:
        for key in ("productName", "productDescription"):
            if not is_text(script.get(key)):
                problems.add([*loc, key], "field required without scriptText: a non-empty string")
    length = script.get("adLength")
    if length is not None and (isinstance(length, bool) or length not in AD_LENGTHS):
        problems.add(
            [*loc, "adLength"], f"must be one of {', '.join(map(str, AD_LENGTHS))} seconds; got {length!r}"
        )
    check_types(script, dict.fromkeys(_SCRIPT_STRINGS, str), problems, loc)
    check_types(script, {"thirdPerson": bool}, problems, loc)


def brief_from_file(text: str) -> dict[str, Any]:
    """
    The brief a library file holds: a JSON brief (``{"script": ...}`` or ``{"brief": {...}}``),
    or plain text used as ``scriptText``. Problems are raised as a 422 under ``fileId``.

    :raises ServiceError: 422.
    """
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        brief = parsed.get("brief", parsed)
        problems = Problems(["fileId"])
        check_brief(brief, problems, [])
        problems.raise_if_any()
        assert isinstance(brief, dict)
        return brief
    problems = Problems()
    if not text.strip():
        problems.add(["fileId"], "the file is empty: it holds no brief")
    problems.raise_if_any()
    return {"script": {"scriptText": text.strip()}}


def _sentence(text: str) -> str:
    """``text`` as one sentence: single spaces, a capital first letter, a closing stop."""
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in ".!?" else text + "."


def write_ad(script: dict[str, Any], index: int, words_per_minute: float) -> str:
    """
    The text of ad number ``index`` (from 0): the script text, or sentences about the product.

    :param words_per_minute: the speech rate the ad is timed for (``adLength``).
    """
    if "scriptText" in script:
        return " ".join(str(script["scriptText"]).split())
    name = " ".join(str(script["productName"]).split())
    opener = _OPENERS[index % len(_OPENERS)].format(name=name)
    description = _sentence(str(script["productDescription"]))
    sentences = [opener, description]
    audience = script.get("targetAudience")
    if audience:
        sentences.append(_sentence(f"Made for {audience}"))
    sentences.append(f"{name} is here for you." if script.get("thirdPerson") else f"We made {name} for you.")
    action = script.get("callToAction")
    closing = _sentence(str(action)) if action else f"Try {name} today."
    length = script.get("adLength")
    if length is None:
        return " ".join([*sentences, closing])
    fillers = [description, f"{name}, only better.", f"Choose {name}."]
    while audio.speech_seconds(" ".join([*sentences, closing]), words_per_minute) < 0.85 * length:
        sentences.append(fillers[len(sentences) % len(fillers)])
    words = " ".join(sentences).split()
    while len(words) > 1 and audio.speech_seconds(" ".join([*words, closing]), words_per_minute) > length:
        words.pop()
    body = " ".join(words)
    return " ".join([_sentence(body), closing])


def ad_audioform(
    brief: dict[str, Any], index: int, audioform_version: str, words_per_minute: float
) -> dict[str, Any]:
    """The audioform of ad number ``index`` (from 0) of a checked brief."""
    voices = brief.get("voices") or []
    voice: dict[str, Any] = voices[0] if voices else {"alias": DEFAULT_VOICE}
    speech: dict[str, Any] = {"type": "tts", "text": write_ad(brief["script"], index, words_per_minute)}
    speech["voice"] = voice["alias"]
    if voice.get("voicePreset"):
        speech["voicePreset"] = voice["voicePreset"]
    assets: dict[str, Any] = {"ad": speech}
    layers: list[dict[str, Any]] = [{"clips": [{"assetRef": "ad"}]}]
    designs = (brief.get("sounds") or {}).get("soundDesign") or []
    if designs:
        design = designs[index % len(designs)]
        assets["bed"] = {
            "type": "soundTemplate",
            "soundTemplateAlias": design["alias"],
            "useSmartFit": design.get("useSmartFit", True),
        }
        layers.append({"clips": [{"assetRef": "bed"}]})
    production = {
        key: value for key, value in (brief.get("production") or {}).items() if key != "arrangement"
    }
    production.setdefault("mixingPreset", DEFAULT_MIXING_PRESET)
    production["arrangement"] = {"sections": [{"layers": layers}]}
    delivery = {"encoderPreset": DEFAULT_ENCODER_PRESET, **(brief.get("delivery") or {})}
    return {
        "header": {"version": audioform_version},
        "assets": assets,
        "production": production,
        "delivery": delivery,
    }
