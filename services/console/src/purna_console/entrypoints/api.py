"""The console's web app: ``create_app(settings=None) -> FastAPI``; ``main()`` runs uvicorn.

Unlike the four services the console has no database and consumes no stream: it is a client of
their APIs. So it takes the shared request ids, metrics and logging, but not the database and
Redis resources of ``create_service_app``; its ``/readyz`` answers once the app has started
(a service that is down is shown on the pages that need it, never as a console outage).
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from purna_shared.http.app import HttpMetrics, RequestMiddleware, serve
from purna_shared.http.auth import TokenVerifier
from purna_shared.http.context import current_request_id

from .. import __version__
from ..adapters.oidc import OidcSignIn
from ..adapters.services import ApiError, Services, ServiceUnavailableError
from ..settings import ConsoleSettings
from . import credit, dashboard, imports, participants, signin, training
from .web import STATIC_DIR, CsrfRejectedError, SignInRequiredError, csrf_protect, render

log = logging.getLogger(__name__)

#: every asset is the console's own: no CDN (offices' networks are slow or block CDNs)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class SecurityHeaders:
    """Security headers on every answer; ``Cache-Control: no-store`` on everything but the
    static assets, because every page shows personal or scoped data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")
        began = time.perf_counter()

        async def send_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # the server's time for the page (the bench reads it; browsers show it)
                elapsed = (time.perf_counter() - began) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed:.1f}".encode()))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                }
                if static:
                    extra[b"cache-control"] = b"public, max-age=86400"
                else:
                    extra[b"cache-control"] = b"no-store"
                    extra[b"pragma"] = b"no-cache"
                headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                headers += [
                    (k, v) for k, v in extra.items() if k not in names or k == b"cache-control"
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_headers)


_ERROR_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Terjadi kesalahan · Konsol Purna</title><link rel="stylesheet" href="/static/konsol.css">
</head><body><main id="isi"><h1>Terjadi kesalahan</h1>
<div class="alert error" role="alert"><p>Halaman ini tidak dapat ditampilkan karena kesalahan
di Konsol Purna. Coba lagi; bila terulang, laporkan ID permintaan <code>{request_id}</code>.</p>
</div><p><a class="button secondary" href="/beranda">Beranda</a></p></main></body></html>"""


class HtmlErrors:
    """An unexpected error becomes a page in the user's words with the request id, never a
    stack trace (the traceback goes to the log, masked like every log line)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if started:
                raise
            body = _ERROR_PAGE.format(request_id=html.escape(current_request_id() or "-"))
            response = HTMLResponse(body, status_code=500)
            await response(scope, receive, send)


def _install_error_pages(app: FastAPI) -> None:
    async def sign_in_required(request: Request, exc: Exception) -> Response:
        target = "/masuk"
        if request.method == "GET" and request.url.path not in ("/", "/masuk"):
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target += "?lanjut=" + quote(path, safe="")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def csrf_rejected(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "Formulir ditolak",
                "detail": "Formulir ini kedaluwarsa atau tidak berasal dari Konsol Purna. "
                "Muat ulang halaman lalu kirim lagi.",
            },
            status_code=403,
        )

    async def unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceUnavailableError)
        return render(
            request,
            "error.html",
            {
                "title": "Layanan tidak tersedia",
                "detail": f"Bagian ini memerlukan {exc.label}, yang sedang tidak dapat "
                "dihubungi. Bagian lain konsol tetap dapat dipakai; coba lagi sebentar lagi.",
            },
            status_code=503,
        )

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 401:
            request.session.clear()  # the token expired or was revoked: sign in again
            return await sign_in_required(request, exc)
        titles = {403: "Tidak diizinkan", 404: "Tidak ditemukan", 409: "Konflik"}
        return render(
            request,
            "error.html",
            {"title": titles.get(exc.status, "Permintaan ditolak"), "detail": exc.detail},
            status_code=exc.status if 400 <= exc.status < 500 else 502,
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: "Halaman tidak ditemukan", 405: "Metode tidak diizinkan"}
        return render(
            request,
            "error.html",
            {"title": titles.get(exc.status_code, "Kesalahan"), "detail": str(exc.detail)},
            status_code=exc.status_code,
        )

    app.add_exception_handler(SignInRequiredError, sign_in_required)
    app.add_exception_handler(CsrfRejectedError, csrf_rejected)
    app.add_exception_handler(ServiceUnavailableError, unavailable)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def create_app(
    settings: ConsoleSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    settings = settings or ConsoleSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(
            timeout=settings.api_timeout_seconds,
            transport=transport,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        ) as client:
            app.state.services = Services(settings, client)
            app.state.ready = True
            try:
                yield
            finally:
                app.state.ready = False

    app = FastAPI(
        title="Konsol Purna",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.settings = settings
    app.state.ready = False
    app.state.dashboard_cache = {}
    app.state.token_verifier = TokenVerifier(settings)
    app.state.oidc = (
        OidcSignIn(settings) if settings.oidc_issuer and settings.oidc_client_id else None
    )
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    app.state.metrics_registry = registry

    @app.get("/livez", include_in_schema=False)
    async def livez() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        if not request.app.state.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/beranda", status_code=303)

    for router in (
        signin.router,
        dashboard.router,
        participants.router,
        imports.router,
        training.router,
        credit.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_pages(app)
    # Last added is outermost: request ids and metrics, security headers, the error page, the
    # session.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="purna_konsol",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(HtmlErrors)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        RequestMiddleware,
        metrics=HttpMetrics(registry, service=settings.service, version=__version__),
    )
    return app


def main() -> None:
    settings = ConsoleSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
