"""Per-request context: the request id and the correlation id, readable anywhere in the request.

The request middleware of :func:`purna_shared.http.app.create_service_app` sets them (a CLI
command or a test may too); log lines pick them up, and a unit of work opened for a request
reads :func:`current_correlation_id` so the events the request causes carry its id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("purna_request_id", default=None)
_correlation_id: ContextVar[str | None] = ContextVar("purna_correlation_id", default=None)

# Ids come from clients and end up in logs and events: accept only short, plain tokens so a
# header can't inject log lines or smuggle personal data.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return _request_id.get()


def current_correlation_id() -> str | None:
    """The correlation id of the request being handled (its ``X-Correlation-ID``, else its
    request id), or None outside a request."""
    return _correlation_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def safe_id(value: str | None) -> str | None:
    """``value`` if it is an acceptable client-supplied id, else None."""
    if value and _SAFE_ID.fullmatch(value):
        return value
    return None


@contextmanager
def request_context(request_id: str, correlation_id: str | None = None) -> Iterator[None]:
    """Bind the ids for the duration of the block (a request, a CLI command, a test)."""
    request_token = _request_id.set(request_id)
    correlation_token = _correlation_id.set(correlation_id or request_id)
    try:
        yield
    finally:
        _correlation_id.reset(correlation_token)
        _request_id.reset(request_token)
