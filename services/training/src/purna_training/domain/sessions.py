"""Village training sessions: their days, their life cycle, and when they may close."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from purna_shared.reference import Zone, office_zone, regency_zone

from .errors import (
    InvalidScheduleError,
    InvalidTransitionError,
    SessionClosedError,
    SessionNotOverError,
)
from .programmes import CompletionRule
from .rules import MAX_CAPACITY, MAX_SESSION_DAYS


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Enrolments, attendance and assessments are still being taken."""
        return self in (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)


#: scheduled -> in_progress (first attendance) -> completed; cancelled from either open state
_TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.SCHEDULED: frozenset({SessionStatus.IN_PROGRESS, SessionStatus.CANCELLED}),
    SessionStatus.IN_PROGRESS: frozenset({SessionStatus.COMPLETED, SessionStatus.CANCELLED}),
    SessionStatus.COMPLETED: frozenset(),
    SessionStatus.CANCELLED: frozenset(),
}


def transition(current: SessionStatus, target: SessionStatus) -> SessionStatus:
    """The state after moving ``current`` to ``target``; raise if the move is not allowed."""
    if target not in _TRANSITIONS[current]:
        raise InvalidTransitionError(current.value, target.value)
    return target


def ensure_open(status: SessionStatus, action: str) -> None:
    if not status.is_open:
        raise SessionClosedError(status.value, action)


@dataclass(frozen=True, slots=True)
class SessionDays:
    """The calendar days a session runs, first to last inclusive, as dates in the session's own
    zone (see :func:`session_zone`). Every calendar day in between is a session day: village
    trainings run on consecutive days."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidScheduleError("end_date", "the last day is before the first day")
        if self.count > MAX_SESSION_DAYS:
            raise InvalidScheduleError(
                "end_date", f"a session runs at most {MAX_SESSION_DAYS} days, not {self.count}"
            )

    @classmethod
    def starting(cls, first: date, days: int) -> SessionDays:
        return cls(first, first + timedelta(days=days - 1))

    @property
    def count(self) -> int:
        return (self.last - self.first).days + 1

    def __iter__(self) -> Iterator[date]:
        return (self.first + timedelta(days=n) for n in range(self.count))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def overlaps(self, other: SessionDays) -> bool:
        return self.first <= other.last and other.first <= self.last


def check_capacity(capacity: int) -> int:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidScheduleError("capacity", f"capacity must be 1-{MAX_CAPACITY} seats")
    return capacity


def ensure_can_complete(days: SessionDays, today: date, zone: Zone | None = None) -> None:
    """A session may be completed from its last day on (``today`` in the session's zone):
    trainers close it at the end of the last day, once its attendance is in."""
    if today < days.last:
        raise SessionNotOverError(days.last, today, zone)


@dataclass(frozen=True, slots=True)
class TrainingSession:
    """A village training of one programme, run by one BP3MI office."""

    id: str
    programme_code: str
    office: str
    village: str
    district: str
    regency_code: str
    venue: str
    days: SessionDays
    capacity: int
    trainer: str
    status: SessionStatus
    rule: CompletionRule
    arrivals: int
    created_at: datetime
    created_by: str
    completed_at: datetime | None = None
    completed_by: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None

    @property
    def zone(self) -> Zone:
        return session_zone(self.regency_code, self.office)


def session_zone(regency_code: str, office: str) -> Zone:
    """The zone whose calendar a session keeps: that of the regency where it is held (a Jawa
    Timur village keeps western Indonesian time whatever the server's zone), else its office's."""
    return regency_zone(regency_code) or office_zone(office)


def session_day_at(days: SessionDays, zone: Zone, moment: datetime) -> date | None:
    """The session day ``moment`` (aware) falls on in the session's zone, or None when it is
    on no session day (23:30 local time on the last day is still that day; 00:30 the next
    morning is not)."""
    day = zone.local_date(moment)
    return day if day in days else None
