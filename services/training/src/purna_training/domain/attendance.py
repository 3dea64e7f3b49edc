"""Attendance: who was present on which day of a session."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from purna_shared.reference import Zone

from .errors import DayNotYetComeError, NotASessionDayError, NotEnrolledError
from .sessions import SessionDays


def check_attendance(
    days: SessionDays,
    day: date,
    today: date,
    present: Sequence[str],
    enrolled: Collection[str],
    zone: Zone | None = None,
) -> frozenset[str]:
    """The participants present on ``day``, once each. Only a day of the session that has
    come (``today`` is the date in the session's ``zone``), and only participants holding a
    seat in it, may be recorded."""
    if day not in days:
        raise NotASessionDayError(day, days.first, days.last)
    if day > today:
        raise DayNotYetComeError(day, today, zone)
    strangers = [pid for pid in dict.fromkeys(present) if pid not in enrolled]
    if strangers:
        raise NotEnrolledError(strangers)
    return frozenset(present)
