"""NIK (Nomor Induk Kependudukan, the e-KTP identity number): structure and agreement rules.

Layout ``PP RR SS DDMMYY NNNN``: province, regency/city and district where the NIK was issued,
birth date (women: day + 40), serial. There is no checksum. The area codes say where the NIK
was issued, not where the person lives now, so they are never compared with the address.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .regions import nik_region_error

NIK_LENGTH = 16
#: women's NIKs carry the birth day plus 40 (41-71)
FEMALE_DAY_OFFSET = 40

Gender = Literal["L", "P"]


class NikError(ValueError):
    """The NIK is malformed; the message says how."""


@dataclass(frozen=True, slots=True)
class Nik:
    """A structurally valid NIK. ``repr`` masks it so it cannot leak into a log by accident."""

    value: str

    def __repr__(self) -> str:
        return f"Nik({mask_nik(self.value)!r})"

    __str__ = __repr__

    @property
    def province_code(self) -> str:
        return self.value[:2]

    @property
    def regency_code(self) -> str:
        return self.value[:4]

    @property
    def district_code(self) -> str:
        return self.value[:6]

    @property
    def encoded_day(self) -> int:
        return int(self.value[6:8])

    @property
    def birth_day(self) -> int:
        day = self.encoded_day
        return day - FEMALE_DAY_OFFSET if day > FEMALE_DAY_OFFSET else day

    @property
    def birth_month(self) -> int:
        return int(self.value[8:10])

    @property
    def birth_year_2d(self) -> int:
        return int(self.value[10:12])

    @property
    def gender(self) -> Gender:
        return "P" if self.encoded_day > FEMALE_DAY_OFFSET else "L"

    @property
    def serial(self) -> str:
        return self.value[12:]


def parse_nik(raw: str) -> Nik:
    """Check a NIK's structure; raise :class:`NikError` saying what is wrong (never repeating
    the digits: the message goes into responses and import reports).

    Spaces and dots people type for readability are ignored; anything else that is not a digit
    is an error."""
    value = raw.strip().replace(" ", "").replace(".", "")
    if not value.isascii() or not value.isdigit():
        raise NikError("must contain digits only")
    if len(value) != NIK_LENGTH:
        raise NikError(f"must be exactly {NIK_LENGTH} digits, got {len(value)}")
    if why := nik_region_error(value[:4]):
        raise NikError(why)
    if value[4:6] == "00":
        raise NikError("district code (digits 5-6) must not be 00")
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if not (1 <= day <= 31 or FEMALE_DAY_OFFSET + 1 <= day <= FEMALE_DAY_OFFSET + 31):
        raise NikError("birth day (digits 7-8) must be 01-31, or 41-71 for a woman")
    if not 1 <= month <= 12:
        raise NikError("birth month (digits 9-10) must be 01-12")
    real_day = day - FEMALE_DAY_OFFSET if day > FEMALE_DAY_OFFSET else day
    # The century is unknown here: the date only has to exist in one of 19yy or 20yy.
    if not any(real_day <= calendar.monthrange(c + yy, month)[1] for c in (1900, 2000)):
        raise NikError("birth date (digits 7-12) is not a date: the month has no such day")
    if value[12:] == "0000":
        raise NikError("serial number (digits 13-16) must not be 0000")
    return Nik(value)


def birth_date_disagreement(nik: Nik, birth_date: date) -> str | None:
    """Why the stated birth date disagrees with the NIK's, or None when they agree.

    The NIK has a two-digit year: the stated date resolves the century, so only its last two
    digits are compared."""
    if (birth_date.day, birth_date.month, birth_date.year % 100) == (
        nik.birth_day,
        nik.birth_month,
        nik.birth_year_2d,
    ):
        return None
    # Neither date is repeated: both are personal data, and this message is stored in import
    # reports.
    return "does not agree with the birth date in the NIK (digits 7-12: day, month, year)"


def gender_disagreement(nik: Nik, gender: Gender) -> str | None:
    """Why the stated gender disagrees with the NIK's birth day, or None when they agree."""
    if nik.gender == gender:
        return None
    if nik.gender == "P":
        return "is L but the NIK's birth day is over 40, which marks a woman (P)"
    return "is P but the NIK's birth day is not over 40: a woman's NIK adds 40 to the day"


def mask_nik(nik: str) -> str:
    """Show the regency of issue and the serial only: ``5201********0003``.

    The hidden middle holds the district and the birth date; the visible part is what an
    operator needs to tell two records apart at the counter."""
    if len(nik) != NIK_LENGTH:
        return "*" * len(nik)
    return f"{nik[:4]}{'*' * 8}{nik[12:]}"
