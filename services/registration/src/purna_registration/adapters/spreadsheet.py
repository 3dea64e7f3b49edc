"""Reading and writing bulk-intake spreadsheets, one row at a time (constant memory).

CSV goes through the ``csv`` module over a text wrapper; XLSX through openpyxl's read-only
mode, which streams the sheet's XML instead of loading it. Both yield ``(row_number, cells)``
with the spreadsheet's own row numbers (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from purna_shared.export import SafeCsvWriter, neutralise_row

from ..domain.imports import COLUMNS, cell_text

FileFormat = Literal["csv", "xlsx"]

_ZIP_MAGIC = b"PK\x03\x04"
_DELIMITERS = ",;\t"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(ValueError):
    """The file can't be read as the CSV or XLSX it claims to be; the message says why."""


def detect_format(filename: str, head: bytes) -> FileFormat:
    """XLSX is a zip archive; anything else must be CSV text."""
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise SpreadsheetError("the file is named .xlsx but is not an Excel workbook")
    if filename.lower().endswith(".xls"):
        raise SpreadsheetError("old .xls workbooks are not supported: save as .xlsx or CSV")
    if b"\x00" in head:
        raise SpreadsheetError("the file is neither CSV text nor an .xlsx workbook")
    return "csv"


def _sniff_delimiter(first_line: str) -> str:
    # Excel in an Indonesian locale writes ';' (the comma is the decimal separator there).
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def _csv_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        try:
            first = text.readline()
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(
                "the CSV file is not UTF-8 text: in Excel save it as 'CSV UTF-8'"
            ) from exc
        delimiter = _sniff_delimiter(first)
        text.seek(0)

        def rows() -> Iterator[tuple[int, list[str]]]:
            reader = csv.reader(text, delimiter=delimiter, strict=False)
            try:
                for cells in reader:
                    yield reader.line_num, cells
            except UnicodeDecodeError as exc:
                raise SpreadsheetError(
                    f"the CSV file is not UTF-8 text after line {reader.line_num}: "
                    "in Excel save it as 'CSV UTF-8'"
                ) from exc
            except csv.Error as exc:
                raise SpreadsheetError(f"line {reader.line_num}: {exc}") from exc

        yield rows()


@contextmanager
def _xlsx_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    # A file object, not the path: openpyxl judges a path by its extension, we by content.
    handle = path.open("rb")
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged archive
        handle.close()
        raise SpreadsheetError(
            f"the .xlsx workbook can't be opened ({type(exc).__name__})"
        ) from exc
    try:
        sheet = workbook.worksheets[0]

        def rows() -> Iterator[tuple[int, list[str]]]:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [cell_text(v) for v in values]

        yield rows()
    finally:
        workbook.close()
        handle.close()


@contextmanager
def open_rows(path: Path, file_format: FileFormat) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """``(row_number, cells)`` for every row of the first sheet, header included."""
    opener = _csv_rows if file_format == "csv" else _xlsx_rows
    with opener(path) as rows:
        yield rows


def xlsx_row_estimate(path: Path) -> int | None:
    """Data rows of an XLSX from its stored dimension (for progress), when it has one."""
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        workbook = load_workbook(handle, read_only=True, data_only=True)
        try:
            max_row = workbook.worksheets[0].max_row
            return max(max_row - 1, 0) if isinstance(max_row, int) else None
        finally:
            workbook.close()


def template_csv() -> bytes:
    """The template: header row only, UTF-8 with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerow([c.name for c in COLUMNS])
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


GUIDE_HEADER = ("column", "required", "description", "example")


def template_guide_rows() -> list[tuple[str, str, str, str]]:
    """One line per column: whether it is required (by category), what it holds, an example."""
    return [(c.name, c.required_for, c.description, c.example) for c in COLUMNS]


def template_guide_csv() -> bytes:
    """The template's guide as CSV, to keep beside the CSV template (``petunjuk``)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(GUIDE_HEADER)
    writer.writerows(template_guide_rows())
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


def template_xlsx() -> bytes:
    """The template: a data sheet with the header row, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    data = workbook.active
    assert data is not None
    data.title = "peserta"
    data.append(neutralise_row(c.name for c in COLUMNS))
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.number_format = "@"  # text: keeps NIK and phone digits (and leading zeros)
    for letter_index in range(1, len(COLUMNS) + 1):
        data.column_dimensions[data.cell(1, letter_index).column_letter].number_format = "@"
    guide = workbook.create_sheet("petunjuk")
    guide.append(neutralise_row(GUIDE_HEADER))
    for line in template_guide_rows():
        guide.append(neutralise_row(line))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
