"""
AudioStack stories (beta): what ``POST /creator/story`` accepts, why a story fails, and the
audioform of each chapter.

A chapter becomes one audioform: a section per narrative, whose first layer speaks the
``foreground`` lines one after another (each with its speaker's voice alias) and, when the
narrative has any non-empty ``background...`` layer, a quiet sound-template bed under them.
A line's speaker must be declared in ``story.voices`` (a line without one speaks with the
first declared voice, or ``sara``), and every alias must be a sandbox voice; otherwise the
story fails -- reported, like the real service does, only once its build time has passed.
"""

from __future__ import annotations

from typing import Any

from audio_sandbox.audiostack.audioform import SANDBOX_VOICES, is_sandbox_voice
from audio_sandbox.audiostack.bodies import (
    Loc,
    Problems,
    check_delivery,
    check_types,
    is_text,
    object_list,
)

DEFAULT_VOICE = "sara"
DEFAULT_ENCODER_PRESET = "wav"
BACKGROUND_PREFIX = "background"


def check_story(body: dict[str, Any]) -> dict[str, Any]:
    """
    The ``story`` of a request body, checked; every problem is raised at once as a 422 naming its path.

    :raises ServiceError: 422.
    """
    problems = Problems()
    story = body.get("story")
    if not isinstance(story, dict):
        problems.add(["story"], "field required: an object with 'chapters'")
        problems.raise_if_any()
    assert isinstance(story, dict)
    loc: Loc = ["story"]
    check_types(story, {"title": str}, problems, loc)
    for index, voice in object_list(story.get("voices"), problems, [*loc, "voices"], required=False):
        for key in ("speakerIdentifier", "alias"):
            if not is_text(voice.get(key)):
                problems.add([*loc, "voices", index, key], "field required: a non-empty string")
    for c, chapter in object_list(story.get("chapters"), problems, [*loc, "chapters"], required=True):
        chapter_loc: Loc = [*loc, "chapters", c]
        check_types(chapter, {"title": str}, problems, chapter_loc)
        narratives = object_list(
            chapter.get("narratives"), problems, [*chapter_loc, "narratives"], required=True
        )
        for n, narrative in narratives:
            _check_narrative(narrative, problems, [*chapter_loc, "narratives", n])
    check_delivery(story.get("delivery"), problems, [*loc, "delivery"])
    problems.raise_if_any()
    return story


def _check_narrative(narrative: dict[str, Any], problems: Problems, loc: Loc) -> None:
    for index, line in object_list(
        narrative.get("foreground"), problems, [*loc, "foreground"], required=True
    ):
        if not is_text(line.get("text")):
            problems.add([*loc, "foreground", index, "text"], "field required: a non-empty string")
        check_types(line, {"speakerIdentifier": str}, problems, [*loc, "foreground", index])
    for key, layer in narrative.items():
        if key.startswith(BACKGROUND_PREFIX):
            object_list(layer, problems, [*loc, key], required=False)


def _speakers(story: dict[str, Any]) -> dict[str, str]:
    return {voice["speakerIdentifier"]: voice["alias"] for voice in story.get("voices") or []}


def _default_alias(story: dict[str, Any]) -> str:
    voices = story.get("voices") or []
    return str(voices[0]["alias"]) if voices else DEFAULT_VOICE


def failure_of(story: dict[str, Any]) -> str | None:
    """Why a checked story fails to build (an undeclared speaker, a voice the sandbox lacks), or ``None``."""
    speakers = _speakers(story)
    for alias in [*speakers.values(), _default_alias(story)]:
        if not is_sandbox_voice(alias):
            return f"Voice {alias!r} is not available; the sandbox offers {', '.join(SANDBOX_VOICES)}"
    for c, chapter in enumerate(story["chapters"]):
        for n, narrative in enumerate(chapter["narratives"]):
            for line_index, line in enumerate(narrative["foreground"]):
                speaker = line.get("speakerIdentifier")
                if speaker is not None and speaker not in speakers:
                    return (
                        f"chapters[{c}].narratives[{n}].foreground[{line_index}]: speakerIdentifier "
                        f"{speaker!r} is not declared in story.voices"
                    )
    return None


def chapter_audioform(story: dict[str, Any], chapter_index: int) -> dict[str, Any]:
    """The audioform of one chapter of a checked story that does not fail."""
    speakers = _speakers(story)
    default_alias = _default_alias(story)
    chapter = story["chapters"][chapter_index]
    assets: dict[str, Any] = {}
    sections: list[dict[str, Any]] = []
    for n, narrative in enumerate(chapter["narratives"]):
        clips: list[dict[str, Any]] = []
        for line_index, line in enumerate(narrative["foreground"]):
            name = f"line_{n}_{line_index}"
            speaker = line.get("speakerIdentifier")
            alias = speakers[speaker] if speaker is not None else default_alias
            assets[name] = {"type": "tts", "text": line["text"], "voice": alias}
            clips.append({"assetRef": name})
        layers: list[dict[str, Any]] = [{"clips": clips}]
        if any(key.startswith(BACKGROUND_PREFIX) and value for key, value in narrative.items()):
            assets[f"background_{n}"] = {"type": "soundTemplate", "soundTemplateAlias": "story_background"}
            layers.append({"clips": [{"assetRef": f"background_{n}"}]})
        sections.append({"layers": layers})
    delivery = {"encoderPreset": DEFAULT_ENCODER_PRESET, **(story.get("delivery") or {})}
    return {
        "header": {"version": "1", "title": chapter.get("title") or f"Chapter {chapter_index + 1}"},
        "assets": assets,
        "production": {"arrangement": {"sections": sections}, "mixingPreset": "balanced"},
        "delivery": delivery,
    }
