"""Completing a session: outcomes once, certificate numbers, one SessionCompleted."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from purna_shared.contracts.events import ParticipantOutcome, SessionCompleted

from ..domain.certificates import certificate_number
from ..domain.completion import Outcome, decide_outcomes, number_certificates
from ..domain.enrollment import EnrollmentStatus
from ..domain.sessions import (
    SessionStatus,
    TrainingSession,
    ensure_can_complete,
    ensure_open,
    transition,
)
from .sessions import Authorize, load_session, programme_of, programme_ref
from .unit_of_work import TrainingUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Completion:
    session: TrainingSession
    outcomes: list[Outcome]
    #: False when the session had already been completed (the stored result, nothing emitted)
    newly_completed: bool


async def complete_session(
    uow: TrainingUnitOfWork, session_id: str, *, completed_by: str, authorize: Authorize
) -> Completion:
    """Decide every enrolled participant's outcome, number the completers' certificates and
    announce it all in one SessionCompleted. The session lock makes this happen once: a
    second call (even a concurrent one) finds the session completed and gets the stored
    result back."""
    session = await load_session(uow, session_id, authorize, lock=True)
    if session.status is SessionStatus.COMPLETED:
        return Completion(session, await uow.repo.outcomes(session.id), newly_completed=False)
    ensure_open(session.status, "completion")
    ensure_can_complete(session.days, session.zone.local_date(uow.now), session.zone)

    seated, _ = await uow.repo.enrollments(session.id, [EnrollmentStatus.ENROLLED])
    outcomes = decide_outcomes(
        session.days,
        session.rule,
        [e.participant_id for e in seated],
        await uow.repo.attendance(session.id),
        await uow.repo.assessments(session.id),
    )
    completers = sum(1 for o in outcomes if o.completed)
    if completers:
        # Numbered in the year the training ended.
        year = session.days.last.year
        first = await uow.repo.allocate_certificate_numbers(
            session.office, year, session.programme_code, completers
        )
        numbers = [
            certificate_number(session.office, year, session.programme_code, first + n)
            for n in range(completers)
        ]
        outcomes = number_certificates(outcomes, numbers)
    await uow.repo.save_outcomes(session.id, outcomes)

    completed = replace(
        session,
        status=transition(session.status, SessionStatus.COMPLETED),
        completed_at=uow.now,
        completed_by=completed_by,
    )
    await uow.repo.save_session_state(completed)
    programme = await programme_of(uow, session.programme_code)
    await uow.emit(
        SessionCompleted(
            session_id=session.id,
            office=session.office,
            programme=programme_ref(programme),
            village=session.village,
            district=session.district,
            regency_code=session.regency_code,
            start_date=session.days.first,
            end_date=session.days.last,
            completed_at=uow.now,
            outcomes=tuple(
                ParticipantOutcome(
                    participant_id=o.participant_id,
                    completed=o.completed,
                    attendance_rate=float(o.attendance_rate),
                    certificate_no=o.certificate_no,
                )
                for o in outcomes
            ),
        )
    )
    log.info(
        "session completed",
        extra={
            "session_id": session.id,
            "programme_code": session.programme_code,
            "participants": len(outcomes),
            "completers": completers,
        },
    )
    return Completion(completed, outcomes, newly_completed=True)
