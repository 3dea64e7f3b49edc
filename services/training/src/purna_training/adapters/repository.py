"""Reading and writing training's tables; rows in and out as domain values.

Locks: a use case that changes a session's seats takes the session row first
(``SELECT ... FOR UPDATE``), then participant rows, always in that order and participants
sorted by id, so concurrent requests queue instead of deadlocking. On SQLite ``FOR UPDATE`` is
ignored: ``purna_shared.db`` starts every transaction with ``BEGIN IMMEDIATE``, which
serialises writers anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, func, insert, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.completion import Outcome
from ..domain.enrollment import Enrollment, EnrollmentStatus, Waiting
from ..domain.participants import ParticipantRecord
from ..domain.programmes import CompletionRule, Programme, ProgrammeCategory
from ..domain.sessions import SessionDays, SessionStatus, TrainingSession
from .orm import (
    assessments,
    attendance,
    attendance_days,
    certificate_sequences,
    enrollments,
    outcomes,
    participants,
    programmes,
    training_sessions,
)

_SEATED = EnrollmentStatus.ENROLLED.value
_WAITING = EnrollmentStatus.WAITLISTED.value
_ACTIVE = (_SEATED, _WAITING)


@dataclass(frozen=True, slots=True)
class SessionFilter:
    office: str | None = None
    programme_code: str | None = None
    regency_code: str | None = None
    village: str | None = None
    status: SessionStatus | None = None
    trainer: str | None = None
    starts_from: date | None = None
    starts_until: date | None = None


@dataclass(frozen=True, slots=True)
class SeatCounts:
    enrolled: int = 0
    waitlisted: int = 0


def _programme(row: Row[Any]) -> Programme:
    return Programme(
        code=row.code,
        name=row.name,
        category=ProgrammeCategory(row.category),
        description=row.description,
        default_days=row.default_days,
        default_capacity=row.default_capacity,
        completion_rule=CompletionRule(
            Decimal(row.min_attendance_share), bool(row.assessment_required)
        ),
    )


def _session(row: Row[Any]) -> TrainingSession:
    return TrainingSession(
        id=row.id,
        programme_code=row.programme_code,
        office=row.office,
        village=row.village,
        district=row.district,
        regency_code=row.regency_code,
        venue=row.venue,
        days=SessionDays(row.start_date, row.end_date),
        capacity=row.capacity,
        trainer=row.trainer,
        status=SessionStatus(row.status),
        rule=CompletionRule(Decimal(row.min_attendance_share), bool(row.assessment_required)),
        arrivals=row.arrivals,
        created_at=row.created_at,
        created_by=row.created_by,
        completed_at=row.completed_at,
        completed_by=row.completed_by,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
    )


def _enrollment(row: Row[Any]) -> Enrollment:
    return Enrollment(
        session_id=row.session_id,
        participant_id=row.participant_id,
        status=EnrollmentStatus(row.status),
        arrival=row.arrival,
        enrolled_at=row.enrolled_at,
        promoted_at=row.promoted_at,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
    )


def _participant(row: Row[Any]) -> ParticipantRecord:
    return ParticipantRecord(
        participant_id=row.participant_id,
        registered=row.registered,
        version=row.version,
        office=row.office,
        category=row.category,
        full_name=row.full_name,
        full_name_version=row.full_name_version,
        consent_granted=row.consent_granted,
        consent_version=row.consent_version,
        withdrawn_at=row.withdrawn_at,
    )


def _outcome(row: Row[Any]) -> Outcome:
    return Outcome(
        participant_id=row.participant_id,
        completed=row.completed,
        days_present=row.days_present,
        session_days=row.session_days,
        assessment_passed=row.assessment_passed,
        certificate_no=row.certificate_no,
    )


class TrainingRepository:
    """All of training's SQL, used inside one transaction opened by the caller."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    @property
    def _dialect(self) -> Any:
        bind = self._db.get_bind()
        return postgresql if bind.dialect.name == "postgresql" else sqlite

    # -- programmes ---------------------------------------------------------------------------

    async def programmes(self) -> list[Programme]:
        rows = await self._db.execute(select(programmes).order_by(programmes.c.code))
        return [_programme(row) for row in rows]

    async def programme(self, code: str) -> Programme | None:
        row = (await self._db.execute(select(programmes).where(programmes.c.code == code))).first()
        return _programme(row) if row else None

    async def save_programme(self, p: Programme) -> bool:
        """Create or replace a programme; True when it is new."""
        values = {
            "name": p.name,
            "category": p.category.value,
            "description": p.description,
            "default_days": p.default_days,
            "default_capacity": p.default_capacity,
            "min_attendance_share": p.completion_rule.min_attendance_share,
            "assessment_required": p.completion_rule.assessment_required,
        }
        done = await self._db.execute(
            update(programmes).where(programmes.c.code == p.code).values(**values)
        )
        if done.rowcount:  # type: ignore[attr-defined]
            return False
        await self._db.execute(insert(programmes).values(code=p.code, **values))
        return True

    # -- sessions -----------------------------------------------------------------------------

    async def add_session(self, s: TrainingSession) -> None:
        await self._db.execute(
            insert(training_sessions).values(
                id=s.id,
                programme_code=s.programme_code,
                office=s.office,
                village=s.village,
                district=s.district,
                regency_code=s.regency_code,
                venue=s.venue,
                start_date=s.days.first,
                end_date=s.days.last,
                capacity=s.capacity,
                trainer=s.trainer,
                status=s.status.value,
                min_attendance_share=s.rule.min_attendance_share,
                assessment_required=s.rule.assessment_required,
                arrivals=s.arrivals,
                created_at=s.created_at,
                created_by=s.created_by,
            )
        )

    async def session(self, session_id: str, *, lock: bool = False) -> TrainingSession | None:
        query = select(training_sessions).where(training_sessions.c.id == session_id)
        if lock:
            query = query.with_for_update()
        row = (await self._db.execute(query)).first()
        return _session(row) if row else None

    async def lock_sessions(self, session_ids: Collection[str]) -> None:
        """Lock several sessions, in id order (the one order every use case follows)."""
        if session_ids:
            await self._db.execute(
                select(training_sessions.c.id)
                .where(training_sessions.c.id.in_(sorted(session_ids)))
                .order_by(training_sessions.c.id)
                .with_for_update()
            )

    async def sessions(
        self, where: SessionFilter, *, limit: int, offset: int
    ) -> tuple[list[TrainingSession], int]:
        t = training_sessions.c
        conditions: list[ColumnElement[bool]] = []
        if where.office is not None:
            conditions.append(t.office == where.office)
        if where.programme_code is not None:
            conditions.append(t.programme_code == where.programme_code)
        if where.regency_code is not None:
            conditions.append(t.regency_code == where.regency_code)
        if where.village is not None:
            conditions.append(func.lower(t.village) == where.village.lower())
        if where.status is not None:
            conditions.append(t.status == where.status.value)
        if where.trainer is not None:
            conditions.append(t.trainer == where.trainer)
        if where.starts_from is not None:
            conditions.append(t.start_date >= where.starts_from)
        if where.starts_until is not None:
            conditions.append(t.start_date <= where.starts_until)
        total = await self._db.scalar(
            select(func.count()).select_from(training_sessions).where(and_(true(), *conditions))
        )
        rows = await self._db.execute(
            select(training_sessions)
            .where(and_(true(), *conditions))
            .order_by(t.start_date.desc(), t.id)
            .limit(limit)
            .offset(offset)
        )
        return [_session(row) for row in rows], int(total or 0)

    async def save_session_state(self, s: TrainingSession) -> None:
        await self._db.execute(
            update(training_sessions)
            .where(training_sessions.c.id == s.id)
            .values(
                status=s.status.value,
                arrivals=s.arrivals,
                completed_at=s.completed_at,
                completed_by=s.completed_by,
                cancelled_at=s.cancelled_at,
                cancel_reason=s.cancel_reason,
            )
        )

    # -- seats --------------------------------------------------------------------------------

    async def seat_counts(self, session_ids: Collection[str]) -> dict[str, SeatCounts]:
        e = enrollments.c
        rows = await self._db.execute(
            select(e.session_id, e.status, func.count())
            .where(e.session_id.in_(list(session_ids)), e.status.in_(_ACTIVE))
            .group_by(e.session_id, e.status)
        )
        found: dict[str, dict[str, int]] = defaultdict(dict)
        for session_id, status, count in rows:
            found[session_id][status] = count
        return {
            sid: SeatCounts(found[sid].get(_SEATED, 0), found[sid].get(_WAITING, 0))
            for sid in session_ids
        }

    async def enrollment(self, session_id: str, participant_id: str) -> Enrollment | None:
        e = enrollments.c
        row = (
            await self._db.execute(
                select(enrollments).where(
                    e.session_id == session_id, e.participant_id == participant_id
                )
            )
        ).first()
        return _enrollment(row) if row else None

    async def enrollments(
        self,
        session_id: str,
        statuses: Collection[EnrollmentStatus] = (),
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[Enrollment], int]:
        """A session's enrolments in arrival order, and how many match."""
        e = enrollments.c
        conditions = [e.session_id == session_id]
        if statuses:
            conditions.append(e.status.in_([s.value for s in statuses]))
        total = await self._db.scalar(
            select(func.count()).select_from(enrollments).where(*conditions)
        )
        query = select(enrollments).where(*conditions).order_by(e.arrival).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = await self._db.execute(query)
        return [_enrollment(row) for row in rows], int(total or 0)

    async def waitlist(self, session_id: str) -> list[Waiting]:
        e = enrollments.c
        rows = await self._db.execute(
            select(e.participant_id, e.arrival)
            .where(e.session_id == session_id, e.status == _WAITING)
            .order_by(e.arrival)
        )
        return [Waiting(pid, arrival) for pid, arrival in rows]

    async def add_enrollment(self, enrollment: Enrollment) -> None:
        await self._db.execute(
            insert(enrollments).values(
                session_id=enrollment.session_id,
                participant_id=enrollment.participant_id,
                **_enrollment_values(enrollment),
            )
        )

    async def save_enrollment(self, enrollment: Enrollment) -> None:
        e = enrollments.c
        await self._db.execute(
            update(enrollments)
            .where(
                e.session_id == enrollment.session_id,
                e.participant_id == enrollment.participant_id,
            )
            .values(**_enrollment_values(enrollment))
        )

    async def seats_on_overlapping_days(
        self, participant_ids: Collection[str], days: SessionDays, *, excluding: str
    ) -> dict[str, str]:
        """participant -> a session (not ``excluding``, not cancelled) running on some of
        ``days`` in which they hold a seat."""
        if not participant_ids:
            return {}
        e, s = enrollments.c, training_sessions.c
        rows = await self._db.execute(
            select(e.participant_id, func.min(e.session_id))
            .join(training_sessions, s.id == e.session_id)
            .where(
                e.participant_id.in_(list(participant_ids)),
                e.status == _SEATED,
                e.session_id != excluding,
                s.status != SessionStatus.CANCELLED.value,
                s.start_date <= days.last,
                s.end_date >= days.first,
            )
            .group_by(e.participant_id)
        )
        return {key: value for key, value in rows}

    async def open_enrollments_of(self, participant_id: str) -> list[str]:
        """Sessions still open in which the participant holds a seat or waits."""
        e, s = enrollments.c, training_sessions.c
        rows = await self._db.execute(
            select(e.session_id)
            .join(training_sessions, s.id == e.session_id)
            .where(
                e.participant_id == participant_id,
                e.status.in_(_ACTIVE),
                s.status.in_([SessionStatus.SCHEDULED.value, SessionStatus.IN_PROGRESS.value]),
            )
            .order_by(e.session_id)
        )
        return list(rows.scalars())

    # -- participants (read model) ------------------------------------------------------------

    async def participant(
        self, participant_id: str, *, lock: bool = False
    ) -> ParticipantRecord | None:
        query = select(participants).where(participants.c.participant_id == participant_id)
        if lock:
            query = query.with_for_update()
        row = (await self._db.execute(query)).first()
        return _participant(row) if row else None

    async def participants(self, participant_ids: Iterable[str]) -> dict[str, ParticipantRecord]:
        ids = list(participant_ids)
        if not ids:
            return {}
        rows = await self._db.execute(
            select(participants).where(participants.c.participant_id.in_(ids))
        )
        return {row.participant_id: _participant(row) for row in rows}

    async def lock_participants(self, participant_ids: Collection[str]) -> None:
        if participant_ids:
            await self._db.execute(
                select(participants.c.participant_id)
                .where(participants.c.participant_id.in_(sorted(participant_ids)))
                .order_by(participants.c.participant_id)
                .with_for_update()
            )

    async def lock_or_create_participant(
        self, participant_id: str, now: datetime
    ) -> ParticipantRecord:
        """The participant's row, locked; created empty first when the first of their events
        arrives (concurrent first events both succeed: the insert does nothing on conflict)."""
        blank = ParticipantRecord.unknown(participant_id)
        await self._db.execute(
            self._dialect.insert(participants)
            .values(**_participant_values(blank), updated_at=now)
            .on_conflict_do_nothing(index_elements=["participant_id"])
        )
        record = await self.participant(participant_id, lock=True)
        assert record is not None
        return record

    async def save_participant(self, record: ParticipantRecord, now: datetime) -> None:
        await self._db.execute(
            update(participants)
            .where(participants.c.participant_id == record.participant_id)
            .values(**_participant_values(record), updated_at=now)
        )

    # -- attendance and assessments -----------------------------------------------------------

    async def replace_attendance(
        self,
        session_id: str,
        day: date,
        present: Collection[str],
        *,
        recorded_by: str,
        recorded_at: datetime,
    ) -> None:
        """Attendance of one day, replacing what was recorded for it before."""
        d = attendance_days.c
        await self._db.execute(
            delete(attendance).where(attendance.c.session_id == session_id, attendance.c.day == day)
        )
        await self._db.execute(
            delete(attendance_days).where(d.session_id == session_id, d.day == day)
        )
        await self._db.execute(
            insert(attendance_days).values(
                session_id=session_id, day=day, recorded_at=recorded_at, recorded_by=recorded_by
            )
        )
        if present:
            await self._db.execute(
                insert(attendance),
                [
                    {"session_id": session_id, "day": day, "participant_id": pid}
                    for pid in sorted(present)
                ],
            )

    async def attendance(self, session_id: str) -> dict[date, set[str]]:
        """Recorded days and who was present on each (a day with nobody maps to an empty set)."""
        days = await self._db.execute(
            select(attendance_days.c.day).where(attendance_days.c.session_id == session_id)
        )
        sheet: dict[date, set[str]] = {day: set() for day in days.scalars()}
        rows = await self._db.execute(
            select(attendance.c.day, attendance.c.participant_id).where(
                attendance.c.session_id == session_id
            )
        )
        for day, pid in rows:
            sheet[day].add(pid)
        return sheet

    async def record_assessment(
        self,
        session_id: str,
        participant_id: str,
        passed: bool,
        *,
        recorded_by: str,
        recorded_at: datetime,
    ) -> None:
        a = assessments.c
        await self._db.execute(
            delete(assessments).where(
                a.session_id == session_id, a.participant_id == participant_id
            )
        )
        await self._db.execute(
            insert(assessments).values(
                session_id=session_id,
                participant_id=participant_id,
                passed=passed,
                recorded_at=recorded_at,
                recorded_by=recorded_by,
            )
        )

    async def assessments(self, session_id: str) -> dict[str, bool]:
        rows = await self._db.execute(
            select(assessments.c.participant_id, assessments.c.passed).where(
                assessments.c.session_id == session_id
            )
        )
        return {key: value for key, value in rows}

    # -- completion ---------------------------------------------------------------------------

    async def allocate_certificate_numbers(
        self, office: str, year: int, programme_code: str, count: int
    ) -> int:
        """Reserve ``count`` consecutive numbers for (office, year, programme); return the
        first. One atomic upsert: concurrent completions queue on the counter's row and never
        get the same number."""
        c = certificate_sequences.c
        statement = self._dialect.insert(certificate_sequences).values(
            office=office, year=year, programme_code=programme_code, last_number=count
        )
        statement = statement.on_conflict_do_update(
            index_elements=["office", "year", "programme_code"],
            set_={"last_number": c.last_number + statement.excluded.last_number},
        ).returning(c.last_number)
        last = (await self._db.execute(statement)).scalar_one()
        return int(last) - count + 1

    async def save_outcomes(self, session_id: str, results: Sequence[Outcome]) -> None:
        if results:
            await self._db.execute(
                insert(outcomes),
                [
                    {
                        "session_id": session_id,
                        "participant_id": o.participant_id,
                        "rank": rank,
                        "completed": o.completed,
                        "days_present": o.days_present,
                        "session_days": o.session_days,
                        "attendance_rate": o.attendance_rate,
                        "assessment_passed": o.assessment_passed,
                        "certificate_no": o.certificate_no,
                    }
                    for rank, o in enumerate(results, start=1)
                ],
            )

    async def outcomes(self, session_id: str) -> list[Outcome]:
        rows = await self._db.execute(
            select(outcomes).where(outcomes.c.session_id == session_id).order_by(outcomes.c.rank)
        )
        return [_outcome(row) for row in rows]

    async def outcome(self, session_id: str, participant_id: str) -> Outcome | None:
        o = outcomes.c
        row = (
            await self._db.execute(
                select(outcomes).where(
                    o.session_id == session_id, o.participant_id == participant_id
                )
            )
        ).first()
        return _outcome(row) if row else None


def _enrollment_values(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "status": enrollment.status.value,
        "arrival": enrollment.arrival,
        "enrolled_at": enrollment.enrolled_at,
        "promoted_at": enrollment.promoted_at,
        "cancelled_at": enrollment.cancelled_at,
        "cancel_reason": enrollment.cancel_reason,
    }


def _participant_values(record: ParticipantRecord) -> dict[str, Any]:
    return {
        "participant_id": record.participant_id,
        "registered": record.registered,
        "version": record.version,
        "office": record.office,
        "category": record.category,
        "full_name": record.full_name,
        "full_name_version": record.full_name_version,
        "consent_granted": record.consent_granted,
        "consent_version": record.consent_version,
        "withdrawn_at": record.withdrawn_at,
    }
