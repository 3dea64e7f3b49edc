"""HTTP hardening every Purna API shares (issue 15, item 13).

:class:`SecurityMiddleware` (installed by ``create_service_app``):

* **No redirect built from the Host header.** Starlette's trailing-slash redirect (and any other
  absolute ``Location``) names the host the client sent, so a forged ``Host`` turned a redirect
  into ``http://evil.example/...``. Every absolute ``Location`` leaves as a path on this server.
* **Security headers** on every response: ``nosniff``, no framing, no referrer, a CSP that
  allows nothing (the interactive docs excepted, which load Swagger UI).
* **``Cache-Control: no-store``** on every response that does not set its own: API answers carry
  personal data, and no shared or browser cache should keep them.
* **Duplicate JSON keys refused.** ``{"amount": 1, "amount": 100}`` is parsed last-wins by
  Python, first-wins by other parsers: a proxy, a log or a signature could see another value
  than the service. A JSON body with a repeated key is a 422 naming the key (when it looks like
  a field name; otherwise its position only, as a key may be anything a client typed).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import ProblemError, problem_response

#: headers set on every response unless the endpoint set its own
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: the Swagger UI page loads its script and styles from a CDN and runs an inline initialiser
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_DOCS_PATHS = ("/docs", "/redoc")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKeyError(key)
        seen[key] = value
    return seen


def duplicate_key(body: bytes) -> str | None:
    """The first key repeated within one JSON object of ``body``, or None (also when the body
    is not JSON: the endpoint's own parsing reports that)."""
    try:
        json.loads(body, object_pairs_hook=_refuse_duplicates)
    except DuplicateKeyError as exc:
        return exc.key
    except ValueError:  # not JSON, not UTF-8: the endpoint answers it
        return None
    return None


def local_location(value: str) -> str:
    """An absolute URL reduced to its path and query on this server."""
    parts = urlsplit(value)  # "//evil.example/x" is scheme-relative: its netloc goes too
    if not parts.scheme and not parts.netloc and not value.startswith("\\"):
        return value
    path = "/" + parts.path.lstrip("/\\")
    return path + (f"?{parts.query}" if parts.query else "")


def _is_json(headers: Headers) -> bool:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class SecurityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        docs = path.startswith(_DOCS_PATHS)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = DOCS_CSP if docs else API_CSP
                if "location" in headers:
                    headers["Location"] = local_location(headers["location"])
            await send(message)

        request_headers = Headers(scope=scope)
        if scope["method"] in _BODY_METHODS and _is_json(request_headers):
            body, more = await _read_body(receive)
            key = duplicate_key(body)
            if key is not None:
                named = f"'{key}'" if _FIELD_NAME.fullmatch(key) else "a key"
                problem = ProblemError(
                    422,
                    "Unprocessable Content",
                    f"The JSON body repeats {named} within one object; send each key once.",
                    errors=[
                        {
                            "field": key if _FIELD_NAME.fullmatch(key) else "",
                            "in": "body",
                            "message": "repeated key in a JSON object",
                            "type": "duplicate_key",
                        }
                    ],
                )
                await problem_response(problem, path)(scope, receive, send_secured)
                return
            receive = _replay(body, receive) if more is None else more
        await self.app(scope, receive, send_secured)


async def _read_body(receive: Receive) -> tuple[bytes, Receive | None]:
    """The whole request body; the second item is a receive to use instead of a replay when the
    client disconnected mid-body (None normally)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":

            async def disconnected(message: Message = message) -> Message:
                return message

            return b"".join(chunks), disconnected
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
