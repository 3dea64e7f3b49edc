"""Enrolling in a session, cancelling, and promoting from the waitlist.

Every use case here first locks the session row: enrolments of one session queue on it, so
seats never exceed capacity and arrival numbers (hence the waitlist) follow the order in which
requests got the lock. Participant rows are locked after the session, sorted by id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from purna_shared.contracts.events import EnrollmentCancelled, ParticipantEnrolled

from ..domain.enrollment import (
    Enrollment,
    EnrollmentStatus,
    choose_promotions,
    ensure_may_enrol,
    place_for_newcomer,
    waitlist_position,
)
from ..domain.errors import NotEnrolledError
from ..domain.programmes import Programme
from ..domain.sessions import TrainingSession, ensure_open
from .sessions import Authorize, load_session, programme_of
from .unit_of_work import TrainingUnitOfWork


@dataclass(frozen=True, slots=True)
class EnrolmentResult:
    enrollment: Enrollment
    #: 1-based waitlist place when waitlisted
    position: int | None
    #: False when the participant already held this enrolment (nothing changed)
    created: bool


@dataclass(frozen=True, slots=True)
class CancellationResult:
    enrollment: Enrollment
    promoted_participant_id: str | None
    #: False when the enrolment was already cancelled (nothing changed)
    changed: bool


async def position_of(uow: TrainingUnitOfWork, enrollment: Enrollment) -> int | None:
    if enrollment.status is not EnrollmentStatus.WAITLISTED:
        return None
    waitlist = await uow.repo.waitlist(enrollment.session_id)
    return waitlist_position(enrollment.arrival, [w.arrival for w in waitlist])


async def enrol(
    uow: TrainingUnitOfWork, session_id: str, participant_id: str, *, authorize: Authorize
) -> EnrolmentResult:
    """A seat while seats remain, else a place at the end of the waitlist. Enrolling again
    while enrolled or waiting returns the enrolment as it is."""
    repo = uow.repo
    session = await load_session(uow, session_id, authorize, lock=True)
    ensure_open(session.status, "enrolment")
    existing = await repo.enrollment(session.id, participant_id)
    if existing is not None and existing.status.is_active:
        return EnrolmentResult(existing, await position_of(uow, existing), created=False)

    participant = await repo.participant(participant_id, lock=True)
    seated = await repo.seats_on_overlapping_days(
        [participant_id], session.days, excluding=session.id
    )
    ensure_may_enrol(participant_id, participant, seated.get(participant_id))

    counts = (await repo.seat_counts([session.id]))[session.id]
    status = place_for_newcomer(session.capacity, counts.enrolled, counts.waitlisted)
    arrival = session.arrivals + 1
    await repo.save_session_state(replace(session, arrivals=arrival))
    enrollment = Enrollment(
        session_id=session.id,
        participant_id=participant_id,
        status=status,
        arrival=arrival,
        enrolled_at=uow.now,
    )
    if existing is None:
        await repo.add_enrollment(enrollment)
    else:  # enrolling again after a cancellation: back of the queue, like any newcomer
        await repo.save_enrollment(enrollment)
    position = counts.waitlisted + 1 if status is EnrollmentStatus.WAITLISTED else None
    programme = await programme_of(uow, session.programme_code)
    await uow.emit(_enrolled_event(uow, session, programme, enrollment, position))
    return EnrolmentResult(enrollment, position, created=True)


async def cancel_enrolment(
    uow: TrainingUnitOfWork,
    session_id: str,
    participant_id: str,
    *,
    reason: str | None,
    authorize: Authorize,
) -> CancellationResult:
    """Cancel an enrolment or a waitlist place; a freed seat goes to the first waitlisted.
    Cancelling a cancelled enrolment again changes nothing."""
    session = await load_session(uow, session_id, authorize, lock=True)
    enrollment = await uow.repo.enrollment(session.id, participant_id)
    if enrollment is None:
        raise NotEnrolledError([participant_id])
    if enrollment.status is EnrollmentStatus.CANCELLED:
        return CancellationResult(enrollment, None, changed=False)
    ensure_open(session.status, "cancelling an enrolment")
    return await withdraw_from_session(uow, session, enrollment, reason=reason)


async def withdraw_from_session(
    uow: TrainingUnitOfWork, session: TrainingSession, enrollment: Enrollment, *, reason: str | None
) -> CancellationResult:
    """Cancel ``enrollment`` of the (locked, open) ``session`` and fill the seat it frees."""
    cancelled = replace(
        enrollment,
        status=EnrollmentStatus.CANCELLED,
        cancelled_at=uow.now,
        cancel_reason=reason,
    )
    await uow.repo.save_enrollment(cancelled)
    promoted: list[Enrollment] = []
    if enrollment.status is EnrollmentStatus.ENROLLED:
        promoted = await _fill_free_seats(uow, session)
    await uow.emit(
        EnrollmentCancelled(
            session_id=session.id,
            participant_id=enrollment.participant_id,
            reason=reason,
            promoted_participant_id=promoted[0].participant_id if promoted else None,
            cancelled_at=uow.now,
        )
    )
    if promoted:
        programme = await programme_of(uow, session.programme_code)
        for seat in promoted:
            await uow.emit(_enrolled_event(uow, session, programme, seat, None))
    return CancellationResult(
        cancelled, promoted[0].participant_id if promoted else None, changed=True
    )


async def _fill_free_seats(uow: TrainingUnitOfWork, session: TrainingSession) -> list[Enrollment]:
    """Promote waitlisted participants, first come first served, into the free seats."""
    repo = uow.repo
    waitlist = await repo.waitlist(session.id)
    counts = (await repo.seat_counts([session.id]))[session.id]
    if not waitlist or counts.enrolled >= session.capacity:
        return []
    waiting_ids = [w.participant_id for w in waitlist]
    # Locked so that none of them takes an overlapping seat elsewhere while we decide.
    await repo.lock_participants(waiting_ids)
    seated = await repo.seats_on_overlapping_days(waiting_ids, session.days, excluding=session.id)
    records = await repo.participants(waiting_ids)
    passed_over = set(seated) | {
        pid for pid in waiting_ids if pid not in records or not records[pid].consent_granted
    }
    promoted: list[Enrollment] = []
    for participant_id in choose_promotions(
        session.capacity, counts.enrolled, waitlist, passed_over
    ):
        current = await repo.enrollment(session.id, participant_id)
        assert current is not None
        seat = replace(current, status=EnrollmentStatus.ENROLLED, promoted_at=uow.now)
        await repo.save_enrollment(seat)
        promoted.append(seat)
    return promoted


def _enrolled_event(
    uow: TrainingUnitOfWork,
    session: TrainingSession,
    programme: Programme,
    enrollment: Enrollment,
    position: int | None,
) -> ParticipantEnrolled:
    return ParticipantEnrolled(
        session_id=session.id,
        participant_id=enrollment.participant_id,
        status=enrollment.status.value,
        position=position,
        programme_name=programme.name,
        start_date=session.days.first,
        end_date=session.days.last,
        village=session.village,
        venue=session.venue,
        enrolled_at=uow.now,
    )
