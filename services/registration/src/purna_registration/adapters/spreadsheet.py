"""Reading and writing bulk-intake spreadsheets, one row at a time (constant memory).

CSV goes through the ``csv`` module over a text wrapper; XLSX through openpyxl's read-only
mode, which streams the sheet's XML instead of loading it. Both yield ``(row_number, cells)``
with the spreadsheet's own row numbers (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from ..domain.imports import COLUMNS, cell_text

FileFormat = Literal["csv", "xlsx"]

_ZIP_MAGIC = b"PK\x03\x04"

#: Limits that keep reading an upload within its memory and time budget (README, "Limits").
#: The template has about 25 columns and a row of it fits in 1 KiB.
MAX_COLUMNS = 100  # cells read per row; a wider row is refused (no quadratic header checks)
MAX_LINE_CHARS = 64 * 1024  # one CSV line (a quoted multi-line cell spans several)
#: An XLSX is a zip: its parts are checked from the archive's directory before any is read.
XLSX_MAX_SHARED_STRINGS = 16 * 1024 * 1024  # openpyxl holds every shared string in memory
XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024  # the sheet itself is streamed
XLSX_MAX_PARTS = 10_000
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


def _too_wide(number: int, count: int) -> SpreadsheetError:
    return SpreadsheetError(
        f"row {number} has {count} or more cells; the template has {len(COLUMNS)} columns "
        f"and at most {MAX_COLUMNS} are accepted"
    )


def _bounded_lines(text: io.TextIOWrapper) -> Iterator[str]:
    """The text's lines, refusing one longer than ``MAX_LINE_CHARS`` before holding more."""
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise SpreadsheetError(
                f"line {number} is longer than {MAX_LINE_CHARS} characters: not a template row"
            )
        yield line


@contextmanager
def _csv_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        try:
            first = text.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(
                "the CSV file is not UTF-8 text: in Excel save it as 'CSV UTF-8'"
            ) from exc
        delimiter = _sniff_delimiter(first)
        text.seek(0)

        def rows() -> Iterator[tuple[int, list[str]]]:
            reader = csv.reader(_bounded_lines(text), delimiter=delimiter, strict=False)
            try:
                for cells in reader:
                    if len(cells) > MAX_COLUMNS:
                        raise _too_wide(reader.line_num, len(cells))
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

    check_xlsx_archive(path)
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
            # One column more than accepted, to notice a wider row without reading all of it
            # (a forged dimension can claim 16,384 columns on every row).
            rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
            for number, values in enumerate(rows, start=1):
                if len(values) > MAX_COLUMNS and values[MAX_COLUMNS] not in (None, ""):
                    raise _too_wide(number, MAX_COLUMNS + 1)
                yield number, [cell_text(v) for v in values[:MAX_COLUMNS]]

        yield rows()
    finally:
        workbook.close()
        handle.close()


def check_xlsx_archive(path: Path) -> None:
    """Refuse a workbook whose parts would exceed the memory budget once decompressed (a
    "shared strings bomb": a few hundred KB that openpyxl would expand into gigabytes)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetError("the .xlsx workbook can't be opened (damaged archive)") from exc
    if len(parts) > XLSX_MAX_PARTS:
        raise SpreadsheetError(f"the .xlsx workbook has more than {XLSX_MAX_PARTS} parts")
    for part in parts:
        if part.filename.lower().endswith("sharedstrings.xml") and (
            part.file_size > XLSX_MAX_SHARED_STRINGS
        ):
            raise SpreadsheetError(
                f"the workbook's text table is {part.file_size // 1_048_576} MiB once "
                f"decompressed; at most {XLSX_MAX_SHARED_STRINGS // 1_048_576} MiB: split the file"
            )
    if sum(part.file_size for part in parts) > XLSX_MAX_UNCOMPRESSED:
        raise SpreadsheetError(
            f"the workbook is larger than {XLSX_MAX_UNCOMPRESSED // 1_048_576} MiB once "
            "decompressed: split the file"
        )


@contextmanager
def open_rows(path: Path, file_format: FileFormat) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """``(row_number, cells)`` for every row of the first sheet, header included."""
    opener = _csv_rows if file_format == "csv" else _xlsx_rows
    with opener(path) as rows:
        yield rows


def xlsx_row_estimate(path: Path) -> int | None:
    """Data rows of an XLSX from its stored dimension (for progress), when it has one."""
    from openpyxl import load_workbook

    check_xlsx_archive(path)
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
    csv.writer(buffer).writerow([c.name for c in COLUMNS])
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


GUIDE_HEADER = ("column", "required", "description", "example")


def template_guide_rows() -> list[tuple[str, str, str, str]]:
    """One line per column: whether it is required (by category), what it holds, an example."""
    return [(c.name, c.required_for, c.description, c.example) for c in COLUMNS]


def template_guide_csv() -> bytes:
    """The template's guide as CSV, to keep beside the CSV template (``petunjuk``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
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
    data.append([c.name for c in COLUMNS])
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.number_format = "@"  # text: keeps NIK and phone digits (and leading zeros)
    for letter_index in range(1, len(COLUMNS) + 1):
        data.column_dimensions[data.cell(1, letter_index).column_letter].number_format = "@"
    guide = workbook.create_sheet("petunjuk")
    guide.append(list(GUIDE_HEADER))
    for line in template_guide_rows():
        guide.append(list(line))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
