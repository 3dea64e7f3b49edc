"""Errors of the credit use cases: the shared hierarchy (one handler answers them)."""

from __future__ import annotations

from purna_shared.errors import ConflictError, ForbiddenError, NotFoundError

__all__ = ["ConflictError", "ForbiddenError", "NotFoundError"]
