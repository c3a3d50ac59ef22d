"""
Shared input checking for every model of the provider.

A :class:`pydantic.ValidationError` speaks in Python terms (``loc`` tuples, union member names).
:func:`validation_problems` turns it into lines a DAG author can act on, written the way the JSON is:
``production.arrangement.sections[0].layers[1].clips[2].assetRef: Field required``, with the
allowed values when a field only takes a fixed set. :func:`validate_model` raises those lines as one
:class:`~airflow_provider_audio.exceptions.AudioInputError` before anything is sent.

:class:`PassThroughModel` is the base of the vendors' formats: unknown fields are kept, and a dump
gives back the keys in the order the user wrote them, so what is sent is what was written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from airflow_provider_audio.exceptions import AudioInputError

__all__ = [
    "PassThroughModel",
    "format_path",
    "load_json_input",
    "validate_model",
    "validation_problems",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_MAX_SHOWN_INPUT = 60
_ACCEPTED_INPUT = "an object, JSON text or the path of a .json file"

# pydantic's wording names Python types; these say the same in JSON's terms.
_MESSAGES = {
    "missing": "Field required",
    "model_type": "Input should be an object",
    "model_attributes_type": "Input should be an object",
    "dict_type": "Input should be an object",
    "list_type": "Input should be a list",
    "string_type": "Input should be a string",
    "bool_type": "Input should be true or false",
}
_ALLOWED_VALUE_ERRORS = frozenset({"literal_error", "enum"})


class PassThroughModel(BaseModel):
    """
    Base for models of a vendor's JSON format that must reach the vendor untouched.

    Unknown fields are allowed and kept; fields are read by their JSON name or their Python name;
    and a dump lists the keys in the order the input gave them (fields first in declaration order
    is pydantic's default, which would reorder the user's document).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    _input_keys: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_key_order(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        model = handler(data)
        if isinstance(data, Mapping):
            model._input_keys = tuple(key for key in data if isinstance(key, str))
        return model

    @model_serializer(mode="wrap")
    def _dump_in_key_order(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        dumped = handler(self)
        if not self._input_keys or not isinstance(dumped, dict):
            return dumped
        output_key: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            alias = field.alias or name
            shown = alias if info.by_alias else name
            output_key[name] = shown
            output_key[alias] = shown
        ordered: dict[str, Any] = {}
        for key in self._input_keys:
            shown = output_key.get(key, key)
            if shown in dumped and shown not in ordered:
                ordered[shown] = dumped[shown]
        for key, value in dumped.items():
            ordered.setdefault(key, value)
        return ordered


def format_path(parts: Sequence[str | int]) -> str:
    """
    Write a location the way the JSON reads: ``a.b[0].c``; keys that are not plain names are quoted.

    :param parts: keys and list indices from the outermost inwards.
    """
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


def _shown(value: object) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN_INPUT else text[: _MAX_SHOWN_INPUT - 3] + "..."


def _json_location(loc: Sequence[str | int], data: object, error_type: str) -> list[str | int]:
    """
    Follow ``loc`` through the input to keep only the parts that exist in the user's JSON.

    pydantic puts extra parts in ``loc``: the tag of a discriminated union (``assets.intro.tts.text``)
    or the member of a plain union (``fadeIn.int``). A part missing from an object is taken for a tag
    when it equals one of that object's string values (the discriminator's), and parts below a
    scalar name union members; the last part of a missing-field error is the missing field.
    """
    kept: list[str | int] = []
    node: object = data
    following = True
    for index, part in enumerate(loc):
        if not following:
            kept.append(part)
            continue
        if isinstance(node, Mapping):
            if part in node:
                kept.append(part)
                node = node[part]
            elif index == len(loc) - 1 and error_type == "missing":
                kept.append(part)
            elif not any(part == value for value in node.values() if isinstance(value, str)):
                # a field given by its Python name, or a location the input does not have
                kept.append(part)
                following = False
        elif isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node):
            kept.append(part)
            node = node[part]
        else:
            break
    return kept


def _problem(error: Mapping[str, Any], data: object, root: str) -> str:
    error_type: str = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    path = _json_location(error["loc"], data, error_type)
    given = error.get("input")
    if error_type == "union_tag_invalid":
        path.append(str(ctx.get("discriminator", "type")).strip("'"))
        message = f"unknown value {_shown(ctx.get('tag'))}; allowed values: {ctx.get('expected_tags')}"
    elif error_type == "union_tag_not_found":
        path.append(str(ctx.get("discriminator", "type")).strip("'"))
        message = "Field required"
    elif error_type in _ALLOWED_VALUE_ERRORS:
        message = f"got {_shown(given)}; allowed values: {ctx.get('expected')}"
    elif error_type == "too_short" and isinstance(given, list | tuple):
        message = f"List should have at least {ctx.get('min_length')} item(s), not {len(given)}"
    else:
        message = _MESSAGES.get(error_type, str(error["msg"]))
        if error_type == "value_error":
            message = message.removeprefix("Value error, ")
        # A check across fields names its fields itself; the whole input is no help to show.
        if error_type != "missing" and not (error_type == "value_error" and not path):
            message += f" (got {_shown(given)})"
    return f"{format_path(path) or root}: {message}"


def validation_problems(error: ValidationError, data: object, root: str = "(top level)") -> list[str]:
    """
    One line per error in ``error``, each starting with the JSON path of the field.

    :param error: what pydantic raised while validating ``data``.
    :param data: the input that was validated; used to write paths as the user's JSON has them.
    :param root: the name used for an error about the whole input.
    """
    problems: list[str] = []
    for item in error.errors(include_url=False):
        line = _problem(item, data, root)
        if line not in problems:
            problems.append(line)
    return problems


def validate_model(model_cls: type[ModelT], data: object, subject: str) -> ModelT:
    """
    Validate ``data`` as ``model_cls``, reporting every problem at once.

    :param model_cls: the pydantic model to build.
    :param data: the user's input (usually a dict read from JSON).
    :param subject: what is being checked, as the error names it (``"media qualities"``).
    :raises AudioInputError: listing one line per problem, each starting with the field's path.
    """
    try:
        return model_cls.model_validate(data)
    except ValidationError as error:
        raise AudioInputError(subject, validation_problems(error, data, root=subject)) from None


def load_json_input(value: object, subject: str) -> dict[str, Any]:
    """
    Accept a JSON object given as a mapping, a JSON string, or the path of a ``.json`` file.

    A string whose first non-blank character is ``{`` or ``[`` is read as JSON; any other string is
    a path.

    :param value: the mapping, JSON text, or path (``str`` or ``os.PathLike``).
    :param subject: what is being read, as the error names it (``"audioform"``).
    :raises AudioInputError: when the file cannot be read, the JSON is malformed, or it is not an object.
    """
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str) and not value.strip():
        raise AudioInputError(subject, [f"input: empty; expected {_ACCEPTED_INPUT}"])
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        return _parse_object(value, subject, source="JSON text")
    if isinstance(value, str | os.PathLike):
        path = Path(value).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise AudioInputError(subject, [f"{path}: no such file"]) from None
        except IsADirectoryError:
            raise AudioInputError(subject, [f"{path}: is a directory, not a .json file"]) from None
        except UnicodeDecodeError as error:
            raise AudioInputError(subject, [f"{path}: not UTF-8 text ({error.reason})"]) from None
        except OSError as error:
            raise AudioInputError(subject, [f"{path}: cannot be read ({error.strerror or error})"]) from None
        return _parse_object(text, subject, source=str(path))
    raise AudioInputError(
        subject,
        [f"input: expected {_ACCEPTED_INPUT}, got {type(value).__name__}"],
    )


def _parse_object(text: str, subject: str, source: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise AudioInputError(
            subject, [f"{source}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"]
        ) from None
    if not isinstance(parsed, dict):
        raise AudioInputError(subject, [f"{source}: expected a JSON object, got {_json_kind(parsed)}"])
    return parsed


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list"
