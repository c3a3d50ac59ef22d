"""
The sandbox application: the four services on their prefixes, AIOZ's embeddable players,
AudioPod's and AIML API's public file URLs, the admin routes, the middleware.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from audio_sandbox.aimlapi import routes as aimlapi_routes
from audio_sandbox.aiozstream import embed as aioz_embed
from audio_sandbox.aiozstream import routes as aiozstream_routes
from audio_sandbox.aiozstream.media import EMBED_PREFIX
from audio_sandbox.audiopod import library as audiopod_library
from audio_sandbox.audiopod import routes as audiopod_routes
from audio_sandbox.audiostack import router as audiostack_routes
from audio_sandbox.core import admin
from audio_sandbox.core.context import RequestContextMiddleware
from audio_sandbox.core.errors import (
    ADMIN_PREFIX,
    Service,
    ServiceError,
    error_body,
    service_for_path,
)
from audio_sandbox.core.faults import FaultMiddleware
from audio_sandbox.core.ratelimit import RateLimitMiddleware
from audio_sandbox.core.settings import Settings
from audio_sandbox.core.spec_judge import SpecJudgeMiddleware
from audio_sandbox.core.state import SandboxState, request_id_of


def _error_response(request: Request, error: ServiceError) -> JSONResponse:
    """``error`` in the shape of the service whose prefix was hit."""
    path = request.url.path
    body = error_body(
        service_for_path(path),
        error.status,
        error.message,
        request_id=request_id_of(request),
        path=path,
        errors=error.errors,
        detail=error.detail,
    )
    return JSONResponse(body, status_code=error.status, headers=error.headers)


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return _error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Unknown routes and wrong methods, in the shape of the service whose prefix was hit."""
    assert isinstance(exc, StarletteHTTPException)
    error = ServiceError(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
    return _error_response(request, error)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own 422 for AudioPod (a FastAPI service); the service's shape elsewhere."""
    assert isinstance(exc, RequestValidationError)
    problems = jsonable_encoder(exc.errors())
    service = service_for_path(request.url.path)
    if service is None or service is Service.AUDIOPOD:
        return JSONResponse({"detail": problems}, status_code=422)
    errors = [{"loc": list(p.get("loc", [])), "msg": p.get("msg", "")} for p in problems]
    message = "Validation error: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    return _error_response(request, ServiceError(422, message, errors=errors))


def create_app(settings: Settings | None = None) -> FastAPI:
    """
    Build the sandbox app.

    :param settings: knobs; defaults when ``None``. The app's :class:`SandboxState` is at
        ``app.state.sandbox``.
    """
    state = SandboxState(settings or Settings())
    app = FastAPI(
        title="Audio services sandbox",
        docs_url=f"{ADMIN_PREFIX}/docs",
        redoc_url=None,
        openapi_url=f"{ADMIN_PREFIX}/openapi.json",
    )
    app.state.sandbox = state
    app.include_router(audiostack_routes.router, prefix=Service.AUDIOSTACK.prefix)
    app.include_router(audiostack_routes.public_router, prefix=Service.AUDIOSTACK.prefix)
    app.include_router(aiozstream_routes.router, prefix=Service.AIOZSTREAM.prefix)
    app.include_router(aiozstream_routes.public_router, prefix=Service.AIOZSTREAM.prefix)
    app.include_router(aioz_embed.router, prefix=EMBED_PREFIX)
    app.include_router(audiopod_routes.router, prefix=Service.AUDIOPOD.prefix)
    app.include_router(audiopod_library.router, prefix=Service.AUDIOPOD.prefix)
    app.include_router(audiopod_routes.public_router, prefix=audiopod_routes.PREVIEWS_PREFIX)
    app.include_router(aimlapi_routes.router, prefix=Service.AIMLAPI.prefix)
    app.include_router(aimlapi_routes.public_router, prefix=Service.AIMLAPI.prefix)
    app.include_router(admin.router, prefix=ADMIN_PREFIX)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    if state.spec_judge is not None:
        # Added first = innermost: it judges what the routes answer, not the injected faults.
        app.add_middleware(SpecJudgeMiddleware, judge=state.spec_judge)
    # Added last = outermost: the context middleware sees (and counts) faulted requests too; a
    # faulted request never reaches the rate limiter, so it uses up no allowance.
    app.add_middleware(RateLimitMiddleware, limiter=state.rate_limiter, settings=lambda: state.settings)
    app.add_middleware(FaultMiddleware, injector=state.faults, settings=lambda: state.settings)
    app.add_middleware(RequestContextMiddleware, router=app.router, state=state)
    return app
