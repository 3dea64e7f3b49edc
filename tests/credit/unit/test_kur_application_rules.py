"""Application rules at their boundaries: the tenor, the scheme bands, the validity day, the
final amount and which states a bank may act on."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from purna_credit.domain.application import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    ApplicationInvalidError,
    ApplicationRequest,
    ApplicationStatus,
    Decision,
    PrequalificationFacts,
    TransitionError,
    check_decision,
    check_disbursement,
    check_final_amount,
    loan_terms,
    scheme_terms,
)
from purna_credit.domain.prequalification import Result
from purna_credit.domain.rules import DEFAULT_RULES, Purpose, Scheme

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 27)
PQ = PrequalificationFacts("p1", Result.PREQUALIFIED, None, TODAY, 100_000_000, 1)


def fields(exc: pytest.ExceptionInfo[ApplicationInvalidError]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in exc.value.errors]


@pytest.mark.parametrize("tenor", [0, -12])
def test_a_tenor_below_one_month_is_refused(tenor: int) -> None:
    with pytest.raises(ApplicationInvalidError) as info:
        scheme_terms(50_000_000, tenor, Purpose.MODAL_KERJA, 1, DEFAULT_RULES)
    assert fields(info) == [("tenor_months", "must be at least 1 month")]
    assert scheme_terms(50_000_000, 1, Purpose.MODAL_KERJA, 1, DEFAULT_RULES).max_tenor_months == 36


@pytest.mark.parametrize(
    ("amount", "scheme"),
    [(1, Scheme.SUPER_MIKRO), (10_000_000, Scheme.SUPER_MIKRO), (10_000_001, Scheme.MIKRO)],
)
def test_scheme_bands_meet_without_gap(amount: int, scheme: Scheme) -> None:
    assert scheme_terms(amount, 12, Purpose.MODAL_KERJA, 1, DEFAULT_RULES).scheme is scheme


@pytest.mark.parametrize("amount", [0, -5_000_000])
def test_no_scheme_covers_nothing_or_less(amount: int) -> None:
    with pytest.raises(ApplicationInvalidError) as info:
        scheme_terms(amount, 12, Purpose.MODAL_KERJA, 1, DEFAULT_RULES)
    assert fields(info) == [("amount", "no KUR scheme covers this amount")]


def test_the_tenor_limit_is_inclusive_per_purpose() -> None:
    assert (
        scheme_terms(50_000_000, 36, Purpose.MODAL_KERJA, 1, DEFAULT_RULES).scheme is Scheme.MIKRO
    )
    terms = scheme_terms(50_000_000, 60, Purpose.INVESTASI, 1, DEFAULT_RULES)
    assert (terms.max_tenor_months, terms.interest_rate) == (60, Decimal(6))


def test_a_prequalification_is_valid_through_its_last_day() -> None:
    request = ApplicationRequest("p1", 50_000_000, 36, Purpose.MODAL_KERJA)
    assert loan_terms(PQ, request, DEFAULT_RULES, TODAY).scheme is Scheme.MIKRO
    with pytest.raises(ApplicationInvalidError) as info:
        loan_terms(PQ, request, DEFAULT_RULES, TODAY + timedelta(days=1))
    assert fields(info) == [("prequalification_id", "expired on 2026-11-27")]


def test_the_prequalified_maximum_is_inclusive() -> None:
    at_max = ApplicationRequest("p1", 100_000_000, 36, Purpose.MODAL_KERJA)
    assert loan_terms(PQ, at_max, DEFAULT_RULES, TODAY).scheme is Scheme.MIKRO
    over = ApplicationRequest("p1", 100_000_001, 36, Purpose.MODAL_KERJA)
    with pytest.raises(ApplicationInvalidError) as info:
        loan_terms(PQ, over, DEFAULT_RULES, TODAY)
    assert fields(info)[0] == (
        "amount",
        "above the pre-qualified maximum of 100000000 (Rp100.000.000)",
    )


def test_an_invalid_application_lists_every_field_in_its_message() -> None:
    with pytest.raises(ApplicationInvalidError) as info:
        loan_terms(
            PQ, ApplicationRequest("p2", 50_000_000, 0, Purpose.MODAL_KERJA), DEFAULT_RULES, TODAY
        )
    assert str(info.value) == (
        "prequalification_id: belongs to another participant; "
        "tenor_months: must be at least 1 month"
    )


def test_final_amounts_from_one_rupiah_to_the_requested() -> None:
    check_final_amount(50_000_000, 1)
    check_final_amount(50_000_000, 50_000_000)
    for final in (0, -1, 50_000_001):
        with pytest.raises(ApplicationInvalidError) as info:
            check_final_amount(50_000_000, final)
        assert fields(info) == [
            ("amount", "final amount must be between 1 and the requested 50000000")
        ]


@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_which_states_a_bank_may_act_on(status: ApplicationStatus) -> None:
    approvable = status is ApplicationStatus.RESERVED
    rejectable = status in {ApplicationStatus.RESERVED, ApplicationStatus.WAITLISTED}
    for decision, allowed in ((Decision.APPROVE, approvable), (Decision.REJECT, rejectable)):
        if allowed:
            check_decision(status, decision)
        else:
            with pytest.raises(TransitionError) as info:
                check_decision(status, decision)
            assert (
                str(info.value) == f"cannot {decision.value} an application that is {status.value}"
            )
    if status is ApplicationStatus.APPROVED:
        check_disbursement(status)
    else:
        with pytest.raises(TransitionError):
            check_disbursement(status)


def test_statuses_and_decisions_keep_their_published_values() -> None:
    assert [s.value for s in ApplicationStatus] == [
        "reserved",
        "waitlisted",
        "approved",
        "rejected",
        "disbursed",
        "expired",
    ]
    assert [d.value for d in Decision] == ["approve", "reject"]
    assert {
        ApplicationStatus.RESERVED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.APPROVED,
    } == OPEN_STATUSES
    assert OPEN_STATUSES | {ApplicationStatus.DISBURSED} == ACTIVE_STATUSES
