"""Rupiah as people read them, negative amounts included, and the calendar date of a moment in
the assessing office's zone (validity and due dates are that office's dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purna_credit.domain.calendar import WESTERNMOST, office_date
from purna_credit.domain.money import format_rupiah
from purna_shared.reference import Zone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("amount", "text"),
    [(-1, "-Rp1"), (-1_500_000, "-Rp1.500.000"), (1, "Rp1"), (999, "Rp999"), (1000, "Rp1.000")],
)
def test_rupiah_with_a_sign_only_below_zero(amount: int, text: str) -> None:
    assert format_rupiah(amount) == text


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_rupiah_reads_back_as_the_amount(amount: int) -> None:
    text = format_rupiah(amount)
    assert text.startswith("-Rp" if amount < 0 else "Rp")
    assert int(text.replace("-", "").removeprefix("Rp").replace(".", "")) == abs(amount)


def test_a_moment_belongs_to_its_offices_day() -> None:
    assert office_date(datetime(2026, 3, 1, 15, 59, tzinfo=UTC), "NTB") == date(2026, 3, 1)
    assert office_date(datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "NTB") == date(2026, 3, 2)
    jakarta = timezone(timedelta(hours=7))
    late_in_jakarta = datetime(2026, 3, 1, 23, 30, tzinfo=jakarta)
    assert office_date(late_in_jakarta, "NTB") == date(2026, 3, 2)  # 00:30 in Mataram
    assert office_date(late_in_jakarta, "JATIM") == date(2026, 3, 1)  # 23:30 in Surabaya
    assert office_date(late_in_jakarta, "PAPUA") == date(2026, 3, 2)
    # an office the reference data does not know: the earliest date in Indonesia
    assert WESTERNMOST is Zone.WIB
    assert office_date(late_in_jakarta, "NOWHERE") == date(2026, 3, 1)
