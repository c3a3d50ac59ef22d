"""
The vendors' OpenAPI specs as judges: every request a client sends to a service that has a spec,
and every answer its routes give, is checked against that spec; what does not conform is kept as
a violation for tests to read (``GET /_sandbox/spec-judge``).

Switched on with ``--judge-specs DIR`` (a folder holding ``aiozstream-openapi.yaml`` and
``aimlapi-*.json``, the vendors' own files). It needs ``openapi-core`` (the sandbox's ``judge``
extra). The judge sits inside the fault and rate-limit middleware: it sees what the routes answer,
not the faults a test injected.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Bodies above this are passed through unjudged rather than kept in memory (tests send small ones).
MAX_JUDGED_BODY_BYTES = 8 * 1024 * 1024
# Violations kept in full; past this only the count grows.
MAX_KEPT_VIOLATIONS = 200


@dataclass(frozen=True)
class JudgedService:
    """
    A service whose traffic a spec judges.

    :param name: the service (``aiozstream``).
    :param prefix: where the sandbox serves it (``/aiozstream/api``); the spec's paths follow it.
    :param spec_files: the spec's file names; several fragments are merged (their paths and
        components joined).
    """

    name: str
    prefix: str
    spec_files: tuple[str, ...]


JUDGED_SERVICES = (
    JudgedService("aiozstream", "/aiozstream/api", ("aiozstream-openapi.yaml",)),
    JudgedService("aimlapi", "/aimlapi", ("aimlapi-stable-audio.json", "aimlapi-audio-fetch.json")),
)


@dataclass
class Verdicts:
    """
    What the judge has seen: exchanges checked per service, and the violations found.

    :param checked: exchanges judged, per service.
    :param bodies_unjudged: exchanges whose request or answer body was not judged (too large, or a
        request body the route did not read), per service.
    :param undescribed: routes (``service METHOD path-template``) and answer statuses
        (``... -> 404``) the spec does not describe, with how often: routes known from the vendor's
        documentation only (AIOZ's HLS playlist), statuses the spec leaves out (a 401, a 404).
    :param violations: one line per violation: ``service METHOD path: request|answer STATUS: reason``.
    :param violation_count: every violation, also those past the kept ones.
    """

    checked: dict[str, int] = field(default_factory=dict)
    bodies_unjudged: dict[str, int] = field(default_factory=dict)
    undescribed: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    violation_count: int = 0

    def as_json(self) -> dict[str, Any]:
        """The verdicts as the admin route answers them."""
        return {
            "checked": dict(self.checked),
            "bodies_unjudged": dict(self.bodies_unjudged),
            "undescribed": dict(self.undescribed),
            "violation_count": self.violation_count,
            "violations": list(self.violations),
        }


def _load(path: Path) -> dict[str, Any]:
    if path.suffix in (".yaml", ".yml"):
        import yaml

        loaded: dict[str, Any] = yaml.safe_load(path.read_text())
        return loaded
    parsed: dict[str, Any] = json.loads(path.read_text())
    return parsed


def _merged(specs: list[dict[str, Any]], server_url: str) -> dict[str, Any]:
    """One spec from fragments: paths, methods and components joined; served at ``server_url``."""
    merged: dict[str, Any] = {**specs[0], "servers": [{"url": server_url}], "paths": {}, "components": {}}
    for spec in specs:
        for route, operations in spec.get("paths", {}).items():
            merged["paths"].setdefault(route, {}).update(operations)
        for kind, items in spec.get("components", {}).items():
            merged["components"].setdefault(kind, {}).update(items)
    return merged


class SpecJudge:
    """
    Judges exchanges against the specs found in ``spec_dir``; thread-safe.

    :param spec_dir: the folder holding the vendors' spec files.
    """

    def __init__(self, spec_dir: Path) -> None:
        from openapi_core import Config, OpenAPI

        # The specs are judged as the vendors publish them, not for their own form: AIML API's
        # fragments leave out the "description" OpenAPI requires of a response, and AIOZ's spec
        # gives some JSON answers the media type */* (read here as JSON when they are JSON).
        config = Config(spec_validator_cls=None, extra_media_type_deserializers={"*/*": _json_or_bytes})
        self._lock = threading.Lock()
        self.verdicts = Verdicts()
        self._apis: dict[str, tuple[JudgedService, Any]] = {}
        for service in JUDGED_SERVICES:
            specs = [_load(spec_dir / name) for name in service.spec_files]
            api = OpenAPI.from_dict(_merged(specs, f"http://sandbox{service.prefix}"), config=config)
            self._apis[service.prefix] = (service, api)

    def service_for(self, path: str) -> JudgedService | None:
        """The judged service a request path belongs to, if any."""
        for prefix, (service, _) in self._apis.items():
            if path == prefix or path.startswith(prefix + "/"):
                return service
        return None

    def report(self) -> dict[str, Any]:
        """The verdicts so far, as the admin route answers them."""
        with self._lock:
            return self.verdicts.as_json()

    def judge(self, exchange: Exchange) -> None:
        """Check one exchange; record it and its violations."""
        from openapi_core.testing import MockRequest, MockResponse

        service, api = self._apis[exchange.service.prefix]
        request = MockRequest(
            "http://sandbox",
            exchange.method.lower(),
            exchange.path,
            headers=exchange.request_headers,
            args=dict(exchange.query),
            data=exchange.request_body,
            content_type=exchange.request_headers.get("content-type", "application/json"),
        )
        if not self._describes(api, request):
            with self._lock:
                key = f"{service.name} {exchange.method} {exchange.route}"
                self.verdicts.undescribed[key] = self.verdicts.undescribed.get(key, 0) + 1
            return
        found: list[str] = []
        undescribed: list[str] = []
        if exchange.request_body is not None:
            found += [f"request: {_reason(error)}" for error in api.iter_request_errors(request)]
        if exchange.response_body is not None:
            response = MockResponse(
                exchange.response_body,
                status_code=exchange.status,
                headers=exchange.response_headers,
                content_type=exchange.response_headers.get("content-type", "application/json"),
            )
            from openapi_core.templating.responses.exceptions import ResponseNotFound

            for error in api.iter_response_errors(request, response):
                if isinstance(error, ResponseNotFound):
                    # A status the spec does not list (a 401, a 404): counted apart, like a route.
                    undescribed.append(
                        f"{service.name} {exchange.method} {exchange.route} -> {exchange.status}"
                    )
                else:
                    found.append(f"answer {exchange.status}: {_reason(error)}")
        with self._lock:
            verdicts = self.verdicts
            for key in undescribed:
                verdicts.undescribed[key] = verdicts.undescribed.get(key, 0) + 1
            if exchange.request_body is None or exchange.response_body is None:
                verdicts.bodies_unjudged[service.name] = verdicts.bodies_unjudged.get(service.name, 0) + 1
            verdicts.checked[service.name] = verdicts.checked.get(service.name, 0) + 1
            for reason in found:
                verdicts.violation_count += 1
                if len(verdicts.violations) < MAX_KEPT_VIOLATIONS:
                    verdicts.violations.append(f"{service.name} {exchange.method} {exchange.path}: {reason}")

    @staticmethod
    def _describes(api: Any, request: Any) -> bool:
        """Whether the spec has the request's path and method at all."""
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

        try:
            api.request_validator.path_finder.find(request.method, request.host_url + request.path)
        except (PathNotFound, OperationNotFound):
            return False
        return True


def _json_or_bytes(value: bytes, **parameters: str) -> Any:
    """A body a spec types as ``*/*``: its JSON when it is JSON, else its bytes."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _reason(error: BaseException) -> str:
    """
    Why an exchange is off its spec, on one line: the schema errors openapi-core nests under its
    error (``data/tags: None is not of type 'array'``), else the error's own first words.
    """
    schema_errors: list[str] = []
    for item in _causes(error):
        for schema_error in getattr(item, "schema_errors", ()) or ():
            path = "/".join(str(step) for step in getattr(schema_error, "path", ()))
            line = f"{path or '(body)'}: {getattr(schema_error, 'message', schema_error)}"
            if line not in schema_errors:
                schema_errors.append(line)
    if schema_errors:
        return "; ".join(schema_errors)[:1000]
    return "; ".join(str(item).strip().replace("\n", " ")[:200] for item in _causes(error))[:1000]


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


@dataclass
class Exchange:
    """
    One request and its answer, as the judge sees them.

    :param service: the judged service.
    :param method: HTTP method.
    :param path: the full path (with the service's prefix).
    :param route: the route's template as the app matched it (``/media/{media_id}/m3u8``), for
        counting undescribed routes without their ids.
    :param query: query parameters.
    :param request_headers: request headers, lower-case names.
    :param request_body: the whole body, or ``None`` when it was too large or not read.
    :param status: the answer's status.
    :param response_headers: its headers, lower-case names.
    :param response_body: its whole body, or ``None`` when too large.
    """

    service: JudgedService
    method: str
    path: str
    route: str
    query: Mapping[str, str]
    request_headers: dict[str, str]
    request_body: bytes | None = b""
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes | None = b""


class SpecJudgeMiddleware:
    """
    Passes every exchange of a judged service through to the app unchanged, keeping a copy of
    each body (up to :data:`MAX_JUDGED_BODY_BYTES`), and hands the pair to the judge when the
    answer has been sent.

    :param app: the ASGI app.
    :param judge: the judge.
    """

    def __init__(self, app: ASGIApp, judge: SpecJudge) -> None:
        self.app = app
        self.judge = judge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = self.judge.service_for(scope["path"]) if scope["type"] == "http" else None
        if service is None:
            await self.app(scope, receive, send)
            return
        from urllib.parse import parse_qsl

        exchange = Exchange(
            service=service,
            method=scope["method"],
            path=scope["path"],
            route=scope["path"],
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)),
            request_headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
        )
        request_body = bytearray()
        request_done = False
        request_kept = True
        response_body = bytearray()
        response_kept = True

        async def tee_receive() -> Message:
            nonlocal request_done, request_kept
            message = await receive()
            if message["type"] == "http.request" and not request_done:
                if request_kept:
                    request_body.extend(message.get("body", b""))
                    request_kept = len(request_body) <= MAX_JUDGED_BODY_BYTES
                request_done = not message.get("more_body", False)
            return message

        async def tee_send(message: Message) -> None:
            nonlocal response_kept
            if message["type"] == "http.response.start":
                exchange.status = int(message["status"])
                exchange.response_headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body" and response_kept:
                response_body.extend(message.get("body", b""))
                response_kept = len(response_body) <= MAX_JUDGED_BODY_BYTES
            await send(message)

        await self.app(scope, tee_receive, tee_send)
        route = scope.get("route")
        exchange.route = str(getattr(route, "path", scope["path"]))
        readable = request_done or not _announces_body(exchange.request_headers)
        exchange.request_body = bytes(request_body) if readable and request_kept else None
        exchange.response_body = bytes(response_body) if response_kept else None
        self.judge.judge(exchange)


def _announces_body(headers: Mapping[str, str]) -> bool:
    return int(headers.get("content-length", "0") or 0) > 0 or "chunked" in headers.get(
        "transfer-encoding", ""
    )
