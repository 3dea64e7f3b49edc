"""Issue 15 item 11: an upload can't make the registration API exhaust memory or CPU.

The audit's cases: a 0.4 MB XLSX whose shared strings expand to hundreds of MB (the API went
from 157 to 573 MB), a CSV header of 100,000 columns (76 s of CPU). Each must be refused from
what is cheap to look at (the zip's directory, the first cells of a row), and the memory a
refused or accepted upload costs is measured in a child process against the README's budget.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from purna_registration.adapters.spreadsheet import (
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    SpreadsheetError,
    template_xlsx,
)
from purna_registration.domain.imports import COLUMNS
from purna_registration.service_layer.imports import inspect_upload

pytestmark = pytest.mark.unit

#: README "Limits": inspecting an upload costs at most this much memory above the process'
MEMORY_BUDGET_MB = 64


def shared_strings_bomb(path: Path, megabytes: int = 100) -> Path:
    """A valid-looking workbook whose shared-strings part is ``megabytes`` of text, stored in
    a few hundred KB (it compresses about 1000:1)."""
    with zipfile.ZipFile(io_bytes(template_xlsx())) as template:
        parts = {name: template.read(name) for name in template.namelist()}
    chunk = "<si><t>" + "A" * 1000 + "</t></si>"
    count = megabytes * 1024
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, data in parts.items():
            if not name.endswith("sharedStrings.xml"):
                bomb.writestr(name, data)
        with bomb.open("xl/sharedStrings.xml", "w") as handle:
            handle.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
                b'.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count)
            )
            for _ in range(count):
                handle.write(chunk.encode())
            handle.write(b"</sst>")
    return path


def io_bytes(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


def peak_megabytes_inspecting(path: Path, file_format: str) -> tuple[float, str]:
    """Run inspect_upload in a fresh process; its peak RSS above the peak before the call,
    and the error it raised (or "ok")."""
    script = f"""
import json, resource, sys
from pathlib import Path
from purna_registration.service_layer.imports import inspect_upload
from purna_registration.adapters.spreadsheet import SpreadsheetError
from purna_registration.domain.imports import HeaderError
import openpyxl  # imported before measuring, as in a running API
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    inspect_upload(Path({str(path)!r}), {file_format!r}, 200_000)
    outcome = "ok"
except (SpreadsheetError, HeaderError) as exc:
    outcome = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([(after - before) / 1024, outcome]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    extra, outcome = json.loads(done.stdout.strip().splitlines()[-1])
    return float(extra), str(outcome)


def test_a_shared_strings_bomb_is_refused_within_the_memory_budget(tmp_path: Path) -> None:
    bomb = shared_strings_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 2 * 1024 * 1024  # small on the wire
    extra, outcome = peak_megabytes_inspecting(bomb, "xlsx")
    assert "text table" in outcome and "MiB" in outcome
    assert extra < MEMORY_BUDGET_MB


def test_a_header_of_100000_columns_is_refused_without_reading_them(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n", encoding="utf-8")
    with pytest.raises(SpreadsheetError, match="longer than"):
        inspect_upload(wide, "csv", 200_000)
    # under the line limit but still too wide: refused by its cell count
    columns = MAX_LINE_CHARS // 3
    narrow_cells = tmp_path / "many-cells.csv"
    narrow_cells.write_text(",".join("x" for _ in range(columns)) + "\n", encoding="utf-8")
    with pytest.raises(SpreadsheetError, match=f"at most {MAX_COLUMNS} are accepted"):
        inspect_upload(narrow_cells, "csv", 200_000)


def test_a_normal_template_file_is_still_accepted_within_budget(tmp_path: Path) -> None:
    header = ",".join(c.name for c in COLUMNS)
    path = tmp_path / "ok.csv"
    path.write_text(header + "\n", encoding="utf-8")
    assert inspect_upload(path, "csv", 200_000).rows_total == 0
    extra, outcome = peak_megabytes_inspecting(path, "csv")
    assert outcome == "ok"
    assert extra < MEMORY_BUDGET_MB
