"""KUR applications: submit (reserving quota), bank decisions, disbursement, and the sweep that
expires lapsed reservations and promotes the waitlist.

Bank users see and decide only their own bank's applications: every function here takes a
``bank_scope`` (None for roles that see every bank) and answers "not found" for another bank's
application, so its existence is not revealed.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import date

from purna_shared.clock import local_date
from purna_shared.contracts.envelope import new_event_id
from purna_shared.contracts.events import (
    CreditApplicationSubmitted,
    CreditApproved,
    CreditRejected,
    LoanDisbursed,
)
from purna_shared.unit_of_work import Transactions

from ..adapters.orm import Application, Participant, Prequalification
from ..domain.application import (
    ApplicationInvalidError,
    ApplicationRequest,
    ApplicationStatus,
    Decision,
    FieldError,
    LoanTerms,
    PrequalificationFacts,
    TransitionError,
    check_decision,
    check_disbursement,
    check_final_amount,
    loan_terms,
    scheme_terms,
)
from ..domain.prequalification import Result, ReviewDecision
from ..domain.rules import KurRules, Purpose
from ..domain.schedule import Installment, annuity_schedule
from . import allocations
from .errors import ConflictError, ForbiddenError, NotFoundError
from .unit_of_work import CreditUnitOfWork

log = logging.getLogger(__name__)


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
    uow: CreditUnitOfWork,
    command: SubmitApplication,
    *,
    submitted_by: str,
    bank_scope: str | None,
    rules: KurRules,
) -> Application:
    """Validate against the pre-qualification, reserve quota (or waitlist), stage the event."""
    if bank_scope is not None and not same_bank(command.bank, bank_scope):
        raise ForbiddenError(f"a {bank_scope} user can only submit applications to {bank_scope}")
    repo, now, today = uow.repo, uow.now, uow.today
    # Locked: two simultaneous submissions on one pre-qualification can't both pass the check
    # for an active application below.
    prequalification = await repo.prequalification(command.prequalification_id, lock=True)
    if prequalification is None:
        raise ApplicationInvalidError(
            [FieldError("prequalification_id", "no such pre-qualification")]
        )
    participant = await repo.participant(command.participant_id)
    if participant is not None and not participant.consent:
        raise ApplicationInvalidError(
            [FieldError("participant_id", "the participant has withdrawn consent to processing")]
        )
    terms = loan_terms(_facts(prequalification), _request(command), rules, today)
    if participant is None or not participant.registered:  # pre-qualified: known here
        raise ConflictError(f"participant {command.participant_id} is not known here")
    if (active := await repo.active_application_of(prequalification.id)) is not None:
        raise ConflictError(
            f"pre-qualification {prequalification.id} already has application {active}"
        )
    bank = command.bank.strip().upper()
    waitlist_reason = await allocations.reserve(
        repo,
        year=today.year,
        province_code=participant.province_code,
        bank=bank,
        amount=command.amount,
        now=now,
    )
    application = _new_application(
        command, prequalification, participant, terms, bank, waitlist_reason, submitted_by, uow
    )
    await repo.add_application(application)
    await uow.emit(_submitted_event(application))
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


def _facts(prequalification: Prequalification) -> PrequalificationFacts:
    return PrequalificationFacts(
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
    )


def _request(command: SubmitApplication) -> ApplicationRequest:
    return ApplicationRequest(
        participant_id=command.participant_id,
        amount=command.amount,
        tenor_months=command.tenor_months,
        purpose=command.purpose,
    )


def _new_application(
    command: SubmitApplication,
    prequalification: Prequalification,
    participant: Participant,
    terms: LoanTerms,
    bank: str,
    waitlist_reason: str | None,
    submitted_by: str,
    uow: CreditUnitOfWork,
) -> Application:
    reserved = waitlist_reason is None
    return Application(
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
        status=(ApplicationStatus.RESERVED if reserved else ApplicationStatus.WAITLISTED).value,
        status_reason=waitlist_reason,
        allocation_year=uow.today.year,
        province_code=participant.province_code,
        reserved_amount=command.amount if reserved else 0,
        committed_amount=0,
        regency_code=prequalification.regency_code,
        programme_code=prequalification.programme_code,
        valid_until=prequalification.valid_until,
        submitted_by=submitted_by,
        submitted_at=uow.now,
        updated_at=uow.now,
    )


async def _load(
    uow: CreditUnitOfWork, application_id: str, bank_scope: str | None, *, lock: bool
) -> Application:
    application = await uow.repo.application(application_id, lock=lock)
    if application is None or (
        bank_scope is not None and not same_bank(application.bank, bank_scope)
    ):
        raise NotFoundError(f"no application {application_id}")
    return application


async def get(uow: CreditUnitOfWork, application_id: str, bank_scope: str | None) -> Application:
    return await _load(uow, application_id, bank_scope, lock=False)


async def decide(
    uow: CreditUnitOfWork,
    application_id: str,
    command: DecideApplication,
    *,
    decided_by: str,
    bank_scope: str | None,
    rules: KurRules,
) -> Application:
    """A bank approves (committing the final amount, releasing the rest) or rejects (releasing
    the reservation)."""
    now = uow.now
    application = await _load(uow, application_id, bank_scope, lock=True)
    status = ApplicationStatus(application.status)
    try:
        check_decision(status, command.decision)
    except TransitionError as exc:
        raise ConflictError(str(exc)) from exc
    if command.decision is Decision.APPROVE:
        final = command.amount if command.amount is not None else application.amount
        check_final_amount(application.amount, final)
        if uow.today > application.valid_until:
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
        await allocations.commit(uow.repo, application, final, now)
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
        await allocations.release(uow.repo, application, now)
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
    await uow.emit(event)
    return application


async def disburse(
    uow: CreditUnitOfWork,
    application_id: str,
    disbursed_on: date | None,
    *,
    bank_scope: str | None,
) -> Application:
    now = uow.now
    application = await _load(uow, application_id, bank_scope, lock=True)
    try:
        check_disbursement(ApplicationStatus(application.status))
    except TransitionError as exc:
        raise ConflictError(str(exc)) from exc
    today = uow.today
    day = disbursed_on or today
    if day > today:
        raise ApplicationInvalidError([FieldError("disbursed_on", "cannot be in the future")])
    if application.decided_at is not None and day < local_date(application.decided_at, uow.zone):
        raise ApplicationInvalidError([FieldError("disbursed_on", "is before the approval")])
    assert application.approved_amount is not None
    application.status = ApplicationStatus.DISBURSED.value
    application.disbursed_on = day
    application.disbursed_at = now
    application.updated_at = now
    await uow.emit(
        LoanDisbursed(
            application_id=application.id,
            participant_id=application.participant_id,
            amount=application.approved_amount,
            tenor_months=application.tenor_months,
            bank=application.bank,
            disbursed_at=now,
        )
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


async def expire_lapsed(transactions: Transactions[CreditUnitOfWork], batch: int = 100) -> int:
    """Expire undecided applications whose pre-qualification has lapsed, releasing their
    reservations. Safe to run in several workers at once (``SKIP LOCKED``)."""
    expired = 0
    while True:
        lapsed = await transactions(functools.partial(_expire_batch, batch=batch))
        expired += lapsed
        if lapsed < batch:
            return expired


async def _expire_batch(uow: CreditUnitOfWork, batch: int) -> int:
    lapsed = await uow.repo.lapsed_applications(uow.today, limit=batch)
    for application in lapsed:
        await allocations.release(uow.repo, application, uow.now)
        application.status = ApplicationStatus.EXPIRED.value
        application.status_reason = (
            f"Pra-kualifikasi berakhir {application.valid_until.isoformat()} sebelum "
            "ada keputusan bank; alokasi dilepas"
        )
        application.updated_at = uow.now
        log.info(
            "KUR application expired",
            extra={"application_id": application.id, "bank": application.bank},
        )
    return len(lapsed)


async def promote_waitlist(transactions: Transactions[CreditUnitOfWork], batch: int = 100) -> int:
    """Reserve quota for waitlisted applications, oldest first, as far as it now fits (a
    later, smaller one may fit where an earlier one does not). Each promotion is announced
    with CreditApplicationSubmitted again, now ``reserved``."""
    candidates = await transactions(lambda uow: uow.repo.waitlisted_ids(uow.today, limit=batch))
    promoted = 0
    for application_id in candidates:
        if await transactions(functools.partial(_promote, application_id=application_id)):
            promoted += 1
    return promoted


async def _promote(uow: CreditUnitOfWork, application_id: str) -> bool:
    application = await uow.repo.waitlisted_locked(application_id)
    if application is None:
        return False
    reason = await allocations.reserve(
        uow.repo,
        year=application.allocation_year,
        province_code=application.province_code,
        bank=application.bank,
        amount=application.amount,
        now=uow.now,
    )
    if reason is not None:
        application.status_reason = reason
        return False
    application.status = ApplicationStatus.RESERVED.value
    application.status_reason = None
    application.reserved_amount = application.amount
    application.updated_at = uow.now
    await uow.emit(_submitted_event(application))
    return True


async def sweep(transactions: Transactions[CreditUnitOfWork]) -> SweepResult:
    expired = await expire_lapsed(transactions)
    promoted = await promote_waitlist(transactions)
    if expired or promoted:
        log.info("allocation sweep", extra={"expired": expired, "promoted": promoted})
    return SweepResult(expired, promoted)
