"""Time as a dependency: one clock protocol, the system clock, a fixed one for tests, and the
date people see.

Times are stored in UTC. NTB keeps WITA (``Asia/Makassar``, UTC+8, no daylight saving): a
date a person reads (a session day, a deadline, "today") is the date in that zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

#: NTB's zone, the default for the dates people see
WITA: Final = ZoneInfo("Asia/Makassar")


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


def local_date(moment: datetime, zone: ZoneInfo = WITA) -> date:
    """The date of ``moment`` as people in ``zone`` see it."""
    return moment.astimezone(zone).date()
