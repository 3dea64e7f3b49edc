"""The one way a Purna service builds its FastAPI app.

``create_service_app`` gives every API the same behaviour: problem+json errors, request and
correlation ids, Prometheus metrics on ``/metrics``, ``/livez`` and ``/readyz``, bearer auth
(``app.state.token_verifier``) and OpenAPI at ``/docs`` with a working Authorize button.

Database engine, sessionmaker and Redis are opened by a lifespan (nothing at import time) and
placed on ``app.state`` (``resources``, ``engine``, ``sessionmaker``, ``redis``)::

    def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
        settings = settings or RegistrationSettings()
        return create_service_app(settings, title="Registration", version=__version__,
                                  routers=[participants.router])

    def main() -> None:
        settings = RegistrationSettings()
        serve(create_app(settings), settings)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    ProcessCollector,
    generate_latest,
)
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..context import new_request_id, request_context, safe_id
from ..db import make_engine, make_sessionmaker
from ..settings import PurnaSettings
from ..unit_of_work import UnitOfWork, UnitOfWorkFactory
from .auth import TokenVerifier
from .limits import BodyLimitMiddleware
from .problems import (
    PROBLEM_JSON,
    ProblemError,
    install_problem_handlers,
    problem_response,
    problem_responses,
    unexpected_error_problem,
)
from .security import SecurityMiddleware

log = logging.getLogger("purna_shared.http")

#: error answers every service route may give (documented in OpenAPI as problem+json)
SERVICE_ROUTE_PROBLEMS = problem_responses(400, 401, 403, 413, 415, 422, 500, 503)
_HEALTH_PATHS = frozenset({"/livez", "/readyz", "/metrics"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass
class ServiceResources:
    """What an API process holds open while it runs (subclass to add a service's own)."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis


ResourcesFactory = Callable[[PurnaSettings], AbstractAsyncContextManager[ServiceResources]]


@asynccontextmanager
async def open_service_resources(settings: PurnaSettings) -> AsyncIterator[ServiceResources]:
    """The default resources: the service's database and Redis, closed on shutdown."""
    engine = make_engine(settings.resolved_database_url, **settings.engine_options)
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        yield ServiceResources(engine=engine, sessionmaker=make_sessionmaker(engine), redis=redis)
    finally:
        await redis.aclose()
        await engine.dispose()


class HttpMetrics:
    """Request count and latency on the app's own registry (several apps can share a
    process, as in tests)."""

    def __init__(self, registry: CollectorRegistry, *, service: str, version: str) -> None:
        self.registry = registry
        self.requests = Counter(
            "http_requests",
            "HTTP requests handled",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to handle an HTTP request",
            ["method", "route", "status"],
            registry=registry,
        )
        Info("purna_service", "The running service", registry=registry).info(
            {"service": service, "version": version}
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method if method in _METHODS else "OTHER", route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)


def _route_template(scope: Scope) -> str:
    # FastAPI puts the matched route in the scope; its template keeps label cardinality (and
    # ids, which may be personal) out of metrics and logs.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "<unmatched>"


class RequestMiddleware:
    """Request/correlation ids, metrics, one log line per request, and the 500 problem for
    anything unexpected (logged with its traceback, masked by the log formatter)."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = safe_id(headers.get("x-request-id")) or new_request_id()
        correlation_id = safe_id(headers.get("x-correlation-id")) or request_id
        status = 500
        started = False

        async def send_with_ids(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-ID"] = request_id
                if correlation_id != request_id:
                    response_headers["X-Correlation-ID"] = correlation_id
            await send(message)

        began = time.perf_counter()
        with request_context(request_id, correlation_id):
            try:
                await self.app(scope, receive, send_with_ids)
            except Exception as exc:
                log.exception(
                    "unhandled error",
                    extra={"method": scope["method"], "route": _route_template(scope)},
                )
                if started:
                    raise
                problem = unexpected_error_problem(exc)
                status = problem.status
                response = problem_response(problem, scope.get("path"))
                await response(scope, receive, send_with_ids)
            finally:
                elapsed = time.perf_counter() - began
                route = _route_template(scope)
                self.metrics.observe(scope["method"], route, status, elapsed)
                log.log(
                    logging.DEBUG if scope.get("path") in _HEALTH_PATHS else logging.INFO,
                    "%s %s %d",
                    scope["method"],
                    route,
                    status,
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )


async def _check(probe: Callable[[], Awaitable[object]], limit_seconds: float) -> str:
    try:
        await asyncio.wait_for(probe(), limit_seconds)
    except TimeoutError:
        return "timed out"
    except Exception as exc:
        log.warning("readiness check failed: %s", exc)
        # The detail goes to the log only: /readyz is unauthenticated.
        return f"failed: {type(exc).__name__}"
    return "ok"


def _health_router(readiness_timeout: float) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/livez", summary="Liveness: the process answers")
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: Redis and the database answer",
        responses=problem_responses(503),
    )
    async def readyz(request: Request) -> JSONResponse:
        resources: ServiceResources | None = getattr(request.app.state, "resources", None)
        if resources is None:
            raise ProblemError(
                503,
                "Service Unavailable",
                "Not started yet.",
                checks={"redis": "not open", "database": "not open"},
            )

        async def select_one() -> None:
            async with resources.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        redis_state, database_state = await asyncio.gather(
            _check(lambda: cast("Awaitable[bool]", resources.redis.ping()), readiness_timeout),
            _check(select_one, readiness_timeout),
        )
        checks = {"redis": redis_state, "database": database_state}
        # e.g. a worker's consumer: outages it waits out, consumer groups it had to recreate
        details = {
            name: detail()
            for name, detail in getattr(request.app.state, "readiness_details", {}).items()
        }
        failed = [name for name, state in checks.items() if state != "ok"]
        if failed:
            raise ProblemError(
                503,
                "Service Unavailable",
                f"Not ready: {', '.join(failed)} unreachable.",
                headers={"Retry-After": "5"},
                checks=checks,
                **details,
            )
        return JSONResponse({"status": "ok", "checks": checks, **details})

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        registry: CollectorRegistry = request.app.state.metrics_registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def _problem_json_openapi(app: FastAPI) -> None:
    """List error responses as ``application/problem+json`` (FastAPI says application/json)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(code)[:1] in ("4", "5") and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_service_app(
    settings: PurnaSettings,
    *,
    title: str,
    version: str,
    routers: Sequence[APIRouter] = (),
    lifespan_resources: ResourcesFactory = open_service_resources,
    description: str = "",
    readiness_timeout: float = 2.0,
    unit_of_work: UnitOfWorkFactory[Any] | None = None,
) -> FastAPI:
    """Build a service's API app.

    ``unit_of_work`` (from the service's ``bootstrap.py``) is what the transaction seam
    (:mod:`purna_shared.http.transaction`) opens for each use case; the plain
    :class:`~purna_shared.unit_of_work.UnitOfWork` when not given.

    ``lifespan_resources(settings)`` is entered at startup and must yield the
    :class:`ServiceResources` (a service wraps :func:`open_service_resources` to add its own,
    e.g. run migrations first; tests pass theirs). Every route of ``routers`` should require a
    role (``purna_shared.http.auth``); health, metrics and docs are open.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan_resources(settings) as resources:
            app.state.resources = resources
            app.state.engine = resources.engine
            app.state.sessionmaker = resources.sessionmaker
            app.state.redis = resources.redis
            try:
                yield
            finally:
                app.state.resources = None

    # Swagger UI's files come from the service, not a CDN: offices with poor connections, or
    # networks that block CDNs, still get /docs.
    app = FastAPIOffline(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-assets",
        swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
    )
    app.state.settings = settings
    app.state.resources = None
    app.state.unit_of_work = unit_of_work or UnitOfWorkFactory(UnitOfWork, settings.service)
    app.state.token_verifier = TokenVerifier(settings)
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    app.state.metrics_registry = registry  # services may register their own metrics here
    # Innermost: security headers, no redirect to the Host, duplicate JSON keys refused (it reads
    # JSON bodies whole, so it sits inside the body limit below).
    app.add_middleware(SecurityMiddleware)
    # inside the request middleware (added first: Starlette wraps the last added outermost):
    # refuses an oversized body before a route parses it (413, see .limits)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.http_max_body_bytes)
    app.add_middleware(
        RequestMiddleware, metrics=HttpMetrics(registry, service=settings.service, version=version)
    )
    install_problem_handlers(app)
    app.include_router(_health_router(readiness_timeout))
    for router in routers:
        app.include_router(router, responses=SERVICE_ROUTE_PROBLEMS)
    _problem_json_openapi(app)
    return app


def serve(app: FastAPI, settings: PurnaSettings) -> None:
    """Run ``app`` with uvicorn on the settings' host and port, logging through
    :func:`purna_shared.logging.configure_logging`."""
    import uvicorn

    from ..logging import configure_logging
    from ..secrets import ensure_no_development_secrets

    configure_logging(settings)
    ensure_no_development_secrets(settings)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,  # keep our masked handlers
        access_log=False,  # RequestMiddleware logs each request by route template
        proxy_headers=True,
    )
