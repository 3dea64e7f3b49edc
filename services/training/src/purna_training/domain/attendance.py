"""Attendance: who was present on which day of a session."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from .errors import DayNotYetComeError, NotASessionDayError, NotEnrolledError
from .sessions import SessionDays


def check_attendance(
    days: SessionDays,
    day: date,
    today: date,
    present: Sequence[str],
    enrolled: Collection[str],
) -> frozenset[str]:
    """The participants present on ``day``, once each. Only a day of the session that has
    come (WITA), and only participants holding a seat in it, may be recorded."""
    if day not in days:
        raise NotASessionDayError(day, days.first, days.last)
    if day > today:
        raise DayNotYetComeError(day, today)
    strangers = [pid for pid in dict.fromkeys(present) if pid not in enrolled]
    if strangers:
        raise NotEnrolledError(strangers)
    return frozenset(present)
