"""
The ``version`` header of ``GET /audioforms/{id}``: the shape of the format an answer is written in.

The official client sends "2" unless told otherwise and documents "1" and "0.0.1" (audiostack
4.0.0 ``audioform/audioform.py:50,117``: "Service will convert stored audioform to requested
version"); the vendor's spec enum is "1", "2", "3", and story output is "3". The sandbox answers
all four and refuses any other value, or none, with a 422 naming the header: the vendor's service
is FastAPI (its operation ids, e.g. ``process_result__audioform_id__get``, are FastAPI's), and
FastAPI answers a header outside its enum that way.

What differs (the vendor's fixtures, audiostack-python ``tests/audioform/test_audioform.py`` and
``tests/conftest.py``):

- "1" and "2": assets named by alias (``voiceAlias``...), clips by ``assetRef``; the result's
  assets report ``duration``.
- "0.0.1": assets named by id (``voiceId``, ``soundTemplateId``, ``soundEffectId``), clips by
  ``assetId``; the result's assets report ``durationInSecond``.
- "3": as "1", and the result places everything in time: ``position`` and ``duration`` on the
  arrangement, its sections, layers and clips (clips also ``placement``), ``production.mixingPreset``.

Every result carries ``header.version`` and ``header.audioformId``, and ``delivery`` with the
delivered file's ``uri`` and ``extension``. The sandbox adds ``durationSeconds`` (the file's
length), which no vendor material shows.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from audio_sandbox.audiostack.audioform import BuildOutcome
from audio_sandbox.audiostack.timeline import Span, Timeline
from audio_sandbox.core.errors import ServiceError

RESPONSE_VERSIONS: tuple[str, ...] = ("0.0.1", "1", "2", "3")
#: The format version whose assets are named by id and clips by ``assetId``.
ID_VERSION = "0.0.1"
#: The format version whose results place everything in time.
PLACED_VERSION = "3"
_ALIAS_TO_ID: dict[str, str] = {
    "voiceAlias": "voiceId",
    "soundTemplateAlias": "soundTemplateId",
    "soundEffectAlias": "soundEffectId",
}
_DEFAULT_MIXING_PRESET = "balanced"
_DEFAULT_ALIGNMENT = "start"
_DEFAULT_PLACEMENT = "foreground"


def requested_version(request: Request) -> str:
    """
    The ``version`` header of a request.

    :raises ServiceError: 422 when it is missing or not one of :data:`RESPONSE_VERSIONS`.
    """
    version = request.headers.get("version")
    if version not in RESPONSE_VERSIONS:
        got = "it is missing" if version is None else f"got {version!r}"
        problem = {
            "loc": ["header", "version"],
            "msg": f"must be one of {', '.join(RESPONSE_VERSIONS)}; {got}",
        }
        raise ServiceError(422, "Validation error", errors=[problem])
    return version


def _renamed(holder: dict[str, Any], renames: Mapping[str, str]) -> None:
    for old, new in renames.items():
        if old in holder and new not in holder:
            holder[new] = holder.pop(old)


def as_version(audioform: Mapping[str, Any], version: str) -> dict[str, Any]:
    """A (valid) stored audioform rewritten in ``version`` of the format."""
    converted: dict[str, Any] = copy.deepcopy(dict(audioform))
    converted["header"] = {**(converted.get("header") or {}), "version": version}
    by_id = version == ID_VERSION
    asset_keys = _ALIAS_TO_ID if by_id else {new: old for old, new in _ALIAS_TO_ID.items()}
    clip_keys = {"assetRef": "assetId"} if by_id else {"assetId": "assetRef"}
    for asset in converted["assets"].values():
        _renamed(asset, asset_keys)
    for section in converted["production"]["arrangement"]["sections"]:
        for layer in section["layers"]:
            for clip in layer["clips"]:
                _renamed(clip, clip_keys)
    return converted


def _placed(holder: dict[str, Any], span: Span) -> None:
    holder["position"] = round(span.position, 3)
    holder["duration"] = round(span.duration, 3)


def _place_in_time(result: dict[str, Any], timeline: Timeline) -> None:
    production = result["production"]
    production.setdefault("mixingPreset", _DEFAULT_MIXING_PRESET)
    arrangement = production["arrangement"]
    _placed(arrangement, Span(0.0, timeline.duration))
    for section, section_times in zip(arrangement["sections"], timeline.sections, strict=True):
        _placed(section, section_times.span)
        for layer, layer_times in zip(section["layers"], section_times.layers, strict=True):
            layer.setdefault("alignment", _DEFAULT_ALIGNMENT)
            _placed(layer, layer_times.span)
            for clip, clip_span in zip(layer["clips"], layer_times.clips, strict=True):
                clip.setdefault("placement", _DEFAULT_PLACEMENT)
                _placed(clip, clip_span)


def built_result(
    audioform: Mapping[str, Any],
    version: str,
    audioform_id: str,
    outcome: BuildOutcome,
    delivery: Mapping[str, Any],
) -> dict[str, Any]:
    """
    The ``result`` of a successful build, in ``version`` of the format.

    :param audioform: the audioform as stored (valid).
    :param delivery: the delivered file (``uri``, ``extension``, presets), merged into ``delivery``.
    """
    result = as_version(audioform, version)
    result["header"] = {**result["header"], "audioformId": audioform_id}
    result["delivery"] = {**(result.get("delivery") or {}), **delivery}
    result["durationSeconds"] = outcome.duration_seconds
    timeline = outcome.timeline
    if timeline is None:
        return result
    duration_key = "durationInSecond" if version == ID_VERSION else "duration"
    for name, seconds in timeline.asset_seconds.items():
        result["assets"][name][duration_key] = round(seconds, 3)
    if version == PLACED_VERSION:
        _place_in_time(result, timeline)
    return result
