"""Annuity schedule, checked against hand-computed figures.

Rp50,000,000 over 36 months at 6% p.a.: r = 0.06 / 12 = 0.005;
payment = 50,000,000 x 0.005 / (1 - 1.005^-36) = 1,521,096.87 -> Rp1,521,097.
Month 1: interest 50,000,000 x 0.005 = 250,000; principal 1,271,097; balance 48,728,903.
Month 2: interest 48,728,903 x 0.005 = 243,644.515 -> 243,645; principal 1,277,452.
Rp10,000,000 over 24 months at 3%: r = 0.0025; payment = 429,812.12 -> Rp429,812;
month 1: interest 25,000, principal 404,812.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from purna_credit.domain.schedule import add_months, annuity_schedule, monthly_payment

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("amount", "rate", "months", "payment"),
    [
        (50_000_000, "6", 36, 1_521_097),
        (10_000_000, "3", 24, 429_812),
        (100_000_000, "6", 60, 1_933_280),  # 100m x 0.005 / (1 - 1.005^-60) = 1,933,280.14
        (12_000_000, "0", 12, 1_000_000),
    ],
)
def test_monthly_payment_hand_checked(amount: int, rate: str, months: int, payment: int) -> None:
    assert monthly_payment(amount, Decimal(rate), months) == payment


def test_schedule_first_months_hand_checked() -> None:
    schedule = annuity_schedule(50_000_000, Decimal("6"), 36, date(2026, 1, 15))
    first, second = schedule[0], schedule[1]
    assert (first.n, first.payment, first.interest, first.principal, first.balance) == (
        1,
        1_521_097,
        250_000,
        1_271_097,
        48_728_903,
    )
    assert (second.interest, second.principal, second.balance) == (
        243_645,
        1_277_452,
        47_451_451,
    )
    assert first.due_date == date(2026, 2, 15)
    assert schedule[-1].due_date == date(2029, 1, 15)


def test_schedule_super_mikro_hand_checked() -> None:
    schedule = annuity_schedule(10_000_000, Decimal("3"), 24, date(2026, 11, 27))
    assert (schedule[0].payment, schedule[0].interest, schedule[0].principal) == (
        429_812,
        25_000,
        404_812,
    )


@pytest.mark.parametrize(
    ("amount", "rate", "months"),
    [(50_000_000, "6", 36), (10_000_000, "3", 24), (99_999_999, "9", 84), (1_000, "7", 7)],
)
def test_principal_sums_exactly_and_last_installment_absorbs_rounding(
    amount: int, rate: str, months: int
) -> None:
    schedule = annuity_schedule(amount, Decimal(rate), months, date(2026, 1, 31))
    payment = monthly_payment(amount, Decimal(rate), months)
    assert len(schedule) == months
    assert sum(i.principal for i in schedule) == amount
    assert schedule[-1].balance == 0
    assert all(i.payment == payment for i in schedule[:-1])
    assert abs(schedule[-1].payment - payment) <= months  # at most 1 rupiah drift a month
    assert all(i.payment == i.principal + i.interest for i in schedule)


def test_due_dates_clamp_to_month_end_without_drifting() -> None:
    schedule = annuity_schedule(3_000_000, Decimal("3"), 3, date(2026, 1, 31))
    assert [i.due_date for i in schedule] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        monthly_payment(0, Decimal("6"), 12)
    with pytest.raises(ValueError, match="positive"):
        monthly_payment(1_000_000, Decimal("6"), 0)
