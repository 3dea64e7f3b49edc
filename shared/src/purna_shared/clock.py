"""Time as a dependency: one clock protocol, the system clock, a fixed one for tests, and the
date people see.

Times are stored in UTC. A date a person reads (a session day, a deadline, "today") is the date
in the zone of the place it concerns (``purna_shared.reference``: a session's regency, a
recipient's province, an assessing office); ``HOME_ZONE`` is only the default of a unit of work
that has no place of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final, Protocol

from .reference import office_zone

#: The seed's home office (BP3MI NTB, where the programme started) gives the default zone
HOME_ZONE: Final = office_zone("NTB").tz


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to (tests, simulations): set ``moment`` or
    :meth:`advance` it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    @property
    def moment(self) -> datetime:
        return self._moment

    @moment.setter
    def moment(self, value: datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("a fixed clock needs an aware datetime")
        self._moment = value.astimezone(UTC)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, by: timedelta) -> None:
        self._moment += by


class CallableClock:
    """A clock read from a function (a test's ``lambda: world.now``)."""

    def __init__(self, read: Callable[[], datetime]) -> None:
        self._read = read

    def now(self) -> datetime:
        return self._read()


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime, zone: tzinfo = HOME_ZONE) -> date:
    """The date of ``moment`` as people in ``zone`` see it."""
    return moment.astimezone(zone).date()
