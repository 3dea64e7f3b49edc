"""Seats and the waitlist: who may enrol, who gets a seat, who is promoted.

Arrival order is the order in which enrolments took the session's lock; each gets the next
``arrival`` number of its session, so the waitlist is served strictly first come, first served.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import ConsentWithdrawnError, OverlappingSeatError, ParticipantNotKnownError
from .participants import ParticipantRecord


class EnrollmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        return self is not EnrollmentStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class Enrollment:
    session_id: str
    participant_id: str
    status: EnrollmentStatus
    arrival: int
    enrolled_at: datetime
    promoted_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Waiting:
    """A waitlisted participant and their arrival number in the session."""

    participant_id: str
    arrival: int


def same_office(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def ensure_may_enrol(
    participant_id: str,
    participant: ParticipantRecord | None,
    overlapping_seat_session_id: str | None,
    *,
    session_office: str | None = None,
) -> None:
    """Refuse participants training cannot take: not registered yet, registered by another
    BP3MI office than the session's, consent withdrawn, or already seated in a session on
    overlapping days.

    Another office's participant is refused exactly like an unknown one: enrolling them would
    tell the operator they exist, send them a message from an office they never dealt with, and
    put their name on this office's roster (UU PDP). A move between offices is a transfer their
    own office makes in registration, after which the participant belongs to the new office."""
    if participant is None or not participant.registered:
        raise ParticipantNotKnownError(participant_id)
    if session_office is not None and not same_office(participant.office, session_office):
        raise ParticipantNotKnownError(participant_id)
    if not participant.consent_granted:
        raise ConsentWithdrawnError(participant_id)
    if overlapping_seat_session_id is not None:
        raise OverlappingSeatError(participant_id, overlapping_seat_session_id)


def place_for_newcomer(capacity: int, enrolled: int, waitlisted: int) -> EnrollmentStatus:
    """A seat while one is free and nobody waits; otherwise the end of the waitlist (a
    newcomer never overtakes someone already waiting)."""
    if enrolled < capacity and waitlisted == 0:
        return EnrollmentStatus.ENROLLED
    return EnrollmentStatus.WAITLISTED


def waitlist_position(arrival: int, waitlist_arrivals: Collection[int]) -> int:
    """1-based place on the waitlist of the participant who arrived as ``arrival``."""
    return 1 + sum(1 for other in waitlist_arrivals if other < arrival)


def choose_promotions(
    capacity: int,
    enrolled: int,
    waitlist: Sequence[Waiting],
    passed_over: Collection[str] = (),
) -> list[str]:
    """Who moves from the waitlist to the free seats, first come first served. Those in
    ``passed_over`` (meanwhile seated in an overlapping session) keep waiting."""
    free = max(0, capacity - enrolled)
    ordered = sorted(waitlist, key=lambda w: w.arrival)
    eligible = [w.participant_id for w in ordered if w.participant_id not in passed_over]
    return eligible[:free]
