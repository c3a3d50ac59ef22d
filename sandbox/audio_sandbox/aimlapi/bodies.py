"""
AIML API's ``POST /v2/generate/audio`` body for ``stable-audio``, validated on the vendor's
OpenAPI fragment (``specs/aimlapi-stable-audio.json``).

Every problem is named in one message, with the field and what it accepts; the route answers it
with a 400 in AIML's error shape. As JSON APIs usually do, ``null`` counts as "not given" and
unknown fields are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MODELS: tuple[str, ...] = ("stable-audio",)
SECONDS_MIN = 1
SECONDS_MAX = 47
STEPS_MIN = 1
STEPS_MAX = 1000
DEFAULT_SECONDS_TOTAL = 30
DEFAULT_STEPS = 100
#: A generation costs ``seconds_total * steps * CREDITS_PER_SECOND_STEP`` credits (the sandbox's rate).
CREDITS_PER_SECOND_STEP = 10
#: A prompt with this word is refused by the sandbox's content filter (the way to test the error path).
_REFUSED_WORD = re.compile(r"\bforbidden\b", re.IGNORECASE)


class RequestError(ValueError):
    """A body the API answers with 400; the message names every offending field."""


@dataclass(frozen=True)
class GenerationRequest:
    """
    A valid generation request.

    :param model: ``stable-audio``.
    :param prompt: what to generate.
    :param seconds_total: length of the clip, 1..47.
    :param steps: denoising steps, 1..1000.
    :param seconds_start: start point of the clip, 1..47, when given.
    """

    model: str
    prompt: str
    seconds_total: int
    steps: int
    seconds_start: int | None = None

    @property
    def credits(self) -> int:
        """What the generation costs."""
        return self.seconds_total * self.steps * CREDITS_PER_SECOND_STEP

    @property
    def refused(self) -> bool:
        """Whether the content filter refuses the prompt (it contains the word ``forbidden``)."""
        return _REFUSED_WORD.search(self.prompt) is not None


def _integer(
    body: dict[str, Any], name: str, low: int, high: int, default: int | None, problems: list[str]
) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{name} must be an integer from {low} to {high} (got {value!r})")
        return default
    return value


def parse_generation(body: Any) -> GenerationRequest:
    """Validate a ``POST /v2/generate/audio`` body (a JSON object)."""
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object with at least model and prompt")
    problems: list[str] = []
    model = body.get("model")
    allowed = ", ".join(MODELS)
    if model is None:
        problems.append(f"model is required; allowed values: {allowed}")
    elif model not in MODELS:
        problems.append(f"model must be one of: {allowed} (got {model!r})")
    prompt = body.get("prompt")
    if prompt is None:
        problems.append("prompt is required: a non-empty string")
    elif not isinstance(prompt, str) or not prompt.strip():
        problems.append(f"prompt must be a non-empty string (got {prompt!r})")
    seconds_start = _integer(body, "seconds_start", SECONDS_MIN, SECONDS_MAX, None, problems)
    seconds_total = _integer(body, "seconds_total", SECONDS_MIN, SECONDS_MAX, DEFAULT_SECONDS_TOTAL, problems)
    steps = _integer(body, "steps", STEPS_MIN, STEPS_MAX, DEFAULT_STEPS, problems)
    if problems:
        raise RequestError("; ".join(problems))
    assert seconds_total is not None and steps is not None
    return GenerationRequest(
        model=str(model),
        prompt=str(prompt),
        seconds_total=seconds_total,
        steps=steps,
        seconds_start=seconds_start,
    )
