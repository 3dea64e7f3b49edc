"""Offset pagination, the one way every list answers: ``{"items", "total", "limit", "offset"}``.

A list endpoint takes ``limit: Limit = 50, offset: Offset = 0`` and returns ``Page[ItemOut]``.
A service that has always bounded its parameters differently keeps its bounds with
``Annotated[int, limit_query(maximum=...)]`` / ``offset_query(maximum=...)``: the bounds are
part of its HTTP contract. To give the page a name of its own in the OpenAPI document,
subclass it: ``class SessionList(Page[SessionOut]): ...``.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Matching items in all pages")
    limit: int
    offset: int


def limit_query(maximum: int = MAX_LIMIT) -> Any:
    """The ``limit`` query parameter: a page size from 1 to ``maximum``."""
    return Query(ge=1, le=maximum, description="Page size")


def offset_query(maximum: int = MAX_OFFSET) -> Any:
    """The ``offset`` query parameter: items to skip, from 0 to ``maximum``. Always bounded:
    PostgreSQL's OFFSET is a bigint, and a larger value would fail as a 500."""
    return Query(ge=0, le=maximum, description="Items to skip")


Limit = Annotated[int, limit_query()]
Offset = Annotated[int, offset_query()]
