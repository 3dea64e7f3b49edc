"""What a certificate says: every month's Indonesian name, every NTB regency by its code, the
issuing office and an unknown office, and the certificate number's refusals."""

from __future__ import annotations

from datetime import date

import pytest

from purna_training.domain.certificates import (
    certificate_number,
    issuing_office,
    regency_name,
    tanggal,
)

pytestmark = pytest.mark.unit

BULAN = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


@pytest.mark.parametrize(("month", "name"), list(enumerate(BULAN, start=1)))
def test_every_month_has_its_indonesian_name(month: int, name: str) -> None:
    assert tanggal(date(2026, month, 2)) == f"2 {name} 2026"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("5201", "Kabupaten Lombok Barat"),
        ("5202", "Kabupaten Lombok Tengah"),
        ("5203", "Kabupaten Lombok Timur"),
        ("5204", "Kabupaten Sumbawa"),
        ("5205", "Kabupaten Dompu"),
        ("5206", "Kabupaten Bima"),
        ("5207", "Kabupaten Sumbawa Barat"),
        ("5208", "Kabupaten Lombok Utara"),
        ("5271", "Kota Mataram"),
        ("5272", "Kota Bima"),
        ("3578", "Kota Surabaya"),  # outside NTB too: any regency of the reference data
        ("5299", "Kabupaten/Kota 5299"),  # no such regency: named by its code
    ],
)
def test_every_ntb_regency_is_named_by_its_code(code: str, name: str) -> None:
    assert regency_name(code) == name


def test_the_issuing_office_and_where_it_signs() -> None:
    ntb, unknown = issuing_office("NTB"), issuing_office("XYZ")
    assert (ntb.name, ntb.city) == ("BP3MI Nusa Tenggara Barat", "Mataram")
    assert (unknown.name, unknown.city) == ("BP3MI XYZ", "")  # no city: the date signs alone


def test_certificate_numbers_and_their_refusals() -> None:
    assert certificate_number("NTB", 2024, "TENUN-TAS", 7) == "NTB/2024/TENUN-TAS/0007"
    assert certificate_number("NTB", 2024, "TENUN-TAS", 1).endswith("/0001")
    with pytest.raises(ValueError, match="cannot go in a certificate number"):
        certificate_number("NTB", 2024, "tenun/tas", 1)
    with pytest.raises(ValueError, match="start at 1"):
        certificate_number("NTB", 2024, "TENUN-TAS", 0)
