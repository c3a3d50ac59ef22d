"""
Reading AudioStack request bodies: JSON objects, typed fields, and every problem at once.

A route collects problems in a :class:`Problems` (each ``{"loc": [...], "msg": ...}``) and raises
them together as one 422 whose ``errors`` are texts, ``"loc.path: msg"``: the official client joins
them as strings (see ``core.errors.error_body``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from audio_sandbox.core.errors import ServiceError

Loc = list[str | int]


class Problems:
    """
    Validation problems of one request body, raised together.

    :param prefix: prepended to every location (e.g. ``["items", 3]``).
    """

    def __init__(self, prefix: Loc | None = None) -> None:
        self.prefix: Loc = list(prefix or [])
        self.errors: list[dict[str, Any]] = []

    def add(self, loc: Loc, msg: str) -> None:
        """Record that the field at ``loc`` (under the prefix) is wrong, and why."""
        self.errors.append({"loc": [*self.prefix, *loc], "msg": msg})

    def extend(self, errors: list[dict[str, Any]], prefix: Loc | None = None) -> None:
        """Record problems found elsewhere (e.g. by the audioform validator), under ``prefix``."""
        for error in errors:
            self.errors.append({"loc": [*self.prefix, *(prefix or []), *error["loc"]], "msg": error["msg"]})

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        """Answer 422 with every problem (each named once, in ``errors``), if there is any."""
        if self.errors:
            raise ServiceError(422, "Validation error", errors=self.errors)


async def json_object(request: Request) -> dict[str, Any]:
    """
    The request body as a JSON object.

    :raises ServiceError: 400 when the body is not JSON or not an object.
    """
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ServiceError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ServiceError(400, "Request body must be a JSON object")
    return body


def is_number(value: Any) -> bool:
    """A JSON number (booleans are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_text(value: Any) -> bool:
    """A string with something other than whitespace in it."""
    return isinstance(value, str) and bool(value.strip())


def require_text(body: Mapping[str, Any], key: str, problems: Problems, loc: Loc | None = None) -> str:
    """``body[key]`` when it is a non-empty string; else records a problem and returns ``""``."""
    value = body.get(key)
    if is_text(value):
        return str(value)
    problems.add([*(loc or []), key], "field required: a non-empty string")
    return ""


def optional_text(
    body: Mapping[str, Any], key: str, problems: Problems, loc: Loc | None = None
) -> str | None:
    """``body[key]`` when absent/null (``None``) or a non-empty string; else records a problem."""
    value = body.get(key)
    if value is None:
        return None
    if is_text(value):
        return str(value)
    problems.add([*(loc or []), key], "must be a non-empty string")
    return None


def check_fields(body: Mapping[str, Any], allowed: tuple[str, ...], problems: Problems) -> None:
    """Record a problem for each field of ``body`` not in ``allowed``, naming the allowed ones."""
    for key in sorted(set(body) - set(allowed)):
        problems.add([key], f"unknown field; the fields are {', '.join(allowed)}")


def check_types(body: Mapping[str, Any], types: Mapping[str, type], problems: Problems, loc: Loc) -> None:
    """Record a problem for each present, non-null field of ``body`` that is not of its type."""
    names = {str: "a string", bool: "a boolean", dict: "an object", list: "a list"}
    for key, kind in types.items():
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            problems.add([*loc, key], f"must be {names.get(kind, kind.__name__)}")


def check_delivery(delivery: Any, problems: Problems, loc: Loc) -> None:
    """A ``delivery`` object: ``encoderPreset`` and ``loudnessPreset`` strings, ``public`` a boolean."""
    if delivery is None:
        return
    if not isinstance(delivery, dict):
        problems.add(loc, "must be an object")
        return
    check_types(delivery, {"encoderPreset": str, "loudnessPreset": str, "public": bool}, problems, loc)


def object_list(
    value: Any, problems: Problems, loc: Loc, *, required: bool
) -> list[tuple[int, dict[str, Any]]]:
    """
    The objects of the list ``value`` with their indexes; records problems for a missing (or, when
    ``required``, empty) list and for entries that are not objects.

    :param required: the list must be present and non-empty.
    """
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        problems.add(loc, "must be a non-empty list" if required else "must be a list")
        return []
    objects: list[tuple[int, dict[str, Any]]] = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            objects.append((index, entry))
        else:
            problems.add([*loc, index], "must be an object")
    return objects
