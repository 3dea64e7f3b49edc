"""KUR applications: submit (reserving quota), bank decisions, disbursement, and the sweep that
expires lapsed reservations and promotes the waitlist.

Bank users see and decide only their own bank's applications: every function here takes a
``bank_scope`` (None for roles that see every bank) and answers "not found" for another bank's
application, so its existence is not revealed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_shared.contracts.envelope import new_event_id
from purna_shared.contracts.events import (
    CreditApplicationSubmitted,
    CreditApproved,
    CreditRejected,
    LoanDisbursed,
)
from purna_shared.messaging.outbox import Outbox

from ..adapters.orm import Application, Participant, Prequalification
from ..domain.application import (
    ACTIVE_STATUSES,
    ApplicationInvalidError,
    ApplicationRequest,
    ApplicationStatus,
    Decision,
    FieldError,
    PrequalificationFacts,
    TransitionError,
    check_decision,
    check_disbursement,
    check_final_amount,
    loan_terms,
    scheme_terms,
)
from ..domain.calendar import WESTERNMOST, local_date, office_date, offices_by_zone
from ..domain.prequalification import Result, ReviewDecision
from ..domain.rules import KurRules, Purpose
from ..domain.schedule import Installment, annuity_schedule
from . import allocations
from .errors import ConflictError, ForbiddenError, NotFoundError

log = logging.getLogger(__name__)

OUTBOX = Outbox("credit")


@dataclass(frozen=True, slots=True)
class SubmitApplication:
    participant_id: str
    prequalification_id: str
    amount: int
    tenor_months: int
    purpose: Purpose
    bank: str
    business_description: str


@dataclass(frozen=True, slots=True)
class DecideApplication:
    decision: Decision
    amount: int | None = None  # the final amount of an approval; None means as requested
    reason: str | None = None  # required for a rejection


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    status: ApplicationStatus | None = None
    participant_id: str | None = None
    prequalification_id: str | None = None
    bank: str | None = None


def same_bank(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _submitted_event(application: Application) -> CreditApplicationSubmitted:
    return CreditApplicationSubmitted(
        application_id=application.id,
        participant_id=application.participant_id,
        amount=application.amount,
        tenor_months=application.tenor_months,
        bank=application.bank,
        purpose=application.purpose,
        status=application.status,
        submitted_at=application.submitted_at,
    )


async def submit(
    session: AsyncSession,
    command: SubmitApplication,
    *,
    submitted_by: str,
    bank_scope: str | None,
    rules: KurRules,
    now: datetime,
) -> Application:
    """Validate against the pre-qualification, reserve quota (or waitlist), stage the event."""
    if bank_scope is not None and not same_bank(command.bank, bank_scope):
        raise ForbiddenError(f"a {bank_scope} user can only submit applications to {bank_scope}")
    # Locked: two simultaneous submissions on one pre-qualification can't both pass the check
    # for an active application below.
    prequalification = await session.get(
        Prequalification, command.prequalification_id, with_for_update=True
    )
    if prequalification is None:
        raise ApplicationInvalidError(
            [FieldError("prequalification_id", "no such pre-qualification")]
        )
    participant = await session.get(Participant, command.participant_id)
    if participant is not None and not participant.consent:
        raise ApplicationInvalidError(
            [FieldError("participant_id", "the participant has withdrawn consent to processing")]
        )
    today = office_date(now, prequalification.office)
    terms = loan_terms(
        PrequalificationFacts(
            participant_id=prequalification.participant_id,
            result=Result(prequalification.result),
            review_decision=(
                ReviewDecision(prequalification.review_decision)
                if prequalification.review_decision
                else None
            ),
            valid_until=prequalification.valid_until,
            max_plafond=prequalification.max_plafond,
            loan_number=prequalification.loan_number,
        ),
        ApplicationRequest(
            participant_id=command.participant_id,
            amount=command.amount,
            tenor_months=command.tenor_months,
            purpose=command.purpose,
        ),
        rules,
        today,
    )
    if participant is None:  # a pre-qualification exists only for a known participant
        raise ConflictError(f"participant {command.participant_id} is not known here")
    active = await session.scalar(
        select(Application.id).where(
            Application.prequalification_id == prequalification.id,
            Application.status.in_(ACTIVE_STATUSES),
        )
    )
    if active is not None:
        raise ConflictError(
            f"pre-qualification {prequalification.id} already has application {active}"
        )
    bank = command.bank.strip().upper()
    waitlist_reason = await allocations.reserve(
        session,
        year=today.year,
        province_code=participant.province_code,
        bank=bank,
        amount=command.amount,
        now=now,
    )
    application = Application(
        id=new_event_id(),
        participant_id=command.participant_id,
        prequalification_id=prequalification.id,
        amount=command.amount,
        tenor_months=command.tenor_months,
        purpose=command.purpose.value,
        bank=bank,
        business_description=command.business_description,
        scheme=terms.scheme.value,
        interest_rate=terms.interest_rate,
        loan_number=prequalification.loan_number,
        rules_version=terms.rules_version,
        status=(
            ApplicationStatus.RESERVED if waitlist_reason is None else ApplicationStatus.WAITLISTED
        ).value,
        status_reason=waitlist_reason,
        allocation_year=today.year,
        province_code=participant.province_code,
        reserved_amount=command.amount if waitlist_reason is None else 0,
        committed_amount=0,
        regency_code=prequalification.regency_code,
        programme_code=prequalification.programme_code,
        valid_until=prequalification.valid_until,
        submitted_by=submitted_by,
        submitted_at=now,
        updated_at=now,
    )
    session.add(application)
    await session.flush()
    await OUTBOX.add(session, _submitted_event(application))
    log.info(
        "KUR application submitted",
        extra={
            "application_id": application.id,
            "participant_id": application.participant_id,
            "status": application.status,
            "bank": bank,
        },
    )
    return application


async def _load(
    session: AsyncSession, application_id: str, bank_scope: str | None, *, lock: bool
) -> Application:
    application = await session.get(
        Application,
        application_id,
        with_for_update=lock,
        populate_existing=lock,
    )
    if application is None or (
        bank_scope is not None and not same_bank(application.bank, bank_scope)
    ):
        raise NotFoundError(f"no application {application_id}")
    return application


async def get(session: AsyncSession, application_id: str, bank_scope: str | None) -> Application:
    return await _load(session, application_id, bank_scope, lock=False)


async def list_applications(
    session: AsyncSession,
    filters: ApplicationFilter,
    *,
    bank_scope: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Application], int]:
    conditions = []
    # banks are stored upper-case (see submit), so these comparisons can use the index
    if bank_scope is not None:
        conditions.append(Application.bank == bank_scope.strip().upper())
    if filters.bank is not None:
        conditions.append(Application.bank == filters.bank.strip().upper())
    if filters.status is not None:
        conditions.append(Application.status == filters.status.value)
    if filters.participant_id is not None:
        conditions.append(Application.participant_id == filters.participant_id)
    if filters.prequalification_id is not None:
        conditions.append(Application.prequalification_id == filters.prequalification_id)
    total = await session.scalar(select(func.count()).select_from(Application).where(*conditions))
    items = await session.scalars(
        select(Application)
        .where(*conditions)
        .order_by(Application.submitted_at, Application.id)
        .limit(limit)
        .offset(offset)
    )
    return list(items), int(total or 0)


async def decide(
    session: AsyncSession,
    application_id: str,
    command: DecideApplication,
    *,
    decided_by: str,
    bank_scope: str | None,
    rules: KurRules,
    now: datetime,
) -> Application:
    """A bank approves (committing the final amount, releasing the rest) or rejects (releasing
    the reservation)."""
    application = await _load(session, application_id, bank_scope, lock=True)
    status = ApplicationStatus(application.status)
    try:
        check_decision(status, command.decision)
    except TransitionError as exc:
        raise ConflictError(str(exc)) from exc
    if command.decision is Decision.APPROVE:
        final = command.amount if command.amount is not None else application.amount
        check_final_amount(application.amount, final)
        if office_date(now, await office_of(session, application)) > application.valid_until:
            raise ConflictError(
                f"the pre-qualification expired on {application.valid_until.isoformat()}; "
                "its reservation is being released"
            )
        terms = scheme_terms(
            final,
            application.tenor_months,
            Purpose(application.purpose),
            application.loan_number,
            rules,
        )
        await allocations.commit(session, application, final, now)
        application.status = ApplicationStatus.APPROVED.value
        application.approved_amount = final
        application.scheme = terms.scheme.value
        application.interest_rate = terms.interest_rate
        application.rules_version = terms.rules_version
        application.status_reason = None
        event: CreditApproved | CreditRejected = CreditApproved(
            application_id=application.id,
            participant_id=application.participant_id,
            amount=application.amount,
            tenor_months=application.tenor_months,
            bank=application.bank,
            approved_amount=final,
            approved_at=now,
        )
    else:
        if not command.reason:
            raise ApplicationInvalidError([FieldError("reason", "a rejection needs a reason")])
        await allocations.release(session, application, now)
        application.status = ApplicationStatus.REJECTED.value
        application.status_reason = command.reason
        event = CreditRejected(
            application_id=application.id,
            participant_id=application.participant_id,
            amount=application.amount,
            tenor_months=application.tenor_months,
            bank=application.bank,
            reason=command.reason,
            rejected_at=now,
        )
    application.decided_by = decided_by
    application.decided_at = now
    application.updated_at = now
    await OUTBOX.add(session, event)
    return application


async def disburse(
    session: AsyncSession,
    application_id: str,
    disbursed_on: date | None,
    *,
    bank_scope: str | None,
    now: datetime,
) -> Application:
    application = await _load(session, application_id, bank_scope, lock=True)
    try:
        check_disbursement(ApplicationStatus(application.status))
    except TransitionError as exc:
        raise ConflictError(str(exc)) from exc
    office = await office_of(session, application)
    today = office_date(now, office)
    day = disbursed_on or today
    if day > today:
        raise ApplicationInvalidError([FieldError("disbursed_on", "cannot be in the future")])
    if application.decided_at is not None and day < office_date(application.decided_at, office):
        raise ApplicationInvalidError([FieldError("disbursed_on", "is before the approval")])
    assert application.approved_amount is not None
    application.status = ApplicationStatus.DISBURSED.value
    application.disbursed_on = day
    application.disbursed_at = now
    application.updated_at = now
    await OUTBOX.add(
        session,
        LoanDisbursed(
            application_id=application.id,
            participant_id=application.participant_id,
            amount=application.approved_amount,
            tenor_months=application.tenor_months,
            bank=application.bank,
            disbursed_at=now,
        ),
    )
    return application


def schedule(application: Application, start: date) -> list[Installment]:
    """The repayment schedule of the approved amount (or, before approval, the requested one)."""
    amount = application.approved_amount or application.amount
    return annuity_schedule(amount, application.interest_rate, application.tenor_months, start)


# -- the sweep: expiry of lapsed reservations, promotion of the waitlist --------------------------


@dataclass(frozen=True, slots=True)
class SweepResult:
    expired: int
    promoted: int


async def office_of(session: AsyncSession, application: Application) -> str:
    """The BP3MI office whose assessment the application rests on (its calendar's zone)."""
    office = await session.scalar(
        select(Prequalification.office).where(
            Prequalification.id == application.prequalification_id
        )
    )
    if office is None:  # pragma: no cover - the foreign key holds it
        raise NotFoundError(f"pre-qualification {application.prequalification_id} not found")
    return office


async def expire_lapsed(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, batch: int = 100
) -> int:
    """Expire undecided applications whose pre-qualification has lapsed, releasing their
    reservations. Safe to run in several workers at once (``SKIP LOCKED``).

    An application lapses when its validity has ended in its office's zone: each zone's offices
    are compared with that zone's today (an unknown office with the westernmost zone's)."""
    groups = offices_by_zone()
    known = [code for codes in groups.values() for code in codes]
    expired = 0
    for zone, offices in groups.items():
        office_filter = Prequalification.office.in_(offices)
        expired += await _expire(sessionmaker, now, local_date(now, zone), office_filter, batch)
    unknown_office = Prequalification.office.not_in(known)
    expired += await _expire(sessionmaker, now, local_date(now, WESTERNMOST), unknown_office, batch)
    return expired


async def _expire(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    today: date,
    office_filter: ColumnElement[bool],
    batch: int,
) -> int:
    expired = 0
    while True:
        async with sessionmaker() as session, session.begin():
            lapsed = list(
                await session.scalars(
                    select(Application)
                    .join(Prequalification, Application.prequalification_id == Prequalification.id)
                    .where(
                        Application.status.in_(
                            [ApplicationStatus.RESERVED, ApplicationStatus.WAITLISTED]
                        ),
                        Application.valid_until < today,
                        office_filter,
                    )
                    .order_by(Application.submitted_at, Application.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True, of=Application)
                    .execution_options(populate_existing=True)
                )
            )
            for application in lapsed:
                await allocations.release(session, application, now)
                application.status = ApplicationStatus.EXPIRED.value
                application.status_reason = (
                    f"Pra-kualifikasi berakhir {application.valid_until.isoformat()} sebelum "
                    "ada keputusan bank; alokasi dilepas"
                )
                application.updated_at = now
                log.info(
                    "KUR application expired",
                    extra={"application_id": application.id, "bank": application.bank},
                )
        expired += len(lapsed)
        if len(lapsed) < batch:
            return expired


async def promote_waitlist(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, batch: int = 100
) -> int:
    """Reserve quota for waitlisted applications, oldest first, as far as it now fits (a
    later, smaller one may fit where an earlier one does not). Each promotion is announced
    with CreditApplicationSubmitted again, now ``reserved``.

    Candidates are taken with the westernmost zone's date, the earliest in Indonesia: an
    application is never promoted after its validity ended in the west; in the east a few
    hours past the end of its last day may still count."""
    today = local_date(now, WESTERNMOST)
    async with sessionmaker() as session:
        candidates = list(
            await session.scalars(
                select(Application.id)
                .where(
                    Application.status == ApplicationStatus.WAITLISTED,
                    Application.valid_until >= today,
                    Application.allocation_year == today.year,
                )
                .order_by(Application.submitted_at, Application.id)
                .limit(batch)
            )
        )
    promoted = 0
    for application_id in candidates:
        async with sessionmaker() as session, session.begin():
            application = await session.scalar(
                select(Application)
                .where(
                    Application.id == application_id,
                    Application.status == ApplicationStatus.WAITLISTED,
                )
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
            if application is None:
                continue
            reason = await allocations.reserve(
                session,
                year=application.allocation_year,
                province_code=application.province_code,
                bank=application.bank,
                amount=application.amount,
                now=now,
            )
            if reason is not None:
                application.status_reason = reason
                continue
            application.status = ApplicationStatus.RESERVED.value
            application.status_reason = None
            application.reserved_amount = application.amount
            application.updated_at = now
            await OUTBOX.add(session, _submitted_event(application))
            promoted += 1
    return promoted


async def sweep(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> SweepResult:
    expired = await expire_lapsed(sessionmaker, now)
    promoted = await promote_waitlist(sessionmaker, now)
    if expired or promoted:
        log.info("allocation sweep", extra={"expired": expired, "promoted": promoted})
    return SweepResult(expired, promoted)
