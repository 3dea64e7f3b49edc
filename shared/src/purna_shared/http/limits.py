"""The request body limit every Purna API applies before anything reads the body.

A JSON body larger than ``http_max_body_bytes`` (1 MiB by default; the largest legitimate
body, an allocation with every province and bank, is under 10 KB) is refused with 413 as
soon as its ``Content-Length`` says so, or as soon as the bytes streamed exceed it: a client
can't make an API parse a 600,000-entry document. File uploads (``multipart/form-data``) are
spooled to disk under their route's own limit (e.g. ``REGISTRATION_IMPORT_MAX_BYTES``).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import ProblemError, problem_response


class BodyTooLargeError(StarletteHTTPException):
    """Raised while the body streams in: an HTTP exception, so that FastAPI's body parsing
    re-raises it (it turns other errors into 400) and the problem handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


def _too_large(limit: int) -> ProblemError:
    return ProblemError(413, "Content Too Large", f"The request body is larger than {limit} bytes.")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").lower().startswith("multipart/form-data"):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await problem_response(_too_large(self.max_bytes), scope.get("path"))(
                scope, receive, send
            )
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:
                raise
            await problem_response(_too_large(self.max_bytes), scope.get("path"))(
                scope, receive, send
            )
