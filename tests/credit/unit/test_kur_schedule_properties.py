"""The annuity schedule as properties: for any amount, rate and tenor within the rules, the
principal is repaid exactly, every due date follows the last by one calendar month (the day
clamped to a short month's end, never drifting), and every installment is the equal payment
except the last, which absorbs the rounding."""

from __future__ import annotations

import calendar
import itertools
import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purna_credit.domain.schedule import add_months, annuity_schedule, monthly_payment

pytestmark = pytest.mark.unit

amounts = st.integers(min_value=1, max_value=500_000_000)
# KUR rates are set in hundredths of a percent; 0% (fully subsidised) included
rates = st.decimals(min_value=0, max_value=24, places=2, allow_nan=False, allow_infinity=False)
tenors = st.integers(min_value=1, max_value=84)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@given(start=starts, months=st.integers(min_value=0, max_value=240))
def test_add_months_moves_by_whole_months_and_clamps_the_day(start: date, months: int) -> None:
    due = add_months(start, months)
    assert month_index(due) - month_index(start) == months
    assert due.day == min(start.day, calendar.monthrange(due.year, due.month)[1])


@given(amount=amounts, rate=rates, months=tenors, start=starts)
def test_any_schedule_repays_the_principal_exactly_one_month_apart(
    amount: int, rate: Decimal, months: int, start: date
) -> None:
    schedule = annuity_schedule(amount, rate, months, start)
    payment = monthly_payment(amount, rate, months)

    assert [i.n for i in schedule] == list(range(1, months + 1))
    assert sum(i.principal for i in schedule) == amount
    balance = amount
    for installment in schedule:
        assert installment.principal >= 0
        assert installment.interest >= 0
        assert installment.payment == installment.principal + installment.interest
        balance -= installment.principal
        assert installment.balance == balance >= 0
        # interest is the month's rate on what was still owed, rounded to the rupiah
        owed = installment.balance + installment.principal
        assert abs(installment.interest - owed * rate / 1200) <= Decimal("0.5")
    assert schedule[-1].balance == 0
    assert all(i.payment == payment for i in schedule[:-1] if i.balance > 0)

    due = [i.due_date for i in schedule]
    assert month_index(due[0]) == month_index(start) + 1
    assert all(month_index(b) - month_index(a) == 1 for a, b in itertools.pairwise(due))
    assert all(d.day == min(start.day, calendar.monthrange(d.year, d.month)[1]) for d in due)


def test_every_due_date_of_a_five_year_loan() -> None:
    schedule = annuity_schedule(100_000_000, Decimal(6), 60, date(2026, 11, 30))
    assert [i.due_date for i in schedule] == [
        add_months(date(2026, 11, 30), n) for n in range(1, 61)
    ]
    assert [(i.due_date.year, i.due_date.month) for i in schedule[9:14]] == [
        (2027, 9),
        (2027, 10),
        (2027, 11),
        (2027, 12),
        (2028, 1),
    ]
    assert schedule[2].due_date == date(2027, 2, 28)
    assert schedule[14].due_date == date(2028, 2, 29)
    assert schedule[-1].due_date == date(2031, 11, 30)


def test_december_rolls_into_january_of_the_next_year() -> None:
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 11, 15), 1) == date(2026, 12, 15)
    assert add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)
    assert add_months(date(2026, 1, 15), 23) == date(2027, 12, 15)


def test_the_smallest_loan_and_the_shortest_tenor_are_allowed() -> None:
    assert monthly_payment(1, Decimal(0), 1) == 1
    assert monthly_payment(1_000_000, Decimal(6), 1) == 1_005_000
    assert [i.payment for i in annuity_schedule(1_000_000, Decimal(6), 1, date(2026, 1, 1))] == [
        1_005_000
    ]


def test_the_payment_is_rounded_half_up_to_the_rupiah() -> None:
    assert monthly_payment(3, Decimal(0), 2) == 2  # 1.5 -> 2
    assert monthly_payment(5, Decimal(0), 2) == 3  # 2.5 -> 3
    assert monthly_payment(7, Decimal(0), 3) == 2  # 2.33 -> 2


def test_a_tiny_loan_over_many_months_stops_at_zero() -> None:
    schedule = annuity_schedule(2, Decimal(0), 4, date(2026, 1, 1))
    assert [i.principal for i in schedule] == [1, 1, 0, 0]  # 0.5 -> 1 a month until repaid
    assert [i.balance for i in schedule] == [1, 0, 0, 0]


@pytest.mark.parametrize(
    ("amount", "rate", "months", "why"),
    [
        (0, "6", 12, "amount and months must be positive"),
        (-1, "6", 12, "amount and months must be positive"),
        (1_000_000, "6", 0, "amount and months must be positive"),
        (1_000_000, "6", -12, "amount and months must be positive"),
        (1_000_000, "-0.01", 12, "rate cannot be negative"),
    ],
)
def test_negative_or_empty_loans_are_refused(amount: int, rate: str, months: int, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        monthly_payment(amount, Decimal(rate), months)
    with pytest.raises(ValueError, match=why):
        annuity_schedule(amount, Decimal(rate), months, date(2026, 1, 1))


def exact_payment(amount: int, rate: Decimal, months: int) -> int:
    """The annuity formula in exact fractions, rounded half-up: the oracle for the Decimals."""
    r = Fraction(rate) / 1200
    payment = Fraction(amount, months) if r == 0 else amount * r / (1 - (1 + r) ** -months)
    return math.floor(payment + Fraction(1, 2))


@given(amount=amounts, rate=rates, months=tenors)
def test_the_payment_is_the_annuity_formula_rounded_half_up(
    amount: int, rate: Decimal, months: int
) -> None:
    assert monthly_payment(amount, rate, months) == exact_payment(amount, rate, months)
