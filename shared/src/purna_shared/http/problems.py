"""RFC 9457 ``application/problem+json`` for every error a Purna API returns.

Endpoints raise :class:`ProblemError` (domain errors are plain exceptions that the entrypoint
maps to one); :func:`install_problem_handlers` turns it, FastAPI's validation errors, HTTP
exceptions and anything unexpected into a problem document::

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "2 fields are invalid", "instance": "/participants", "request_id": "…",
     "errors": [{"field": "address.regency_code", "in": "body", "message": "…"}]}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..context import current_request_id
from ..errors import PurnaError
from ..outages import RETRY_AFTER_SECONDS, is_out_of_range, is_outage

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """One invalid input."""

    field: str = Field(description="dotted path, e.g. `address.regency_code`; `` for the body")
    message: str = Field(description="what is wrong, in English")
    in_: str | None = Field(
        None, alias="in", description="where the input is: body, query, path, header, cookie"
    )
    type: str | None = Field(None, description="machine-readable error type")

    model_config = ConfigDict(populate_by_name=True)


class Problem(BaseModel):
    """An RFC 9457 problem document (documents the error responses in OpenAPI)."""

    type: str = Field("about:blank", description="URI identifying the problem type")
    title: str = Field(description="short summary of the problem type")
    status: int = Field(description="HTTP status code")
    detail: str | None = Field(None, description="explanation of this occurrence")
    instance: str | None = Field(None, description="the request path")
    request_id: str | None = Field(None, description="quote this when reporting a problem")
    errors: list[FieldError] | None = Field(None, description="invalid fields, if any")

    model_config = ConfigDict(extra="allow")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ProblemError(Exception):
    """Raise to answer with a problem document.

    ``extensions`` become extra members of the document (e.g. ``required_roles=[...]``).
    """

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        type_: str | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        self.status = status
        self.title = title or _phrase(status)
        self.detail = detail
        self.type = type_ or "about:blank"
        self.errors = [dict(e) for e in errors] if errors is not None else None
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(f"{status} {self.title}" + (f": {detail}" if detail else ""))

    def document(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            body["detail"] = self.detail
        body["instance"] = instance
        body["request_id"] = current_request_id()
        if self.errors is not None:
            body["errors"] = self.errors
        for key, value in self.extensions.items():
            body.setdefault(key, value)
        return body

    def response(self, request: Request | None = None) -> JSONResponse:
        instance = request.url.path if request is not None else None
        return problem_response(self, instance)


def problem_response(problem: ProblemError, instance: str | None) -> JSONResponse:
    return JSONResponse(
        problem.document(instance),
        status_code=problem.status,
        headers=problem.headers or None,
        media_type=PROBLEM_JSON,
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # pydantic's own error entries echo the input back: never do that (it may be a NIK).
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else None
        path = loc[1:] if where else loc
        errors.append(
            {
                "field": ".".join(path),
                "in": where,
                "message": str(error.get("msg", "invalid")),
                "type": error.get("type"),
            }
        )
    return errors


def validation_problem(exc: RequestValidationError, request: Request) -> ProblemError:
    """The problem for a request FastAPI could not parse or validate."""
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        # FastAPI reports a JSON syntax error as a validation error at ("body", position).
        error = next(e for e in raw if e.get("type") == "json_invalid")
        position = error.get("loc", ("body", "?"))[-1]
        reason = (error.get("ctx") or {}).get("error", "invalid JSON")
        return ProblemError(
            400,
            "Malformed JSON",
            f"The request body is not valid JSON: {reason} at position {position}.",
        )
    content_type = request.headers.get("content-type", "")
    body_as_a_whole = [e for e in raw if tuple(e.get("loc", ())) == ("body",)]
    if body_as_a_whole and content_type and "json" not in content_type.lower():
        return ProblemError(
            415,
            "Unsupported Media Type",
            f"Send the body as application/json, not {content_type.split(';')[0]}.",
        )
    errors = _field_errors(exc)
    return ProblemError(
        422,
        "Unprocessable Content",
        f"{len(errors)} invalid field{'s' if len(errors) != 1 else ''}: "
        + ", ".join(e["field"] or e["in"] or "?" for e in errors),
        errors=errors,
    )


async def _problem_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return exc.response(request)


async def _validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(exc, request).response(request)


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    problem = ProblemError(exc.status_code, title, detail, headers=exc.headers)
    return problem.response(request)


def unexpected_error_problem(exc: BaseException) -> ProblemError:
    """The answer to an exception nobody mapped: 503 with ``Retry-After`` when a dependency is
    unavailable, starting, failing over or saturated (see :mod:`purna_shared.outages`), so
    clients retry; 422 when a value of the request overflowed a computation or a column; 500
    for everything else."""
    if is_outage(exc):
        return ProblemError(
            503,
            "Service Unavailable",
            "A service this request needs is unavailable or busy; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if is_out_of_range(exc):
        # e.g. an offset past PostgreSQL's bigint, a date near 9999-12-31 plus a term: the
        # request's values, not the service, are at fault; which value is not echoed back
        return ProblemError(
            422,
            "Unprocessable Content",
            "A number or date in the request is outside the range this service can handle.",
        )
    return internal_error_problem()


def internal_error_problem() -> ProblemError:
    """The 500 problem: says nothing about the cause, only how to report it."""
    request_id = current_request_id()
    return ProblemError(
        500,
        "Internal Server Error",
        "An unexpected error occurred"
        + (f"; quote request id {request_id} when reporting it." if request_id else "."),
    )


async def _unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # Normally the request middleware answers first; this covers errors outside it.
    log.error(
        "unhandled error in %s %s",
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return unexpected_error_problem(exc).response(request)


def problem_of(exc: PurnaError) -> ProblemError:
    """The problem document of a refusal from the shared hierarchy."""
    return ProblemError(
        exc.status,
        exc.title,
        exc.detail or None,
        errors=exc.errors,
        headers=exc.headers,
        **exc.extensions,
    )


async def _purna_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PurnaError)
    return problem_of(exc).response(request)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error response of ``app`` a problem document."""
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(PurnaError, _purna_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, _unexpected_error_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem answers for ``statuses``
    (``create_service_app`` lists them as ``application/problem+json``)."""
    return {status: {"model": Problem, "description": _phrase(status)} for status in statuses}
