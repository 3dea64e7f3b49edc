r"""KUR applications: validation against the pre-qualification, and the life cycle.

::

    submitted -> reserved ----approve----> approved --disburse--> disbursed
         \           \---reject--> rejected
          \           \--pre-qualification expired--> expired
           -> waitlisted (allocation exhausted) --capacity freed--> reserved
                      \--reject--> rejected, --pre-qualification expired--> expired

The scheme of a loan follows from its amount: KUR schemes are bands of plafond, so Rp8,000,000
is Super Mikro at 3% even for a graduate pre-qualified for Mikro; the rate tier is the loan
number recorded by the pre-qualification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .money import format_rupiah
from .prequalification import Result, ReviewDecision, may_apply
from .rules import SCHEME_LABELS, KurRules, Purpose, Scheme


class ApplicationStatus(StrEnum):
    RESERVED = "reserved"  # quota reserved, waiting for the bank
    WAITLISTED = "waitlisted"  # no quota left when submitted
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSED = "disbursed"
    EXPIRED = "expired"  # pre-qualification lapsed before a decision: reservation released


#: states that still hold, or may still get, a claim on the allocation
OPEN_STATUSES = frozenset(
    {ApplicationStatus.RESERVED, ApplicationStatus.WAITLISTED, ApplicationStatus.APPROVED}
)
#: states that count as an application for the same pre-qualification
ACTIVE_STATUSES = OPEN_STATUSES | {ApplicationStatus.DISBURSED}


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class PrequalificationFacts:
    participant_id: str
    result: Result
    review_decision: ReviewDecision | None
    valid_until: date
    max_plafond: int
    loan_number: int


@dataclass(frozen=True, slots=True)
class ApplicationRequest:
    participant_id: str
    amount: int
    tenor_months: int
    purpose: Purpose


@dataclass(frozen=True, slots=True)
class LoanTerms:
    scheme: Scheme
    interest_rate: Decimal
    max_tenor_months: int
    rules_version: str


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class ApplicationInvalidError(Exception):
    """The application does not fit its pre-qualification or the scheme; one entry per field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class TransitionError(Exception):
    """The application is not in a state that allows this step."""


def loan_terms(
    prequalification: PrequalificationFacts,
    request: ApplicationRequest,
    rules: KurRules,
    today: date,
) -> LoanTerms:
    """Validate an application and return its loan terms, or raise with every problem found."""
    errors: list[FieldError] = []
    pq = prequalification
    if pq.participant_id != request.participant_id:
        errors.append(FieldError("prequalification_id", "belongs to another participant"))
    if today > pq.valid_until:
        errors.append(FieldError("prequalification_id", f"expired on {pq.valid_until.isoformat()}"))
    if not may_apply(pq.result, pq.review_decision):
        why = (
            "declined by a credit officer"
            if pq.review_decision is ReviewDecision.DECLINED
            else "needs a credit officer's review first"
        )
        errors.append(FieldError("prequalification_id", why))
    if request.amount > pq.max_plafond:
        errors.append(
            FieldError(
                "amount",
                f"above the pre-qualified maximum of {pq.max_plafond} "
                f"({format_rupiah(pq.max_plafond)})",
            )
        )
    try:
        terms = scheme_terms(
            request.amount, request.tenor_months, request.purpose, pq.loan_number, rules
        )
    except ApplicationInvalidError as exc:
        errors.extend(exc.errors)
    if errors:
        raise ApplicationInvalidError(errors)
    return terms


def scheme_terms(
    amount: int, tenor_months: int, purpose: Purpose, loan_number: int, rules: KurRules
) -> LoanTerms:
    """The scheme and rate for ``amount`` (schemes are plafond bands), checking the tenor."""
    if tenor_months < 1:  # the HTTP schema checks it too; the rule lives here for every caller
        raise ApplicationInvalidError([FieldError("tenor_months", "must be at least 1 month")])
    terms = rules.scheme_for_amount(amount)
    if terms is None:
        raise ApplicationInvalidError([FieldError("amount", "no KUR scheme covers this amount")])
    max_tenor = terms.max_tenor.for_purpose(purpose)
    if tenor_months > max_tenor:
        raise ApplicationInvalidError(
            [
                FieldError(
                    "tenor_months",
                    f"{SCHEME_LABELS[terms.scheme]} allows at most {max_tenor} months for "
                    f"{purpose.value}",
                )
            ]
        )
    return LoanTerms(
        scheme=terms.scheme,
        interest_rate=terms.rate_for_loan(loan_number),
        max_tenor_months=max_tenor,
        rules_version=rules.version,
    )


def check_decision(status: ApplicationStatus, decision: Decision) -> None:
    """A bank approves a reserved application (the quota is held) and may reject a reserved or
    waitlisted one."""
    allowed = (
        {ApplicationStatus.RESERVED}
        if decision is Decision.APPROVE
        else {ApplicationStatus.RESERVED, ApplicationStatus.WAITLISTED}
    )
    if status not in allowed:
        raise TransitionError(f"cannot {decision.value} an application that is {status.value}")


def check_final_amount(requested: int, final: int) -> None:
    if not 0 < final <= requested:
        raise ApplicationInvalidError(
            [FieldError("amount", f"final amount must be between 1 and the requested {requested}")]
        )


def check_disbursement(status: ApplicationStatus) -> None:
    if status is not ApplicationStatus.APPROVED:
        raise TransitionError(
            f"only an approved application is disbursed; this one is {status.value}"
        )
