"""Amounts, dates and times as people in NTB write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from purna_notification.domain.formatting import jam, persen, rentang_tanggal, rupiah, tanggal
from purna_shared.reference import Zone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (10_000_000, "Rp10.000.000"),
        (100_000_000, "Rp100.000.000"),
        (500, "Rp500"),
        (0, "Rp0"),
        (1_000, "Rp1.000"),
        (Decimal("2500000.50"), "Rp2.500.001"),  # half up to whole rupiah
        ("25000000", "Rp25.000.000"),
        (-5_000, "-Rp5.000"),
    ],
)
def test_rupiah(amount: int | Decimal | str, text: str) -> None:
    assert rupiah(amount) == text


def test_tanggal_of_dates() -> None:
    # 12 August 2024 was a Monday, the 15th a Thursday (checked on a calendar)
    assert tanggal(date(2024, 8, 12)) == "Senin, 12 Agustus 2024"
    assert tanggal(date(2024, 8, 15)) == "Kamis, 15 Agustus 2024"
    assert tanggal("2024-08-16") == "Jumat, 16 Agustus 2024"
    assert tanggal(date(2024, 8, 18)) == "Minggu, 18 Agustus 2024"
    assert tanggal(date(2024, 2, 29), hari=False) == "29 Februari 2024"


def test_tanggal_of_a_moment_is_its_date_in_wita() -> None:
    # 16:30 UTC on the 14th is 00:30 WITA on the 15th: people in Lombok read the 15th
    moment = datetime(2024, 8, 14, 16, 30, tzinfo=UTC)
    assert tanggal(moment, zone=Zone.WITA) == "Kamis, 15 Agustus 2024"
    assert tanggal("2024-08-14T15:59:00+00:00", zone=Zone.WITA) == "Rabu, 14 Agustus 2024"
    assert tanggal("2024-08-14T16:00:00Z", zone=Zone.WITA) == "Kamis, 15 Agustus 2024"
    # the same moment in Surabaya is still the 14th (23:30 WIB)
    assert tanggal(moment, zone=Zone.WIB) == "Rabu, 14 Agustus 2024"
    with pytest.raises(ValueError, match="recipient's zone"):
        tanggal(moment)


def test_rentang_tanggal() -> None:
    assert rentang_tanggal("2024-08-12", "2024-08-15") == "12-15 Agustus 2024"
    assert rentang_tanggal(date(2024, 8, 30), date(2024, 9, 2)) == "30 Agustus-2 September 2024"
    assert rentang_tanggal("2024-12-30", "2025-01-02") == "30 Desember 2024-2 Januari 2025"
    assert rentang_tanggal("2024-08-12", "2024-08-12") == "12 Agustus 2024"


def test_jam_is_wita_with_a_dot() -> None:
    assert jam(datetime(2024, 8, 15, 1, 0, tzinfo=UTC), Zone.WITA) == "09.00 WITA"
    assert jam("2024-08-14T23:05:00Z", Zone.WITA) == "07.05 WITA"
    assert jam("2024-08-14T23:05:00Z", Zone.WIB) == "06.05 WIB"
    assert jam("2024-08-14T23:05:00Z", Zone.WIT) == "08.05 WIT"


@pytest.mark.parametrize(
    ("rate", "text"), [(6.0, "6%"), (6.5, "6,5%"), (3, "3%"), (100.0, "100%"), (0.25, "0,25%")]
)
def test_persen(rate: float, text: str) -> None:
    assert persen(rate) == text
