"""Scheduling, reading and cancelling village sessions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import uuid_utils

from purna_shared.contracts.events import EnrollmentCancelled, SessionScheduled
from purna_shared.contracts.events import Programme as ProgrammeRef

from ..domain.enrollment import EnrollmentStatus
from ..domain.programmes import Programme
from ..domain.sessions import (
    SessionDays,
    SessionStatus,
    TrainingSession,
    check_capacity,
    transition,
)
from .errors import NotFoundError, UnknownProgrammeError
from .unit_of_work import TrainingUnitOfWork

#: the caller's access check, run on the session once it is loaded (and locked)
Authorize = Callable[[TrainingSession], None]

#: the reason an enrolment carries when its whole session is cancelled
SESSION_CANCELLED = "session cancelled"


def allow_all(_: TrainingSession) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ScheduleSession:
    programme_code: str
    office: str
    village: str
    district: str
    regency_code: str
    venue: str
    start_date: date
    end_date: date | None
    capacity: int | None
    trainer: str


def programme_ref(programme: Programme) -> ProgrammeRef:
    return ProgrammeRef(code=programme.code, name=programme.name, category=programme.category.value)


async def programme_of(uow: TrainingUnitOfWork, code: str) -> Programme:
    programme = await uow.repo.programme(code)
    if programme is None:
        known = [p.code for p in await uow.repo.programmes()]
        raise UnknownProgrammeError(code, known)
    return programme


async def define_programme(uow: TrainingUnitOfWork, programme: Programme) -> bool:
    """Create or change a programme (True when new). Sessions already scheduled keep the
    completion rule they were scheduled with."""
    return await uow.repo.save_programme(programme)


async def load_session(
    uow: TrainingUnitOfWork, session_id: str, authorize: Authorize, *, lock: bool = False
) -> TrainingSession:
    """The session, after the caller's access check; locked for the rest of the transaction
    when ``lock`` (every change to a session's seats or state takes this lock first)."""
    found = await uow.repo.session(session_id, lock=lock)
    if found is None:
        raise NotFoundError("session", session_id)
    authorize(found)
    return found


async def schedule_session(
    uow: TrainingUnitOfWork, command: ScheduleSession, *, scheduled_by: str
) -> TrainingSession:
    programme = await programme_of(uow, command.programme_code)
    days = (
        SessionDays(command.start_date, command.end_date)
        if command.end_date is not None
        else SessionDays.starting(command.start_date, programme.default_days)
    )
    session = TrainingSession(
        id=str(uuid_utils.uuid7()),
        programme_code=programme.code,
        office=command.office,
        village=command.village,
        district=command.district,
        regency_code=command.regency_code,
        venue=command.venue,
        days=days,
        capacity=check_capacity(
            command.capacity if command.capacity is not None else programme.default_capacity
        ),
        trainer=command.trainer,
        status=SessionStatus.SCHEDULED,
        rule=programme.completion_rule,
        arrivals=0,
        created_at=uow.now,
        created_by=scheduled_by,
    )
    await uow.repo.add_session(session)
    await uow.emit(
        SessionScheduled(
            session_id=session.id,
            office=session.office,
            programme=programme_ref(programme),
            village=session.village,
            district=session.district,
            regency_code=session.regency_code,
            venue=session.venue,
            start_date=days.first,
            end_date=days.last,
            capacity=session.capacity,
            trainer=session.trainer,
            scheduled_at=uow.now,
        )
    )
    return session


async def cancel_session(
    uow: TrainingUnitOfWork, session_id: str, *, reason: str | None, authorize: Authorize
) -> TrainingSession:
    """Cancel a session that has not been completed; everyone enrolled or waiting is told
    (one EnrollmentCancelled each). Cancelling a cancelled session again changes nothing."""
    session = await load_session(uow, session_id, authorize, lock=True)
    if session.status is SessionStatus.CANCELLED:
        return session
    cancelled = replace(
        session,
        status=transition(session.status, SessionStatus.CANCELLED),
        cancelled_at=uow.now,
        cancel_reason=reason,
    )
    await uow.repo.save_session_state(cancelled)
    active, _ = await uow.repo.enrollments(
        session.id, [EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED]
    )
    for enrollment in active:
        await uow.repo.save_enrollment(
            replace(
                enrollment,
                status=EnrollmentStatus.CANCELLED,
                cancelled_at=uow.now,
                cancel_reason=SESSION_CANCELLED,
            )
        )
        await uow.emit(
            EnrollmentCancelled(
                session_id=session.id,
                participant_id=enrollment.participant_id,
                reason=SESSION_CANCELLED,
                cancelled_at=uow.now,
            )
        )
    return cancelled
