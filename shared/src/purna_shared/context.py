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

# Ids come from clients and end up in logs and in every event a request causes (as its
# ``correlationid``, spreading to other streams): accept only the shapes ids are minted in, a
# canonical UUID or a ULID, so a header can neither inject log lines nor carry personal data (a
# NIK is 16 digits; a canonical UUID never has more than 12 in a row).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}")
_LONG_DIGITS = re.compile(r"\d{13}")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return _request_id.get()


def current_correlation_id() -> str | None:
    """The correlation id of the request being handled (its ``X-Correlation-ID``, else its
    request id), or None outside a request."""
    return _correlation_id.get()


def new_request_id() -> str:
    """A server-minted id: a canonical (hyphenated) random UUID."""
    return str(uuid.uuid4())


def safe_id(value: str | None) -> str | None:
    """``value`` if it is an acceptable client-supplied id (a canonical UUID, or a ULID with no
    long run of digits), else None: the caller then mints its own."""
    if not value:
        return None
    if _UUID.fullmatch(value):
        return value.lower()
    if _ULID.fullmatch(value) and not _LONG_DIGITS.search(value):
        return value.upper()
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
