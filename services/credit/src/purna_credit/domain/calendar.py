"""Dates as people in NTB see them: WITA (Asia/Makassar, UTC+8, no daylight saving)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def local_date(moment: datetime) -> date:
    """The WITA calendar date of an aware timestamp (validity and due dates are WITA dates)."""
    return moment.astimezone(WITA).date()
