"""The request context moved to :mod:`purna_shared.context` (messaging reads it too, and
messaging must not depend on the HTTP package); this name stays for existing imports."""

from ..context import (
    current_correlation_id,
    current_request_id,
    new_request_id,
    request_context,
    safe_id,
)

__all__ = [
    "current_correlation_id",
    "current_request_id",
    "new_request_id",
    "request_context",
    "safe_id",
]
