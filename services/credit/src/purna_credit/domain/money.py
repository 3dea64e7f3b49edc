"""Rupiah and rates as people in Indonesia read them."""

from __future__ import annotations

from decimal import Decimal


def format_rupiah(amount: int) -> str:
    """``Rp10.000.000``: dot as the thousands separator, no decimals (KUR amounts are whole)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def format_rate(percent: Decimal) -> str:
    """``6%``, ``6,5%``: a comma as the decimal separator."""
    text = format(percent.normalize(), "f")
    return text.replace(".", ",") + "%"
