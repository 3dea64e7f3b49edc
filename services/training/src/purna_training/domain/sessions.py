"""Village training sessions: their days, their life cycle, and when they may close."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

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
    """The calendar days a session runs, first to last inclusive (WITA dates). Every calendar
    day in between is a session day: village trainings run on consecutive days."""

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


def ensure_can_complete(days: SessionDays, today: date) -> None:
    """A session may be completed from its last day on (WITA): trainers close it at the end of
    the last day, once its attendance is in."""
    if today < days.last:
        raise SessionNotOverError(days.last, today)


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
