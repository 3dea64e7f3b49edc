"""The console's own small rules: the funnel arranged from the services' figures, the quick
checks made as an operator types, the form-to-body mapping, the menu per role, Indonesian
formatting."""

from __future__ import annotations

import csv
import io

import pytest

from purna_console.domain import forms, funnel, labels
from purna_console.domain.navigation import home_for, menu_for

pytestmark = pytest.mark.unit


def row(village: str, regency: str, programme: str, *figures: int | None) -> funnel.VillageFunnel:
    registered, enrolled, completed, prequalified = figures
    return funnel.VillageFunnel(
        village, regency, programme, f"s-{village}", registered, enrolled, completed, prequalified
    )


def test_kur_stages_count_every_application_once_and_approvals_with_disbursements() -> None:
    stages = [
        {"stage": "prequalified", "count": 17, "amount": 1},
        {"stage": "reserved", "count": 3, "amount": 30},
        {"stage": "waitlisted", "count": 1, "amount": 10},
        {"stage": "approved", "count": 2, "amount": 20},
        {"stage": "disbursed", "count": 4, "amount": 40},
        {"stage": "rejected", "count": 1, "amount": 5},
    ]
    kur = funnel.kur_funnel(stages)
    assert (kur.applied, kur.approved, kur.disbursed) == (11, 6, 4)
    assert (kur.amount_approved, kur.amount_disbursed) == (60, 40)


def test_grouping_sums_by_regency_and_a_missing_figure_stays_missing() -> None:
    rows = [
        row("Bonjeruk", "5202", "TENUN", 20, 20, 17, 17),
        row("Sukarara", "5202", "TENUN", 20, 20, 18, None),
        row("Jerowaru", "5203", "TERASI", 20, 19, 15, 12),
    ]
    by_regency = {r.regency_code: r for r in funnel.group(rows, "regency_code")}
    assert by_regency["5202"].registered == 40 and by_regency["5202"].completed == 35
    assert by_regency["5202"].prequalified is None  # a partial sum would mislead
    assert by_regency["5203"].prequalified == 12
    assert funnel.totals(rows) == {
        "registered": 60,
        "enrolled": 59,
        "completed": 50,
        "prequalified": None,
    }
    by_programme = funnel.group(rows, "programme_code")
    assert [r.programme_code for r in by_programme] == ["TENUN", "TERASI"]
    (province,) = funnel.group(rows, "province_code")
    assert province.province_code == "52" and province.registered == 60
    assert len(funnel.group(rows, "village")) == 3  # one row per village session


def test_bars_are_proportional_and_a_nonzero_figure_is_visible() -> None:
    assert funnel.bar_width(20, 20) == 100
    assert funnel.bar_width(10, 20) == 50
    assert funnel.bar_width(1, 1000) == 1
    assert funnel.bar_width(0, 20) == 0 and funnel.bar_width(None, 20) == 0


def test_csv_has_one_row_per_village_and_neutralises_formulas() -> None:
    text = funnel.to_csv([row("=HYPERLINK(1)", "5202", "TENUN", 1, 2, 3, None)], "village")
    header, values = list(csv.reader(io.StringIO(text)))
    assert header == ["desa", "kabupaten_kota", "program", *funnel.TRAINING_STAGES]
    assert values == ["'=HYPERLINK(1)", "5202", "TENUN", "1", "2", "3", ""]


@pytest.mark.parametrize(
    ("nik", "hint"),
    [
        ("", "wajib"),
        ("52020", "16 angka (sekarang 5)"),
        ("5202a50101900001", "hanya berisi angka"),
        ("5202055001900001", None),
    ],
)
def test_nik_quick_check(nik: str, hint: str | None) -> None:
    found = forms.nik_hint(nik)
    assert (found is None) if hint is None else (found is not None and hint in found)


@pytest.mark.parametrize(
    ("phone", "ok"),
    [("081234567890", True), ("+6281234567890", True), ("6281234567", True), ("0212345678", False)],
)
def test_phone_quick_check(phone: str, ok: bool) -> None:
    assert (forms.phone_hint(phone) is None) is ok


def test_regency_must_lie_in_the_province() -> None:
    assert forms.address_hint("52", "5202") is None
    assert "bukan di provinsi 52" in (forms.address_hint("52", "3201") or "")


def test_registration_body_follows_the_category() -> None:
    base = {
        "nik": " 5202055001900001 ",
        "full_name": "Baiq Aini",
        "gender": "P",
        "birth_date": "1990-01-10",
        "marital_status": "kawin",
        "phone": "081234567890",
        "province_code": "52",
        "regency_code": "5202",
        "district": "Jonggat",
        "village": "Bonjeruk",
        "consent": "ya",
    }
    pmi = forms.registration_body(
        base
        | {
            "category": "pmi_purna",
            "destination_country": "my",
            "sector": "perkebunan",
            "years_abroad": "4",
        },
        ["sms"],
    )
    assert pmi["nik"] == "5202055001900001" and pmi["email"] is None
    assert pmi["pmi"] == {
        "destination_country": "MY",
        "sector": "perkebunan",
        "years_abroad": 4,
        "returned_on": None,
    }
    assert "family" not in pmi and pmi["consent"] == {"granted": True, "channels": ["sms"]}
    family = forms.registration_body(
        base
        | {
            "category": "keluarga_pmi",
            "relation": "anak",
            "worker_name": "Lalu Hadi",
            "consent": "",
        },
        [],
    )
    assert family["family"] == {
        "relation": "anak",
        "worker_name": "Lalu Hadi",
        "worker_abroad": False,
    }
    assert family["consent"]["granted"] is False and "pmi" not in family
    assert forms.form_field("address.village") == "village" and forms.form_field("") == ""


def test_menu_and_home_per_role() -> None:
    bank = [item.href for item in menu_for({"bank"})]
    assert bank == ["/prakualifikasi", "/pengajuan"]
    assert "/audit" in [i.href for i in menu_for({"auditor"})]
    assert "/audit" not in [i.href for i in menu_for({"operator"})]
    assert len(menu_for({"admin"})) == len(menu_for({"admin", "operator"}))
    assert home_for({"trainer"}) == "/sesi" and home_for({"bank"}) == "/pengajuan"
    assert home_for(set()) == "/akun"


def test_indonesian_formatting() -> None:
    assert labels.rupiah(100_000_000) == "Rp100.000.000"
    assert labels.tanggal("2024-08-12") == "12 Agustus 2024"
    assert labels.tanggal("2024-08-12T01:30:00Z") == "12 Agustus 2024 09.30 WITA"
    assert labels.tanggal(None) == "-"
    assert labels.persen(0.75) == "75%"
    assert labels.label(labels.CATEGORY, "keluarga_pmi") == "Keluarga PMI"
    assert labels.label(labels.CATEGORY, "unknown") == "unknown"
