"""Issue 15 item 12: timestamps in the training API's answers carry their offset, as the
OpenAPI ``date-time`` format requires (SQLite returns them without one)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel

from purna_training.entrypoints.schemas import Instant

pytestmark = pytest.mark.unit


class Answer(BaseModel):
    at: Instant
    maybe: Instant | None = None


def test_a_naive_timestamp_from_sqlite_is_shown_as_utc() -> None:
    answer = Answer(at=dt.datetime(2026, 12, 2, 10, 30), maybe=dt.datetime(2026, 12, 2, 11, 0))
    body = answer.model_dump(mode="json")
    assert body == {"at": "2026-12-02T10:30:00Z", "maybe": "2026-12-02T11:00:00Z"}


def test_an_aware_timestamp_is_normalised_to_utc() -> None:
    wita = dt.timezone(dt.timedelta(hours=8))
    body = Answer(at=dt.datetime(2026, 12, 2, 18, 30, tzinfo=wita)).model_dump(mode="json")
    assert body["at"] == "2026-12-02T10:30:00Z"
