"""Field intake: the XLSForm (built and converted by pyxform) and submissions from
KoboToolbox and ODK Central (recorded payload shapes) read as import rows, checked by the
same rules, with precise errors."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from purna_registration.adapters.odk_central import OdkCentral
from purna_registration.adapters.xlsform import build_xform, build_xlsx
from purna_registration.domain.field_intake import (
    FORM_ID,
    FORM_VERSION,
    SubmissionError,
    kobo_submission,
    odk_submission,
    xlsform,
)
from purna_registration.domain.imports import COLUMN_NAMES, RowError, parse_row
from purna_registration.domain.participant import Registration

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parents[1] / "fixtures"
TODAY = date(2024, 8, 15)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_the_xlsform_converts_with_pyxform_and_asks_for_consent_first() -> None:
    xform, warnings = build_xform()
    assert warnings == []
    assert f'id="{FORM_ID}"' in xform and f'version="{FORM_VERSION}"' in xform
    assert 'nodeset="/data/consent_granted"' in xform
    nik_bind = re.search(r'<bind nodeset="/data/nik"[^>]*>', xform)
    assert nik_bind and "regex(., '^[0-9]{16}$')" in nik_bind.group(0)
    assert "consent_granted  = 'ya'" in nik_bind.group(0)  # no NIK without consent
    assert "instanceID" in xform


def test_every_registration_column_is_a_question_of_the_form() -> None:
    names = {row["name"] for row in xlsform()["survey"]}
    assert set(COLUMN_NAMES) <= names
    assert "enumerator" in names


def test_province_and_regency_lists_come_from_the_reference_data() -> None:
    choices = xlsform()["choices"]
    provinces = [c for c in choices if c["list_name"] == "province"]
    regencies = [c for c in choices if c["list_name"] == "regency"]
    assert len(provinces) == 38 and len(regencies) == 514
    assert {"list_name": "regency", "name": "3578", "label": "Kota Surabaya", "province": "35"} in (
        regencies
    )
    [regency_question] = [q for q in xlsform()["survey"] if q["name"] == "regency_code"]
    assert regency_question["choice_filter"] == "province = ${province_code}"


def test_the_xlsx_is_a_workbook_with_the_three_sheets() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(build_xlsx()), read_only=True)
    assert book.sheetnames == ["survey", "choices", "settings"]


def test_a_kobo_push_reads_as_an_import_row() -> None:
    submission = kobo_submission(load("kobo_submission.json"))
    assert submission.source == "kobo"
    assert submission.submission_id == "1b9f6c1e-7d0a-4c7e-9a52-3f1e2d4c5b6a"
    assert submission.enumerator == "Lalu Ahmad"
    assert submission.values["sector"] == "perkebunan"  # from the group path pmi/sector
    assert "start" not in submission.values and "_id" not in submission.values
    registration = parse_row(0, submission.values, office="NTB", campaign_id=None, today=TODAY)
    assert isinstance(registration, Registration)
    assert registration.consent_channels == ("sms", "whatsapp")
    assert registration.pmi is not None and registration.pmi.years_abroad == 6


def test_a_kobo_push_without_an_enumerator_field_names_the_account() -> None:
    payload = {k: v for k, v in load("kobo_submission.json").items() if k != "enumerator"}
    assert kobo_submission(payload).enumerator == "bp3mi_ntb_lapangan"


def test_odk_central_rows_read_as_import_rows_with_precise_errors() -> None:
    good, bad = (odk_submission(r) for r in load("odk_submissions.json")["value"])
    assert good.submission_id == "6a0c7f0e-2d94-4c41-8f52-0b6f3e7c9d11"
    assert good.enumerator == "Siti Rahmah"
    assert good.values["relation"] == "anak" and good.values["destination_country"] == ""
    assert isinstance(
        parse_row(0, good.values, office="NTB", campaign_id=None, today=TODAY), Registration
    )
    errors = parse_row(0, bad.values, office="NTB", campaign_id=None, today=TODAY)
    assert isinstance(errors, list)
    by_field = {e.field: e.message for e in errors if isinstance(e, RowError)}
    assert set(by_field) == {"nik", "phone"}
    assert "regency code (digits 3-4) is not a regency" in by_field["nik"]
    assert "5299" not in by_field["nik"]  # no digit of the NIK, not even its regency
    assert bad.values["nik"] not in " ".join(by_field.values())  # the NIK is never echoed


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ([1, 2], "is a JSON object"),
        ({"nik": "5202064107900003"}, "no submission id"),
        ({"meta/instanceID": "uuid:" + "x" * 300}, "longer than 200"),
    ],
)
def test_an_unreadable_kobo_push_says_what_is_missing(payload: Any, why: str) -> None:
    with pytest.raises(SubmissionError, match=why):
        kobo_submission(payload)


def test_an_odk_row_without_id_is_refused() -> None:
    with pytest.raises(SubmissionError, match="no submission id"):
        odk_submission({"nik": "5202064107900003", "__system": {}})


class FakeSubmissions:
    def __init__(self, rows: list[dict[str, Any]], page: int) -> None:
        self.rows, self.page, self.calls = rows, page, []

    def get_table(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        skip, top = kwargs["skip"], kwargs["top"]
        return {"@odata.count": len(self.rows), "value": self.rows[skip : skip + top]}


class FakeClient:
    def __init__(self, submissions: FakeSubmissions) -> None:
        self.submissions = submissions


def test_odk_central_is_read_page_by_page_through_pyodk() -> None:
    rows = [{"__id": f"uuid:{n}"} for n in range(7)]
    fake = FakeSubmissions(rows, 3)
    central = OdkCentral(
        "https://central.example.org",
        "u",
        "p",
        page_size=3,
        client_factory=lambda _: FakeClient(fake),  # type: ignore[arg-type,return-value]
    )
    assert central.rows(3, FORM_ID) == rows
    assert [c["skip"] for c in fake.calls] == [0, 3, 6]
    assert {c["form_id"] for c in fake.calls} == {FORM_ID}
    assert {c["project_id"] for c in fake.calls} == {3}
