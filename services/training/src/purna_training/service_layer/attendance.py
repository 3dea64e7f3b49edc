"""Taking attendance and recording assessment results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from ..domain.attendance import check_attendance
from ..domain.enrollment import EnrollmentStatus
from ..domain.errors import AssessmentNotRequiredError, NotEnrolledError
from ..domain.sessions import SessionStatus, TrainingSession, ensure_open, transition
from .sessions import Authorize, load_session
from .unit_of_work import TrainingUnitOfWork


@dataclass(frozen=True, slots=True)
class DayAttendance:
    session: TrainingSession
    day: date
    present: list[str]
    absent: list[str]


async def record_attendance(
    uow: TrainingUnitOfWork,
    session_id: str,
    day: date,
    present: Sequence[str],
    *,
    recorded_by: str,
    authorize: Authorize,
) -> DayAttendance:
    """Replace the attendance of one session day. The first attendance taken starts the
    session (scheduled -> in progress). Once the session is closed, only a repeat of what is
    on record is accepted (a retried PUT), and it changes nothing."""
    session = await load_session(uow, session_id, authorize, lock=True)
    seated, _ = await uow.repo.enrollments(session.id, [EnrollmentStatus.ENROLLED])
    enrolled = [e.participant_id for e in seated]
    if not session.status.is_open:
        on_record = (await uow.repo.attendance(session.id)).get(day)
        if on_record is None or on_record != set(present):
            ensure_open(session.status, "taking attendance")
        return _sheet(session, day, enrolled, frozenset(present))
    attending = check_attendance(
        session.days, day, session.zone.local_date(uow.now), present, set(enrolled), session.zone
    )
    await uow.repo.replace_attendance(
        session.id, day, attending, recorded_by=recorded_by, recorded_at=uow.now
    )
    if session.status is SessionStatus.SCHEDULED:
        session = replace(session, status=transition(session.status, SessionStatus.IN_PROGRESS))
        await uow.repo.save_session_state(session)
    return _sheet(session, day, enrolled, attending)


def _sheet(
    session: TrainingSession, day: date, enrolled: Sequence[str], attending: frozenset[str]
) -> DayAttendance:
    return DayAttendance(
        session=session,
        day=day,
        present=[pid for pid in enrolled if pid in attending],
        absent=[pid for pid in enrolled if pid not in attending],
    )


async def record_assessment(
    uow: TrainingUnitOfWork,
    session_id: str,
    participant_id: str,
    passed: bool,
    *,
    recorded_by: str,
    authorize: Authorize,
) -> TrainingSession:
    session = await load_session(uow, session_id, authorize, lock=True)
    ensure_open(session.status, "recording an assessment")
    if not session.rule.assessment_required:
        raise AssessmentNotRequiredError(session.programme_code)
    enrollment = await uow.repo.enrollment(session.id, participant_id)
    if enrollment is None or enrollment.status is not EnrollmentStatus.ENROLLED:
        raise NotEnrolledError([participant_id])
    await uow.repo.record_assessment(
        session.id, participant_id, passed, recorded_by=recorded_by, recorded_at=uow.now
    )
    return session
