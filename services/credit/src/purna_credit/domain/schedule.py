"""Annuity repayment schedule at KUR's effective rate.

KUR interest is *effective* (annuity): equal monthly payments on the declining balance. Banks
quote the monthly rate as the annual rate divided by 12 (6% p.a. -> 0.5% a month), which is what
the hand-checked figures use: Rp50,000,000 over 36 months at 6% -> Rp1,521,097 a month.

All arithmetic is :class:`~decimal.Decimal`. The payment and each month's interest are rounded
half-up to whole rupiah; the last installment repays exactly the remaining balance, absorbing
the rounding, so the principal parts sum to the amount lent.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

_RUPIAH = Decimal(1)


@dataclass(frozen=True, slots=True)
class Installment:
    n: int
    due_date: date
    payment: int
    principal: int
    interest: int
    balance: int  # outstanding principal after this installment


def add_months(start: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31 Jan + 1 -> 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _whole(value: Decimal) -> int:
    return int(value.quantize(_RUPIAH, rounding=ROUND_HALF_UP))


def monthly_rate(annual_rate_percent: Decimal) -> Decimal:
    return annual_rate_percent / Decimal(100) / Decimal(12)


def monthly_payment(amount: int, annual_rate_percent: Decimal, months: int) -> int:
    """The equal monthly payment, rounded half-up to whole rupiah."""
    if amount <= 0 or months <= 0:
        raise ValueError("amount and months must be positive")
    if annual_rate_percent < 0:
        raise ValueError("rate cannot be negative")
    with localcontext() as ctx:
        ctx.prec = 40  # (1 + r)^-n over 84 months needs more than the default 28 digits
        r = monthly_rate(annual_rate_percent)
        if r == 0:
            return _whole(Decimal(amount) / months)
        return _whole(Decimal(amount) * r / (1 - (1 + r) ** -months))


def annuity_schedule(
    amount: int, annual_rate_percent: Decimal, months: int, start: date
) -> list[Installment]:
    """Installments 1..months, the first due one month after ``start``."""
    payment = monthly_payment(amount, annual_rate_percent, months)
    r = monthly_rate(annual_rate_percent)
    balance = amount
    installments: list[Installment] = []
    for n in range(1, months + 1):
        interest = _whole(Decimal(balance) * r)
        principal = balance if n == months else min(payment - interest, balance)
        balance -= principal
        installments.append(
            Installment(
                n=n,
                due_date=add_months(start, n),
                payment=principal + interest,
                principal=principal,
                interest=interest,
                balance=balance,
            )
        )
    return installments
