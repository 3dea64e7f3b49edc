"""Bulk-intake rules: the header, one row to one registration, errors by row and column."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from purna_registration.domain.imports import (
    COLUMN_NAMES,
    HeaderError,
    RowError,
    cell_text,
    duplicate_in_file,
    normalise_header,
    parse_date,
    parse_row,
)
from purna_registration.domain.participant import Registration

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 27)


def row(**cells: str) -> dict[str, str]:
    base = {
        "nik": "5202064107900003",
        "full_name": "Baiq Nurul Aini",
        "gender": "p",
        "birth_date": "01/07/1990",
        "marital_status": "kawin",
        "phone": "81234567890",
        "email": "",
        "province_code": "52",
        "regency_code": "5202",
        "district": "Jonggat",
        "village": "Bonjeruk",
        "category": "pmi_purna",
        "destination_country": "SA",
        "sector": "pekerja_rumah_tangga",
        "years_abroad": "4",
        "returned_on": "",
        "relation": "",
        "worker_name": "",
        "worker_abroad": "",
        "consent_granted": "Ya",
        "consent_channels": "sms; whatsapp",
    }
    base.update(cells)
    return base


def parse(values: dict[str, str], number: int = 7) -> Registration | list[RowError]:
    return parse_row(number, values, office="NTB", campaign_id="c-1", today=TODAY)


def test_the_template_header_is_accepted_in_any_case_and_spacing() -> None:
    header = [" NIK", "Full Name", *COLUMN_NAMES[2:], "", ""]
    assert normalise_header(header) == COLUMN_NAMES


def test_a_header_missing_columns_or_with_unknown_ones_is_refused_saying_which() -> None:
    with pytest.raises(HeaderError) as caught:
        normalise_header(["nik", "full_name", "emial", "nik"])
    message = str(caught.value)
    assert message.startswith("missing required column(s): gender, birth_date, marital_status")
    assert "unknown column(s): emial" in message
    assert "repeated column(s): nik" in message
    assert message.endswith("Download the template from GET /imports/template.")


def test_a_good_row_becomes_a_registration() -> None:
    result = parse(row())
    assert isinstance(result, Registration)
    assert result.birth_date == date(1990, 7, 1)
    assert result.gender == "P"
    assert result.phone == "+6281234567890"
    assert result.consent_channels == ("sms", "whatsapp")
    assert result.campaign_id == "c-1" and result.office == "NTB"
    assert result.pmi is not None and result.pmi.destination_country == "SA"


def test_a_family_row() -> None:
    result = parse(
        row(
            category="keluarga_pmi",
            destination_country="",
            sector="",
            years_abroad="",
            relation="anak",
            worker_name="Lalu Ahmad",
            worker_abroad="tidak",
        )
    )
    assert isinstance(result, Registration)
    assert result.family is not None
    assert (result.family.relation, result.family.worker_abroad) == ("anak", False)


def test_errors_name_the_row_and_the_column() -> None:
    result = parse(row(nik="520206410790003", regency_code="5209", consent_channels="sms;fax"))
    assert result == [
        RowError(7, "nik", "must be exactly 16 digits, got 15"),
        RowError(7, "regency_code", "5209 is not a regency of province 52"),
        RowError(7, "consent_channels", "unknown channel(s) fax; allowed: sms, whatsapp, email"),
    ]


def test_cells_that_cannot_be_read_are_reported_before_the_rules() -> None:
    result = parse(row(birth_date="1 Juli 1990", years_abroad="empat", consent_granted="mungkin"))
    assert result == [
        RowError(7, "birth_date", "'1 Juli 1990' is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
        RowError(7, "consent_granted", "must be ya or tidak (yes/no, true/false, 1/0)"),
        RowError(7, "years_abroad", "must be a whole number"),
    ]


def test_missing_required_cells_and_stray_group_cells() -> None:
    result = parse(row(full_name="", destination_country="", relation="anak"))
    assert result == [
        RowError(7, "full_name", "is required"),
        RowError(7, "relation", "must be empty for a pmi_purna row"),
        RowError(7, "destination_country", "is required"),
    ]
    assert parse(row(category="pmi")) == [
        RowError(7, "category", "must be pmi_purna or keluarga_pmi")
    ]


def test_dates_in_the_forms_spreadsheets_use() -> None:
    assert parse_date("1990-07-01") == date(1990, 7, 1)
    assert parse_date("01/07/1990") == date(1990, 7, 1)  # DD/MM/YYYY, not US order
    assert parse_date("1-7-1990") == date(1990, 7, 1)
    assert parse_date("1990-07-01 00:00:00") == date(1990, 7, 1)
    with pytest.raises(ValueError):
        parse_date("31/02/1990")


def test_spreadsheet_cells_keep_every_digit() -> None:
    assert cell_text(5202064107900003) == "5202064107900003"
    assert cell_text(5202064107900003.0) == "5202064107900003"
    assert cell_text(81234567890) == "81234567890"
    assert cell_text(datetime(1990, 7, 1)) == "1990-07-01"
    assert cell_text(date(1990, 7, 1)) == "1990-07-01"
    assert cell_text(True) == "ya"
    assert cell_text(None) == ""
    assert cell_text(4.5) == "4.5"


def test_duplicate_messages() -> None:
    assert duplicate_in_file(12) == "repeats the NIK of row 12 in this file; registered once"


def test_a_row_reports_every_problem_at_once() -> None:
    """Missing category fields and the registration rules' findings in one report, so an
    operator fixes the row once (not fix, upload, find the next)."""
    errors = parse(row(sector="", years_abroad="", phone="12", email="not-an-email"))
    assert isinstance(errors, list)
    fields = {e.field for e in errors}
    assert {"sector", "years_abroad", "phone", "email"} <= fields, errors
    assert len(errors) == len(fields)  # one message per column


def test_the_template_guide_says_what_each_category_requires() -> None:
    from purna_registration.adapters.spreadsheet import template_guide_csv

    text = template_guide_csv().decode("utf-8-sig")
    guide = {line[0]: line[1] for line in csv.reader(io.StringIO(text))}
    assert guide["nik"] == "ya (every row)"
    for name in ("destination_country", "sector", "years_abroad"):
        assert guide[name] == "pmi_purna rows"
        assert parse(row(**{name: ""})) != []  # and validation does require it
    for name in ("relation", "worker_name", "worker_abroad"):
        assert guide[name] == "keluarga_pmi rows"
    assert guide["returned_on"] == guide["email"] == "tidak (optional)"
    assert isinstance(parse(row(returned_on="", email="")), Registration)
