"""The registration XLSForm as a file: written with openpyxl, checked by converting it with
pyxform (the converter ODK Central and KoboToolbox run on upload)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from ..domain.field_intake import xlsform


class XlsFormError(ValueError):
    """pyxform refused the form; the message is pyxform's."""


def build_xlsx() -> bytes:
    """The form as an .xlsx workbook (survey, choices, settings), ready for Kobo or Central."""
    workbook = Workbook()
    if workbook.active is not None:
        workbook.remove(workbook.active)
    for title, rows in xlsform().items():
        sheet = workbook.create_sheet(title)
        columns: list[str] = []
        for row in rows:
            columns.extend(c for c in row if c not in columns)
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c, "") for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def build_xform(xlsx: bytes | None = None) -> tuple[str, list[str]]:
    """The XForm (XML) pyxform makes of the workbook, and its warnings."""
    from pyxform.xls2xform import convert  # heavy: loaded when a form is converted

    warnings: list[str] = []
    try:
        result = convert(xlsform=xlsx or build_xlsx(), warnings=warnings, file_type=".xlsx")
    except Exception as exc:  # pyxform raises PyXFormError and ValueError subclasses
        raise XlsFormError(str(exc)) from exc
    return result.xform, warnings
