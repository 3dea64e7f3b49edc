"""The training service's HTTP API (port 8002): thin, it parses, calls a use case, answers.

Roles: ``operator`` (its BP3MI office), ``trainer`` (its own sessions' attendance and
assessments), ``admin``, ``auditor`` (reads only). See :mod:`.access`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Path, Query
from fastapi.responses import JSONResponse, Response

from purna_shared.clock import Clock
from purna_shared.http.app import (
    ResourcesFactory,
    create_service_app,
    open_service_resources,
    serve,
)
from purna_shared.http.auth import Principal, Role, require_read, require_roles
from purna_shared.http.pagination import limit_query, offset_query
from purna_shared.http.problems import ProblemError, problem_responses
from purna_shared.http.transaction import Transaction, idempotent_transaction, transaction

from .. import __version__
from ..adapters.certificate_pdf import render_certificate
from ..adapters.repository import SeatCounts, SessionFilter
from ..bootstrap import build_unit_of_work
from ..domain.certificates import certificate_text
from ..domain.enrollment import EnrollmentStatus, waitlist_position
from ..domain.errors import NotEnrolledError, TrainingRuleError
from ..domain.sessions import SessionStatus
from ..service_layer import attendance, completion, enrollment, sessions
from ..service_layer.errors import UnknownProgrammeError
from ..service_layer.unit_of_work import TrainingUnitOfWork
from ..settings import TrainingSettings
from . import problems
from .access import ensure_may_schedule, may_manage, may_read, may_teach, visible_sessions
from .schemas import (
    NO_CONTROL,
    AssessmentIn,
    AssessmentOut,
    AttendanceDayOut,
    AttendanceIn,
    AttendanceOut,
    AttendanceSheet,
    CancellationOut,
    CancelSessionIn,
    CompletionOut,
    EnrolIn,
    EnrolmentOut,
    OutcomeOut,
    ProgrammeIn,
    ProgrammeList,
    ProgrammeOut,
    Roster,
    RosterEntry,
    ScheduleSessionIn,
    SessionList,
    SessionOut,
    SessionStatusName,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

Staff = Annotated[Principal, Depends(require_read(Role.OPERATOR, Role.TRAINER))]
Operator = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(require_roles())]
ProgrammeCodePath = Annotated[
    str, Path(pattern=r"^[A-Z][A-Z0-9-]{1,31}$", description="Programme code, e.g. TENUN")
]
Teacher = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.TRAINER))]
SessionId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=NO_CONTROL, description="Session id")
]
ParticipantPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=NO_CONTROL, description="Participant id")
]
Filter = Annotated[str | None, Query(min_length=1, max_length=200, pattern=NO_CONTROL)]
Limit = Annotated[int, limit_query(maximum=200)]
Offset = Annotated[int, offset_query(maximum=2**63 - 1)]  # PostgreSQL OFFSET is a bigint

router = APIRouter()


#: the transaction seam, typed with training's unit of work
Tx = Annotated[Transaction[TrainingUnitOfWork], Depends(transaction)]
IdempotentTx = Annotated[Transaction[TrainingUnitOfWork], Depends(idempotent_transaction)]


def _audit(principal: Principal, what: str, session_id: str, count: int) -> None:
    # Who read personal data (participants' names), when, and how much (UU PDP audit trail).
    log.info(
        "personal data read",
        extra={
            "audit": what,
            "subject": principal.subject,
            "session_id": session_id,
            "records": count,
        },
    )


# -- programmes --------------------------------------------------------------------------------


@router.get("/programmes", tags=["programmes"], summary="List training programmes")
async def list_programmes(_: Staff, tx: Tx) -> ProgrammeList:
    found = await tx.run(lambda uow: uow.repo.programmes())
    return ProgrammeList(items=[ProgrammeOut.of(p) for p in found], total=len(found))


@router.get(
    "/programmes/{code}",
    tags=["programmes"],
    summary="One training programme",
    responses=problem_responses(404),
)
async def get_programme(code: ProgrammeCodePath, _: Staff, tx: Tx) -> ProgrammeOut:
    found = await tx.run(lambda uow: uow.repo.programme(code))
    if found is None:
        raise ProblemError(404, "Not Found", f"No programme {code!r}.")
    return ProgrammeOut.of(found)


@router.put(
    "/programmes/{code}",
    tags=["programmes"],
    response_model=ProgrammeOut,
    summary="Create or change a programme (admin)",
    description="201 when created, 200 when changed. Sessions already scheduled keep the "
    "completion rule they were scheduled with.",
)
async def put_programme(
    code: ProgrammeCodePath, body: ProgrammeIn, _: Admin, tx: Tx
) -> JSONResponse:
    programme = body.programme(code)
    created = await tx.run(lambda uow: sessions.define_programme(uow, programme))
    return JSONResponse(
        ProgrammeOut.of(programme).model_dump(mode="json"), status_code=201 if created else 200
    )


# -- sessions ----------------------------------------------------------------------------------


@router.post(
    "/sessions",
    tags=["sessions"],
    status_code=201,
    response_model=SessionOut,
    summary="Schedule a village session (emits SessionScheduled)",
)
async def schedule_session(
    body: ScheduleSessionIn, principal: Operator, tx: IdempotentTx
) -> JSONResponse:
    ensure_may_schedule(principal, body.office)
    command = sessions.ScheduleSession(**body.model_dump())

    async def work(uow: TrainingUnitOfWork) -> tuple[int, Any]:
        session = await sessions.schedule_session(uow, command, scheduled_by=principal.subject)
        return 201, SessionOut.of(session, SeatCounts())

    return await tx.respond(work)


@router.get("/sessions", tags=["sessions"], summary="List sessions, newest first")
async def list_sessions(
    principal: Staff,
    tx: Tx,
    programme_code: Filter = None,
    office: Filter = None,
    regency_code: Filter = None,
    village: Filter = None,
    status: SessionStatusName | None = None,
    trainer: Filter = None,
    starts_from: Annotated[dt.date | None, Query(description="First day on or after")] = None,
    starts_until: Annotated[dt.date | None, Query(description="First day on or before")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SessionList:
    wanted = visible_sessions(
        principal,
        SessionFilter(
            office=office,
            programme_code=programme_code,
            regency_code=regency_code,
            village=village,
            status=SessionStatus(status) if status else None,
            trainer=trainer,
            starts_from=starts_from,
            starts_until=starts_until,
        ),
    )

    async def work(uow: TrainingUnitOfWork) -> SessionList:
        found, total = await uow.repo.sessions(wanted, limit=limit, offset=offset)
        seats = await uow.repo.seat_counts([s.id for s in found])
        items = [SessionOut.of(s, seats[s.id]) for s in found]
        return SessionList(items=items, total=total, limit=limit, offset=offset)

    return await tx.run(work)


@router.get("/sessions/{session_id}", tags=["sessions"], responses=problem_responses(404))
async def get_session(session_id: SessionId, principal: Staff, tx: Tx) -> SessionOut:
    async def work(uow: TrainingUnitOfWork) -> SessionOut:
        session = await sessions.load_session(uow, session_id, may_read(principal))
        seats = await uow.repo.seat_counts([session.id])
        return SessionOut.of(session, seats[session.id])

    return await tx.run(work)


@router.post(
    "/sessions/{session_id}/cancel",
    tags=["sessions"],
    response_model=SessionOut,
    summary="Cancel a session (emits EnrollmentCancelled for everyone in it)",
    responses=problem_responses(404, 409),
)
async def cancel_session(
    session_id: SessionId,
    body: CancelSessionIn,
    principal: Operator,
    tx: IdempotentTx,
) -> JSONResponse:
    async def work(uow: TrainingUnitOfWork) -> tuple[int, Any]:
        session = await sessions.cancel_session(
            uow, session_id, reason=body.reason, authorize=may_manage(principal)
        )
        seats = await uow.repo.seat_counts([session.id])
        return 200, SessionOut.of(session, seats[session.id])

    return await tx.respond(work)


# -- enrolments --------------------------------------------------------------------------------


@router.post(
    "/sessions/{session_id}/enrollments",
    tags=["enrollments"],
    status_code=201,
    response_model=EnrolmentOut,
    summary="Enrol a participant: a seat, or a waitlist place (emits ParticipantEnrolled)",
    description="201 for a new enrolment; 200 with the enrolment as it is when the participant "
    "is already enrolled or waitlisted in this session.",
    responses=problem_responses(404, 409),
)
async def enrol(
    session_id: SessionId, body: EnrolIn, principal: Operator, tx: IdempotentTx
) -> JSONResponse:
    async def work(uow: TrainingUnitOfWork) -> tuple[int, Any]:
        result = await enrollment.enrol(
            uow, session_id, body.participant_id, authorize=may_manage(principal)
        )
        return (201 if result.created else 200), EnrolmentOut.of(result.enrollment, result.position)

    return await tx.respond(work)


@router.get(
    "/sessions/{session_id}/enrollments",
    tags=["enrollments"],
    summary="The session's enrolments in arrival order, with names",
    responses=problem_responses(404),
)
async def list_enrollments(
    session_id: SessionId,
    principal: Staff,
    tx: Tx,
    status: Annotated[list[EnrollmentStatus] | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Roster:
    async def work(uow: TrainingUnitOfWork) -> Roster:
        session = await sessions.load_session(uow, session_id, may_read(principal))
        found, total = await uow.repo.enrollments(
            session.id, status or (), limit=limit, offset=offset
        )
        waiting = [w.arrival for w in await uow.repo.waitlist(session.id)]
        people = await uow.repo.participants(e.participant_id for e in found)
        items = [
            RosterEntry.entry(
                e,
                waitlist_position(e.arrival, waiting)
                if e.status is EnrollmentStatus.WAITLISTED
                else None,
                people.get(e.participant_id),
            )
            for e in found
        ]
        return Roster(items=items, total=total, limit=limit, offset=offset)

    roster = await tx.run(work)
    _audit(principal, "roster", session_id, len(roster.items))
    return roster


@router.delete(
    "/sessions/{session_id}/enrollments/{participant_id}",
    tags=["enrollments"],
    summary="Cancel an enrolment; the first waitlisted gets the seat (emits EnrollmentCancelled)",
    responses=problem_responses(404, 409),
)
async def cancel_enrolment(
    session_id: SessionId,
    participant_id: ParticipantPath,
    principal: Operator,
    tx: Tx,
    reason: Annotated[
        str | None, Query(max_length=500, pattern=NO_CONTROL, description="Why, briefly")
    ] = None,
) -> CancellationOut:
    async def work(uow: TrainingUnitOfWork) -> CancellationOut:
        result = await enrollment.cancel_enrolment(
            uow, session_id, participant_id, reason=reason, authorize=may_manage(principal)
        )
        return CancellationOut(
            session_id=session_id,
            participant_id=participant_id,
            status=result.enrollment.status.value,
            promoted_participant_id=result.promoted_participant_id,
        )

    try:
        return await tx.run(work)
    except NotEnrolledError as exc:
        raise ProblemError(
            404, "Not Found", f"Participant {participant_id} is not enrolled in this session."
        ) from exc


# -- attendance and assessments ----------------------------------------------------------------


@router.put(
    "/sessions/{session_id}/attendance/{date}",
    tags=["attendance"],
    summary="Record who was present on one session day (replaces that day's record)",
    responses=problem_responses(404, 409),
)
async def record_attendance(
    session_id: SessionId,
    date: Annotated[dt.date, Path(description="Session day (YYYY-MM-DD, WITA)")],
    body: AttendanceIn,
    principal: Teacher,
    tx: Tx,
) -> AttendanceOut:
    async def work(uow: TrainingUnitOfWork) -> AttendanceOut:
        taken = await attendance.record_attendance(
            uow,
            session_id,
            date,
            body.present,
            recorded_by=principal.subject,
            authorize=may_teach(principal),
        )
        return AttendanceOut(
            session_id=session_id,
            date=date,
            present=taken.present,
            absent=taken.absent,
            session_status=taken.session.status.value,
        )

    try:
        return await tx.run(work)
    except NotEnrolledError as exc:
        raise problems.not_enrolled_in_attendance(exc, body.present) from exc


@router.get(
    "/sessions/{session_id}/attendance",
    tags=["attendance"],
    summary="The attendance sheet: every session day and who was present",
    responses=problem_responses(404),
)
async def get_attendance(session_id: SessionId, principal: Staff, tx: Tx) -> AttendanceSheet:
    async def work(uow: TrainingUnitOfWork) -> AttendanceSheet:
        session = await sessions.load_session(uow, session_id, may_read(principal))
        sheet = await uow.repo.attendance(session.id)
        return AttendanceSheet(
            session_id=session.id,
            days=[
                AttendanceDayOut(
                    date=day, recorded=day in sheet, present=sorted(sheet.get(day, ()))
                )
                for day in session.days
            ],
        )

    return await tx.run(work)


@router.put(
    "/sessions/{session_id}/assessments/{participant_id}",
    tags=["attendance"],
    summary="Record an assessment result (programmes whose completion needs one)",
    responses=problem_responses(404, 409),
)
async def record_assessment(
    session_id: SessionId,
    participant_id: ParticipantPath,
    body: AssessmentIn,
    principal: Teacher,
    tx: Tx,
) -> AssessmentOut:
    async def work(uow: TrainingUnitOfWork) -> AssessmentOut:
        await attendance.record_assessment(
            uow,
            session_id,
            participant_id,
            body.passed,
            recorded_by=principal.subject,
            authorize=may_teach(principal),
        )
        return AssessmentOut(
            session_id=session_id, participant_id=participant_id, passed=body.passed
        )

    try:
        return await tx.run(work)
    except NotEnrolledError as exc:
        raise problems.not_enrolled_in_path(exc) from exc


# -- completion --------------------------------------------------------------------------------


@router.post(
    "/sessions/{session_id}/complete",
    tags=["completion"],
    response_model=CompletionOut,
    summary="Complete the session: outcomes, certificate numbers, one SessionCompleted",
    description="Allowed from the session's last day on (WITA), once every session day has "
    "its attendance. Completing a completed session returns the stored result and emits "
    "nothing.",
    responses=problem_responses(404, 409),
)
async def complete_session(
    session_id: SessionId, principal: Operator, tx: IdempotentTx
) -> JSONResponse:
    async def work(uow: TrainingUnitOfWork) -> tuple[int, Any]:
        done = await completion.complete_session(
            uow, session_id, completed_by=principal.subject, authorize=may_manage(principal)
        )
        return 200, _completion_out(done.session.id, done.session.completed_at, done.outcomes)

    return await tx.respond(work)


@router.get(
    "/sessions/{session_id}/outcomes",
    tags=["completion"],
    summary="The stored outcomes of a completed session",
    responses=problem_responses(404, 409),
)
async def get_outcomes(session_id: SessionId, principal: Staff, tx: Tx) -> CompletionOut:
    async def work(uow: TrainingUnitOfWork) -> CompletionOut:
        session = await sessions.load_session(uow, session_id, may_read(principal))
        if session.status is not SessionStatus.COMPLETED:
            raise ProblemError(
                409, "Not completed", f"The session is {session.status.value}, not completed."
            )
        return _completion_out(
            session.id, session.completed_at, await uow.repo.outcomes(session.id)
        )

    return await tx.run(work)


def _completion_out(
    session_id: str, completed_at: dt.datetime | None, outcomes: list[Any]
) -> CompletionOut:
    assert completed_at is not None
    return CompletionOut(
        session_id=session_id,
        status="completed",
        completed_at=completed_at,
        outcomes=[OutcomeOut.of(o) for o in outcomes],
    )


@router.get(
    "/sessions/{session_id}/certificates/{participant_id}.pdf",
    tags=["completion"],
    summary="A completer's certificate (PDF, Bahasa Indonesia)",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The certificate"},
        **problem_responses(404, 410),
    },
)
async def certificate(
    session_id: SessionId, participant_id: ParticipantPath, principal: Staff, tx: Tx
) -> Response:
    async def work(uow: TrainingUnitOfWork) -> bytes:
        session = await sessions.load_session(uow, session_id, may_read(principal))
        outcome = await uow.repo.outcome(session.id, participant_id)
        if outcome is None or not outcome.completed or outcome.certificate_no is None:
            raise ProblemError(
                404,
                "Not Found",
                f"Participant {participant_id} has no certificate for this session: "
                "only those who completed it get one.",
            )
        person = await uow.repo.participant(participant_id)
        if person is None or not person.consent_granted or not person.full_name:
            raise ProblemError(
                410,
                "Gone",
                "The participant withdrew consent: their certificate is no longer issued here.",
            )
        programme = await sessions.programme_of(uow, session.programme_code)
        text = certificate_text(
            number=outcome.certificate_no,
            participant_name=person.full_name,
            programme_name=programme.name,
            village=session.village,
            district=session.district,
            regency_code=session.regency_code,
            first_day=session.days.first,
            last_day=session.days.last,
            attendance_rate=outcome.attendance_rate,
            office=session.office,
        )
        return render_certificate(text)

    pdf = await tx.run(work)
    _audit(principal, "certificate", session_id, 1)
    filename = f"sertifikat-{participant_id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


# -- the app -----------------------------------------------------------------------------------


def create_app(
    settings: TrainingSettings | None = None,
    *,
    clock: Clock | None = None,
    lifespan_resources: ResourcesFactory = open_service_resources,
) -> FastAPI:
    settings = settings or TrainingSettings()
    app = create_service_app(
        settings,
        title="Purna training API",
        version=__version__,
        description="Training programmes, village sessions, enrolment with capacity and "
        "waitlist, attendance, completion and certificates (BP3MI).",
        routers=[router],
        lifespan_resources=lifespan_resources,
        unit_of_work=build_unit_of_work(clock),
    )
    app.add_exception_handler(TrainingRuleError, problems.rule_problem_handler)
    app.add_exception_handler(UnknownProgrammeError, problems.unknown_programme_handler)
    return app


def main() -> None:
    settings = TrainingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
