"""One hierarchy of refusals a client can act on, each with its HTTP status.

Domain and service code raise these (they import nothing from FastAPI); the one handler that
``create_service_app`` installs answers each with an RFC 9457 problem document: its status,
title, ``detail``, field ``errors``, headers and extension members. A service subclasses them
to name its cases (``class NotFound(NotFoundError)``); it maps a domain rule's own exception
in its entrypoint only when the answer needs more than this (training's rule codes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class PurnaError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad Request"

    def __init__(
        self,
        detail: str = "",
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})
        self.extensions = extensions


class NotFoundError(PurnaError):
    """Nothing of that kind with that id, or nothing the caller may know exists."""

    status = 404
    title = "Not Found"


class ForbiddenError(PurnaError):
    """The caller may not do this to this resource."""

    status = 403
    title = "Forbidden"


class ConflictError(PurnaError):
    """The request is valid but the resource's state does not allow it now."""

    status = 409
    title = "Conflict"


class PreconditionFailedError(PurnaError):
    """The resource changed since the caller read it (``If-Match``)."""

    status = 412
    title = "Precondition Failed"


class InvalidError(PurnaError):
    """The request breaks a rule about its content; ``errors`` names the fields."""

    status = 422
    title = "Unprocessable Content"
