"""Certificate numbers and the Indonesian wording of a certificate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from purna_training.domain.certificates import (
    certificate_number,
    certificate_text,
    persen,
    rentang_tanggal,
    tanggal,
)

pytestmark = pytest.mark.unit


def test_certificate_numbers_read_office_year_programme_sequence() -> None:
    assert certificate_number("NTB", 2024, "TENUN", 1) == "NTB/2024/TENUN/0001"
    assert certificate_number("NTB", 2024, "PRODUKTIVITAS", 137) == "NTB/2024/PRODUKTIVITAS/0137"
    assert certificate_number("NTB", 2025, "AREN", 12345) == "NTB/2025/AREN/12345"
    with pytest.raises(ValueError):
        certificate_number("NTB", 2024, "TENUN", 0)


@pytest.mark.parametrize(
    ("first", "last", "written"),
    [
        (date(2024, 8, 12), date(2024, 8, 15), "12–15 Agustus 2024"),
        (date(2024, 8, 12), date(2024, 8, 12), "12 Agustus 2024"),
        (date(2024, 8, 30), date(2024, 9, 2), "30 Agustus – 2 September 2024"),
        (date(2024, 12, 30), date(2025, 1, 2), "30 Desember 2024 – 2 Januari 2025"),
        (date(2024, 2, 1), date(2024, 2, 4), "1–4 Februari 2024"),
    ],
)
def test_date_spans_are_written_the_indonesian_way(first: date, last: date, written: str) -> None:
    assert rentang_tanggal(first, last) == written


def test_single_dates_and_percentages() -> None:
    assert tanggal(date(2024, 5, 1)) == "1 Mei 2024"
    assert persen(Decimal("1.0000")) == "100%"
    assert persen(Decimal("0.7500")) == "75%"
    assert persen(Decimal("0.8750")) == "87,5%"
    assert persen(Decimal("0.6667")) == "66,67%"


def test_certificate_text_for_bonjeruk() -> None:
    text = certificate_text(
        number="NTB/2024/TENUN/0001",
        participant_name="Baiq Nurul Aini",
        programme_name="Menjahit Bahan Tenun",
        village="Bonjeruk",
        district="Jonggat",
        regency_code="5202",
        first_day=date(2024, 8, 12),
        last_day=date(2024, 8, 15),
        attendance_rate=Decimal("1.0000"),
        office="NTB",
    )
    assert text.place == "Desa Bonjeruk, Kecamatan Jonggat, Kabupaten Lombok Tengah"
    assert text.dates == "12–15 Agustus 2024"
    assert text.issuer == "BP3MI Nusa Tenggara Barat"
    assert text.signed_at == "Mataram, 15 Agustus 2024"
    assert text.attendance == "100%"
    assert text.signatory == "Kepala BP3MI Nusa Tenggara Barat"


def test_a_jawa_timur_certificate_is_its_offices_own() -> None:
    text = certificate_text(
        number=certificate_number("JATIM", 2026, "TENUN", 3),
        participant_name="Siti Aminah",
        programme_name="Menjahit Bahan Tenun",
        village="Kedungrejo",
        district="Waru",
        regency_code="3515",
        first_day=date(2026, 3, 9),
        last_day=date(2026, 3, 12),
        attendance_rate=Decimal("0.75"),
        office="JATIM",
    )
    assert text.number == "JATIM/2026/TENUN/0003"
    assert text.place == "Desa Kedungrejo, Kecamatan Waru, Kabupaten Sidoarjo"
    assert text.issuer == "BP3MI Jawa Timur"
    assert text.signatory == "Kepala BP3MI Jawa Timur"
    assert text.signed_at == "Surabaya, 12 Maret 2026"


def test_a_session_in_papua_names_its_regency_and_office() -> None:
    text = certificate_text(
        number="PAPUA/2026/AREN/0001",
        participant_name="Yohana Wenda",
        programme_name="Gula Semut Aren",
        village="Waena",
        district="Heram",
        regency_code="9171",
        first_day=date(2026, 5, 4),
        last_day=date(2026, 5, 7),
        attendance_rate=Decimal("1"),
        office="PAPUA",
    )
    assert text.place.endswith("Kota Jayapura")
    assert text.signed_at == "Jayapura, 7 Mei 2026"
    assert text.signatory == "Kepala BP3MI Papua"
