"""The spec judge: exchanges of a judged service checked against its OpenAPI spec (tiny specs here)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from audio_sandbox.core.spec_judge import MAX_JUDGED_BODY_BYTES, SpecJudge, SpecJudgeMiddleware
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

MEDIA_SPEC = {
    "openapi": "3.0.1",
    "info": {"title": "media", "version": "1"},
    "servers": [{"url": "/api/"}],
    "paths": {
        "/media/create": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title"],
                                "properties": {"title": {"type": "string"}, "type": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "created",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["status", "data"],
                                    "properties": {"status": {"type": "string"}, "data": {"type": "object"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}
GENERATION_SPEC = {
    "openapi": "3.0.0",
    "info": {"title": "audio", "version": "1"},
    "paths": {
        "/v2/generate/audio": {
            "get": {
                "parameters": [
                    {"name": "generation_id", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    (tmp_path / "aiozstream-openapi.yaml").write_text(json.dumps(MEDIA_SPEC))  # JSON is YAML too
    (tmp_path / "aimlapi-stable-audio.json").write_text(json.dumps(GENERATION_SPEC))
    (tmp_path / "aimlapi-audio-fetch.json").write_text(json.dumps({**GENERATION_SPEC, "paths": {}}))
    return tmp_path


def judged_app(judge: SpecJudge, answer: dict[str, object]) -> FastAPI:
    app = FastAPI()

    @app.post("/aiozstream/api/media/create")
    async def create(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(answer)

    @app.get("/aiozstream/api/media/{media_id}/m3u8")
    async def playlist(media_id: str) -> JSONResponse:
        return JSONResponse({"playlist": media_id})

    @app.get("/aimlapi/v2/generate/audio")
    async def generation() -> JSONResponse:
        return JSONResponse({"id": "g"})

    app.add_middleware(SpecJudgeMiddleware, judge=judge)
    return app


def send(app: FastAPI, method: str, path: str, **kwargs: object) -> httpx.Response:
    """One request to ``app`` in process (the judge is ASGI middleware; no server needed)."""

    async def exchange() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(exchange())


def test_conforming_exchanges_leave_no_violation(spec_dir: Path) -> None:
    judge = SpecJudge(spec_dir)
    app = judged_app(judge, {"status": "success", "data": {"id": "m"}})
    assert (send(app, "POST", "/aiozstream/api/media/create", json={"title": "t"})).status_code == 200
    send(app, "GET", "/aimlapi/v2/generate/audio", params={"generation_id": "g"})
    verdicts = judge.verdicts.as_json()
    assert verdicts["violations"] == [] and verdicts["violation_count"] == 0
    assert verdicts["checked"] == {"aiozstream": 1, "aimlapi": 1}


def test_a_request_and_an_answer_off_the_spec_are_violations_naming_what_is_wrong(
    spec_dir: Path,
) -> None:
    judge = SpecJudge(spec_dir)
    app = judged_app(judge, {"status": "success"})  # no "data"
    send(app, "POST", "/aiozstream/api/media/create", json={"type": "audio"})  # no "title"
    send(app, "GET", "/aimlapi/v2/generate/audio")  # no generation_id
    violations = judge.verdicts.violations
    assert judge.verdicts.violation_count == 3, violations
    assert any(
        "aiozstream POST /aiozstream/api/media/create: request:" in v
        and "'title' is a required property" in v
        for v in violations
    ), violations
    assert any("answer 200:" in v and "'data' is a required property" in v for v in violations), violations
    assert any(
        "aimlapi GET /aimlapi/v2/generate/audio: request:" in v and "generation_id" in v for v in violations
    ), violations


def test_routes_the_spec_does_not_describe_are_counted_apart(spec_dir: Path) -> None:
    judge = SpecJudge(spec_dir)
    app = judged_app(judge, {"status": "success", "data": {}})
    send(app, "GET", "/aiozstream/api/media/m1/m3u8")
    send(app, "GET", "/aiozstream/api/media/m2/m3u8")
    assert judge.verdicts.undescribed == {"aiozstream GET /aiozstream/api/media/{media_id}/m3u8": 2}
    assert judge.verdicts.violation_count == 0


def test_a_body_too_large_to_keep_is_passed_through_unjudged(spec_dir: Path) -> None:
    judge = SpecJudge(spec_dir)
    app = judged_app(judge, {"status": "success", "data": {}})
    big = {"title": "x" * (MAX_JUDGED_BODY_BYTES + 1)}
    assert (send(app, "POST", "/aiozstream/api/media/create", json=big)).status_code == 200
    assert judge.verdicts.bodies_unjudged == {"aiozstream": 1}
    assert judge.verdicts.violation_count == 0


def test_a_sandbox_started_with_judge_specs_judges_its_traffic_and_reports_it(spec_dir: Path) -> None:
    import requests
    from audio_sandbox import SandboxServer

    with SandboxServer(api_key="judge-key", judge_specs=str(spec_dir)) as server:
        headers = {"Authorization": "Bearer judge-key"}
        requests.get(f"{server.service_url('aimlapi')}/v2/generate/audio", headers=headers, timeout=10)
        report = requests.get(f"{server.base_url}/_sandbox/spec-judge", timeout=10).json()
    assert report["checked"] == {"aimlapi": 1}
    # no generation_id: the request is off the tiny spec, whatever the sandbox answered
    assert report["violation_count"] >= 1
    assert any("generation_id" in violation for violation in report["violations"]), report


def test_without_judge_specs_the_report_route_says_so() -> None:
    import requests
    from audio_sandbox import SandboxServer

    with SandboxServer() as server:
        answer = requests.get(f"{server.base_url}/_sandbox/spec-judge", timeout=10)
    assert answer.status_code == 404
    assert "--judge-specs" in answer.json()["detail"]
