"""
Form-urlencoded request bodies read as the JSON objects they stand for (AIOZ's
``POST /media/create`` accepts both).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_BRACKETS = re.compile(r"\[([^\]]*)\]")
_FORM_INTEGERS = frozenset({"bitrate", "sample_rate", "index"})


def form_to_json(raw: bytes) -> dict[str, Any]:
    """
    A form-urlencoded body as the JSON object it stands for.

    Bracket paths nest (``qualities[0][audio_config][bitrate]=128000``), repeated or ``[]`` keys
    make lists (``tags=a&tags=b``), ``is_public`` is a boolean and numeric audio fields are numbers.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True):
        name, _, rest = key.partition("[")
        path: list[str] = [name, *_BRACKETS.findall("[" + rest)] if rest else [name]
        _form_set(root, path, _form_value(path, value))
    return {key: _form_lists(value) for key, value in root.items()}


def _form_value(path: list[str], value: str) -> Any:
    leaf = path[-1] if path[-1] else path[-2] if len(path) > 1 else ""
    if leaf == "is_public" and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if leaf in _FORM_INTEGERS and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def _form_set(node: dict[str, Any], path: list[str], value: Any) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if head in node:
            existing = node[head]
            node[head] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            node[head] = value
        return
    if rest == [""]:
        existing = node.get(head)
        node[head] = [*existing, value] if isinstance(existing, list) else [value]
        return
    child = node.get(head)
    if not isinstance(child, dict):
        child = node[head] = {}
    _form_set(child, rest, value)


def _form_lists(value: Any) -> Any:
    """Objects keyed 0, 1, 2... (from ``x[0][...]``) become lists, recursively."""
    if isinstance(value, list):
        return [_form_lists(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {key: _form_lists(item) for key, item in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
