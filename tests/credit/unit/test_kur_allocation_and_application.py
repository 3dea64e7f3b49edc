"""Quota arithmetic and application validation (pure; the concurrency test is integration)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from purna_credit.domain.allocation import (
    AllocationBelowUsageError,
    AllocationExhaustedError,
    Pool,
    PoolScope,
    check_new_total,
    pools_short_of,
    shortfall_reason,
)
from purna_credit.domain.application import (
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
from purna_credit.domain.prequalification import Result, ReviewDecision
from purna_credit.domain.rules import DEFAULT_RULES, Purpose, Scheme

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 27)


def test_pool_reserve_commit_release() -> None:
    pool = Pool(2026, PoolScope.TOTAL, "", total=100_000_000)
    pool = pool.reserve(60_000_000)
    assert (pool.reserved, pool.available) == (60_000_000, 40_000_000)
    pool = pool.commit(reserved_amount=60_000_000, final_amount=45_000_000)  # approved for less
    assert (pool.reserved, pool.committed, pool.available) == (0, 45_000_000, 55_000_000)
    pool = pool.reserve(55_000_000)
    assert pool.available == 0
    with pytest.raises(AllocationExhaustedError, match="tersisa Rp0"):
        pool.reserve(1)
    assert pool.release(55_000_000).available == 55_000_000
    with pytest.raises(ValueError, match="more than was reserved"):
        pool.commit(reserved_amount=10, final_amount=11)


def test_every_pool_must_fit_and_the_reason_names_the_short_one() -> None:
    pools = [
        Pool(2026, PoolScope.TOTAL, "", total=500_000_000, committed=100_000_000),
        Pool(2026, PoolScope.BANK, "BRI", total=50_000_000, reserved=40_000_000),
    ]
    short = pools_short_of(pools, 20_000_000)
    assert [p.key for p in short] == ["BRI"]
    assert shortfall_reason(pools, 20_000_000) == (
        "Alokasi tidak cukup untuk Rp20.000.000: alokasi KUR 2026 bank BRI tersisa Rp10.000.000"
    )
    assert pools_short_of(pools, 10_000_000) == []


def test_total_cannot_drop_below_usage() -> None:
    pool = Pool(2026, PoolScope.PROVINCE, "52", total=10, reserved=4, committed=3)
    check_new_total(pool, 7)
    with pytest.raises(AllocationBelowUsageError, match="below the 7"):
        check_new_total(pool, 6)


PQ = PrequalificationFacts(
    participant_id="p1",
    result=Result.PREQUALIFIED,
    review_decision=None,
    valid_until=date(2027, 2, 25),
    max_plafond=100_000_000,
    loan_number=1,
)


def request(**kw: object) -> ApplicationRequest:
    base: dict[str, object] = {
        "participant_id": "p1",
        "amount": 50_000_000,
        "tenor_months": 36,
        "purpose": Purpose.MODAL_KERJA,
    }
    return ApplicationRequest(**(base | kw))  # type: ignore[arg-type]


def test_valid_application_gets_mikro_terms() -> None:
    terms = loan_terms(PQ, request(), DEFAULT_RULES, TODAY)
    assert (terms.scheme, terms.interest_rate, terms.max_tenor_months) == (
        Scheme.MIKRO,
        Decimal(6),
        36,
    )
    assert terms.rules_version == "kur-2025.1"


def test_small_amount_is_super_mikro_at_3_percent() -> None:
    terms = loan_terms(PQ, request(amount=8_000_000), DEFAULT_RULES, TODAY)
    assert (terms.scheme, terms.interest_rate) == (Scheme.SUPER_MIKRO, Decimal(3))


def test_investment_allows_60_months_working_capital_36() -> None:
    loan_terms(PQ, request(tenor_months=60, purpose=Purpose.INVESTASI), DEFAULT_RULES, TODAY)
    with pytest.raises(ApplicationInvalidError) as info:
        loan_terms(PQ, request(tenor_months=37), DEFAULT_RULES, TODAY)
    assert [e.field for e in info.value.errors] == ["tenor_months"]
    assert "at most 36 months for modal_kerja" in info.value.errors[0].message


def test_every_problem_is_reported_per_field() -> None:
    pq = PrequalificationFacts(
        participant_id="p2",
        result=Result.NEEDS_REVIEW,
        review_decision=None,
        valid_until=date(2026, 11, 26),
        max_plafond=10_000_000,
        loan_number=1,
    )
    with pytest.raises(ApplicationInvalidError) as info:
        loan_terms(pq, request(amount=20_000_000, tenor_months=61), DEFAULT_RULES, TODAY)
    fields = [(e.field, e.message) for e in info.value.errors]
    assert fields == [
        ("prequalification_id", "belongs to another participant"),
        ("prequalification_id", "expired on 2026-11-26"),
        ("prequalification_id", "needs a credit officer's review first"),
        ("amount", "above the pre-qualified maximum of 10000000 (Rp10.000.000)"),
        ("tenor_months", "KUR Mikro allows at most 36 months for modal_kerja"),
    ]


def test_reviewed_prequalification_may_apply_declined_may_not() -> None:
    reviewed = dataclasses.replace(
        PQ, result=Result.NEEDS_REVIEW, review_decision=ReviewDecision.PREQUALIFIED
    )
    loan_terms(reviewed, request(), DEFAULT_RULES, TODAY)
    declined = dataclasses.replace(reviewed, review_decision=ReviewDecision.DECLINED)
    with pytest.raises(ApplicationInvalidError, match="declined by a credit officer"):
        loan_terms(declined, request(), DEFAULT_RULES, TODAY)


def test_scheme_terms_at_approval_follow_the_final_amount() -> None:
    terms = scheme_terms(9_000_000, 24, Purpose.MODAL_KERJA, 2, DEFAULT_RULES)
    assert (terms.scheme, terms.interest_rate) == (Scheme.SUPER_MIKRO, Decimal(3))
    terms = scheme_terms(20_000_000, 24, Purpose.MODAL_KERJA, 2, DEFAULT_RULES)
    assert (terms.scheme, terms.interest_rate) == (Scheme.MIKRO, Decimal(7))


def test_life_cycle_transitions() -> None:
    check_decision(ApplicationStatus.RESERVED, Decision.APPROVE)
    check_decision(ApplicationStatus.WAITLISTED, Decision.REJECT)
    with pytest.raises(TransitionError, match="cannot approve an application that is waitlisted"):
        check_decision(ApplicationStatus.WAITLISTED, Decision.APPROVE)
    with pytest.raises(TransitionError):
        check_decision(ApplicationStatus.APPROVED, Decision.REJECT)
    check_disbursement(ApplicationStatus.APPROVED)
    with pytest.raises(TransitionError, match="only an approved application"):
        check_disbursement(ApplicationStatus.RESERVED)
    check_final_amount(50_000_000, 50_000_000)
    with pytest.raises(ApplicationInvalidError):
        check_final_amount(50_000_000, 50_000_001)
    with pytest.raises(ApplicationInvalidError):
        check_final_amount(50_000_000, 0)
