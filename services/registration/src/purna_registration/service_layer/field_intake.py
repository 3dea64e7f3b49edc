"""Taking field submissions (KoboToolbox pushes, ODK Central pulls) through the registration
path of the API and the import: the same validation (``imports.parse_row``), the same NIK
de-duplication and campaign check (``participants.register_validated``), the same event.

Each submission is taken once, by (source, form, instanceID), in the transaction that
registers it: a retried push or a second pull finds the stored outcome and changes nothing. A
submission that fails (invalid answers, a NIK already registered) is kept with its reasons:
that is the report an operator fixes and resubmits (a corrected submission is a new one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..adapters.nik_vault import NikVault
from ..adapters.orm import field_submissions
from ..domain.errors import ValidationFailed
from ..domain.field_intake import Submission
from ..domain.imports import already_registered, parse_row
from . import participants
from .actor import Actor
from .unit_of_work import RegistrationUnitOfWork

REPORTED = ("rejected", "duplicate")


@dataclass(frozen=True, slots=True)
class IntakeForm:
    """A deployed form: which office its submissions belong to, and their campaign."""

    form_id: str
    office: str
    campaign_id: str | None = None


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    submission_id: str
    status: str  # registered, duplicate or rejected
    participant_id: str | None
    enumerator: str | None
    errors: list[dict[str, str]] = field(default_factory=list)
    #: True when this submission had been taken before (a retried push, a second pull)
    repeated: bool = False


def _insert(uow: RegistrationUnitOfWork) -> Any:
    dialect = uow.session.get_bind().dialect.name
    return (
        pg_insert if dialect == "postgresql" else sqlite_insert if dialect == "sqlite" else insert
    )


async def take(
    uow: RegistrationUnitOfWork, submission: Submission, form: IntakeForm, *, vault: NikVault
) -> IntakeOutcome:
    session = uow.session
    key = and_(
        field_submissions.c.source == submission.source,
        field_submissions.c.form_id == form.form_id,
        field_submissions.c.submission_id == submission.submission_id,
    )
    # Claim the submission first: a concurrent copy of it waits on this row until we commit,
    # then finds it taken.
    claimed = await session.execute(
        _insert(uow)(field_submissions)
        .values(
            source=submission.source,
            form_id=form.form_id,
            submission_id=submission.submission_id,
            office=form.office,
            enumerator=submission.enumerator,
            status="pending",
            errors=[],
            received_at=uow.now,
        )
        .on_conflict_do_nothing()
        .returning(field_submissions.c.submission_id)
    )
    if claimed.first() is None:
        stored = (await session.execute(select(field_submissions).where(key))).one()
        return IntakeOutcome(
            stored.submission_id,
            stored.status,
            stored.participant_id,
            stored.enumerator,
            list(stored.errors),
            repeated=True,
        )

    status, participant_id, errors = await _register(uow, submission, form, vault)
    await session.execute(
        update(field_submissions)
        .where(key)
        .values(status=status, participant_id=participant_id, errors=errors)
    )
    return IntakeOutcome(
        submission.submission_id, status, participant_id, submission.enumerator, errors
    )


async def _register(
    uow: RegistrationUnitOfWork, submission: Submission, form: IntakeForm, vault: NikVault
) -> tuple[str, str | None, list[dict[str, str]]]:
    parsed = parse_row(
        0, submission.values, office=form.office, campaign_id=form.campaign_id, today=uow.today
    )
    if isinstance(parsed, list):
        return "rejected", None, [{"field": e.field, "message": e.message} for e in parsed]
    actor = Actor(
        subject=f"{submission.source}:{form.form_id}:{submission.enumerator or '-'}"[:200],
        roles=frozenset({"operator"}),
        office=form.office,
        route=f"field intake {submission.source}",
    )
    try:
        # The NIK insert is ON CONFLICT DO NOTHING: a known NIK leaves the transaction (and the
        # claim above) intact.
        participant = await participants.register_validated(uow, parsed, actor, vault=vault)
    except participants.AlreadyRegistered as exc:
        return (
            "duplicate",
            None,
            [{"field": "nik", "message": already_registered(exc.participant_id)}],
        )
    except ValidationFailed as failed:
        return "rejected", None, [{"field": e.field, "message": e.message} for e in failed.errors]
    return "registered", participant.id, []


@dataclass(frozen=True, slots=True)
class ReportRow:
    submission_id: str
    enumerator: str | None
    status: str
    errors: list[dict[str, str]]
    received_at: Any


async def report(
    uow: RegistrationUnitOfWork, *, office: str | None, form_id: str, limit: int, offset: int
) -> tuple[list[ReportRow], int]:
    """The submissions of a form that were not registered, oldest first, with their reasons
    (limited to ``office`` unless None)."""
    where = [field_submissions.c.form_id == form_id, field_submissions.c.status.in_(REPORTED)]
    if office is not None:
        where.append(field_submissions.c.office == office)
    total = await uow.session.scalar(select(func.count()).where(*where))
    rows = await uow.session.execute(
        select(field_submissions)
        .where(*where)
        .order_by(field_submissions.c.received_at, field_submissions.c.submission_id)
        .limit(limit)
        .offset(offset)
    )
    return [
        ReportRow(r.submission_id, r.enumerator, r.status, list(r.errors), r.received_at)
        for r in rows
    ], int(total or 0)
