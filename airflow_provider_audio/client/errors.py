"""Reading an error response: the API's message, its request id and how long it asks us to wait."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from airflow_provider_audio.exceptions import (
    AudioServiceAuthError,
    AudioServiceCreditsError,
    AudioServiceError,
    AudioServiceNotFoundError,
    AudioServiceRateLimitError,
    AudioServiceRequestError,
    AudioServiceServerError,
)

_REQUEST_ID_HEADERS = ("x-request-id", "x-amzn-requestid", "request-id", "x-correlation-id")
_MAX_MESSAGE_CHARS = 2000


def problem_text(problem: Any) -> str:
    """
    One listed problem as a line: a text as it is; ``{loc, msg}`` (FastAPI) as ``"a.b: msg"``;
    ``{message, field}`` as ``"field: message"``; any other object as JSON.
    """
    if isinstance(problem, str):
        return problem.strip()
    if not isinstance(problem, Mapping):
        return json.dumps(problem)
    text = problem.get("msg") or problem.get("message")
    if not isinstance(text, str) or not text:
        return json.dumps(problem, sort_keys=True)
    loc = problem.get("loc")
    where = ".".join(str(part) for part in loc) if isinstance(loc, list | tuple) else problem.get("field")
    return f"{where}: {text}" if where else text


def _problems(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [text for text in (problem_text(item) for item in items if item) if text]


def api_message(body: Any) -> str:
    """
    The service's own error message, from any of the four services' error shapes, each listed
    problem once and readable: ``"Validation error: file_id: field required; ..."``.

    AudioStack ``{message, errors: [str]}`` or ``{message, details: [str | object]}`` (the official
    client joins both as text), AIOZ ``{status, message}``, AudioPod ``{detail: str | object |
    [{loc, msg}]}``, AIML API ``{message, path, requestId, statusCode}``. A problem the message
    already spells out (some services repeat their list in it) is not added again.
    """
    if body is None:
        return "(empty body)"
    if not isinstance(body, Mapping):
        return str(body)[:_MAX_MESSAGE_CHARS]
    heads: list[str] = []
    for key in ("message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            heads.append(value.strip())
    detail = body.get("detail")
    listed: list[str] = []
    if isinstance(detail, str) and detail.strip():
        heads.append(detail.strip())
    elif isinstance(detail, Mapping) and isinstance(detail.get("message"), str):
        heads.append(str(detail["message"]))
    elif detail:
        listed.extend(_problems(detail))
    for key in ("errors", "details"):
        listed.extend(_problems(body.get(key)))
    head = "; ".join(heads)
    new: list[str] = []
    for text in listed:
        if text not in head and text not in new:
            new.append(text)
    if not head and not new:
        return json.dumps(body, sort_keys=True)[:_MAX_MESSAGE_CHARS]
    text = f"{head.rstrip('.:')}: {'; '.join(new)}" if head and new else head or "; ".join(new)
    return text[:_MAX_MESSAGE_CHARS]


def request_id(headers: Mapping[str, str], body: Any) -> str | None:
    """The request id from the headers, or from the body where a service puts it there."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in _REQUEST_ID_HEADERS:
        if lowered.get(name):
            return lowered[name]
    if isinstance(body, Mapping):
        for holder in (body, body.get("metadata")):
            if isinstance(holder, Mapping) and holder.get("requestId"):
                return str(holder["requestId"])
    return None


def retry_after_seconds(headers: Mapping[str, str], header_names: tuple[str, ...]) -> float | None:
    """Seconds to wait, from the first of ``header_names`` present (seconds or an HTTP date)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in header_names:
        raw = lowered.get(name.lower())
        if raw is None:
            continue
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            continue
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


def _credits_detail(body: Any) -> str:
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if not isinstance(detail, Mapping):
        return ""
    amounts = [
        f"{label} {detail[key]}"
        for key, label in (("required_cents", "required cents:"), ("available_cents", "available cents:"))
        if key in detail
    ]
    return f" ({', '.join(amounts)})" if amounts else ""


def error_for_status(
    *,
    service: str,
    method: str,
    route: str,
    status: int,
    headers: Mapping[str, str],
    body: Any,
    retry_after_headers: tuple[str, ...],
) -> AudioServiceError:
    """The typed error for an HTTP error status (the caller scrubs secrets from the message)."""
    message = api_message(body)
    kwargs: dict[str, Any] = {
        "service": service,
        "method": method,
        "route": route,
        "status": status,
        "api_message": message,
        "request_id": request_id(headers, body),
    }
    asked_wait = retry_after_seconds(headers, retry_after_headers)
    if status == 429:
        return AudioServiceRateLimitError(**kwargs, retry_after=asked_wait)
    if status >= 500:
        return AudioServiceServerError(**kwargs, retry_after=asked_wait)
    if status == 402 or (status == 403 and "credit" in message.lower()):
        kwargs["api_message"] = (
            f"the account has not enough credits for this call: {message}{_credits_detail(body)}"
        )
        return AudioServiceCreditsError(**kwargs)
    if status in (401, 403):
        return AudioServiceAuthError(**kwargs)
    if status == 404:
        return AudioServiceNotFoundError(**kwargs)
    return AudioServiceRequestError(**kwargs)
