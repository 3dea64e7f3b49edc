"""Screenshots of the console's main pages, phone (360x800) and desktop (1280x900), into
docs/console/. Not part of the suite (the file name keeps pytest from collecting it); run
``make screenshots``. It uses the browser tests' fixtures: the real system with the demo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from .conftest import DESKTOP, PHONE, ConsoleSystem, sign_in

pytestmark = pytest.mark.e2e

OUT = Path(__file__).parents[3] / "docs" / "console"


def test_screenshots(
    console_system: ConsoleSystem, new_context: Callable[..., BrowserContext]
) -> None:
    (demo,) = console_system.demo
    pid, sid = demo.participant_ids[0], demo.session_id
    day = demo.training.start.isoformat()
    shots = [
        ("masuk", "", "/masuk"),
        ("dasbor", "admin", "/dasbor"),
        ("peserta", "operator", "/peserta"),
        ("peserta-detail", "operator", f"/peserta/{pid}"),
        ("daftar", "operator", "/peserta/daftar"),
        ("sesi", "admin", f"/sesi/{sid}"),
        ("hadir", "admin", f"/sesi/{sid}/hadir/{day}"),
        ("prakualifikasi", "credit_officer", "/prakualifikasi"),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    for size_name, viewport in (("ponsel", PHONE), ("desktop", DESKTOP)):
        pages = {}
        for name, role, path in shots:
            if role not in pages:
                page = new_context(viewport).new_page()
                if role:
                    sign_in(page, role, office="NTB" if role == "operator" else "")
                pages[role] = page
            page = pages[role]
            page.goto(path)
            page.screenshot(
                path=str(OUT / f"{name}-{size_name}.png"), full_page=size_name == "ponsel"
            )
