"""How amounts, dates and times are written for participants (Bahasa Indonesia, their zone).

``Rp10.000.000`` (dot for thousands, no space, no decimals: KUR amounts are whole rupiah),
``Senin, 12 Agustus 2024`` and ``09.00`` followed by the recipient's zone (Indonesian writes the
time with a dot). A moment is shown in the recipient's zone; a calendar date as it is.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from purna_shared.reference import Zone

from .schedule import to_local

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # Monday first
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def rupiah(amount: int | Decimal | str) -> str:
    """``10000000`` -> ``Rp10.000.000``; fractions are rounded half up to whole rupiah."""
    value = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{abs(int(value)):,}".replace(",", ".")


def _as_local_date(value: date | datetime | str, zone: Zone | None) -> date:
    """A calendar date as the recipient sees it: moments are converted to ``zone`` first."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        if zone is None:
            raise ValueError("a moment is shown in the recipient's zone: none was given")
        return to_local(value, zone).date()
    return value


def tanggal(value: date | datetime | str, *, hari: bool = True, zone: Zone | None = None) -> str:
    """``Kamis, 15 Agustus 2024`` (``hari=False``: ``15 Agustus 2024``). A date is taken as
    is; a moment (aware datetime or ISO timestamp) is shown as its date in ``zone``."""
    day = _as_local_date(value, zone)
    text = f"{day.day} {BULAN[day.month - 1]} {day.year}"
    return f"{HARI[day.weekday()]}, {text}" if hari else text


def rentang_tanggal(start: date | str, end: date | str) -> str:
    """A session's dates: ``12-15 Agustus 2024``, ``30 Agustus-2 September 2024``, or one day."""
    first, last = _as_local_date(start, None), _as_local_date(end, None)
    if first == last:
        return tanggal(first, hari=False)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}-{last.day} {BULAN[last.month - 1]} {last.year}"
    if first.year == last.year:
        return f"{first.day} {BULAN[first.month - 1]}-{tanggal(last, hari=False)}"
    return f"{tanggal(first, hari=False)}-{tanggal(last, hari=False)}"


def jam(value: datetime | str, zone: Zone) -> str:
    """``2024-08-15T01:00:00Z`` -> ``09.00`` and the zone's abbreviation (``08.00`` one zone
    west)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = to_local(moment, zone)
    return f"{local.hour:02d}.{local.minute:02d} {zone.abbreviation}"


def persen(value: float | int | str) -> str:
    """``6.0`` -> ``6%``, ``6.5`` -> ``6,5%`` (Indonesian decimal comma)."""
    number = Decimal(str(value)).normalize()
    text = format(number, "f")
    return text.replace(".", ",") + "%"
