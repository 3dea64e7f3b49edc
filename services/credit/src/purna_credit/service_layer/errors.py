"""Errors of the credit use cases; the API maps them to problem documents."""

from __future__ import annotations


class NotFoundError(Exception):
    """The resource does not exist, or the caller may not know it exists."""


class ConflictError(Exception):
    """The request is valid but the resource's state does not allow it now."""


class ForbiddenError(Exception):
    """The caller may not do this to this resource."""
