"""Certificate numbers and what a completion certificate says, in Bahasa Indonesia."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from purna_shared import reference

from .programmes import PROGRAMME_CODE

_MONTHS = (
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


def certificate_number(office: str, year: int, programme_code: str, sequence: int) -> str:
    """``<OFFICE>/<YEAR>/<PROGRAMME>/<NNNN>``, e.g. ``NTB/2024/TENUN/0001``: unique per office,
    year and programme (the sequence is allocated per that triple)."""
    if not PROGRAMME_CODE.fullmatch(programme_code):
        raise ValueError(f"programme code {programme_code!r} cannot go in a certificate number")
    if sequence < 1:
        raise ValueError("certificate sequence numbers start at 1")
    return f"{office}/{year:04d}/{programme_code}/{sequence:04d}"


def tanggal(day: date) -> str:
    """A date as people write it in Indonesian: ``12 Agustus 2024``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def rentang_tanggal(first: date, last: date) -> str:
    """A span of days, written the Indonesian way with an en dash: ``12–15 Agustus 2024``,
    ``30 Agustus – 2 September 2024``, ``30 Desember 2024 – 2 Januari 2025``."""
    if first == last:
        return tanggal(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {_MONTHS[last.month - 1]} {last.year}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {tanggal(last)}"
    return f"{tanggal(first)} – {tanggal(last)}"


def persen(rate: Decimal) -> str:
    """An attendance rate as a percentage with a decimal comma: ``87,5%``, ``100%``."""
    value = (rate * 100).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text}%"


def regency_name(regency_code: str) -> str:
    """``Kabupaten Lombok Tengah``, ``Kota Surabaya``: the Kemendagri name of any regency."""
    found = reference.regency_of_nik_code(regency_code)
    return found.name if found else f"Kabupaten/Kota {regency_code}"


def issuing_office(office: str) -> reference.Office:
    """The BP3MI issuing a certificate: its seeded data, or a bare office for an unknown code
    (its name is still printed; no city, so the signing line is the date alone)."""
    found = reference.seed_office(office)
    if found is not None:
        return found
    name = f"BP3MI {office}"
    return reference.Office(office, name, "", "", (), f"Kepala {name}")


@dataclass(frozen=True, slots=True)
class CertificateText:
    """Everything a completion certificate prints, already in Bahasa Indonesia."""

    number: str
    participant_name: str
    programme_name: str
    place: str
    dates: str
    attendance: str
    issuer: str
    signed_at: str
    #: how the head of the issuing office signs: ``Kepala BP3MI Jawa Timur``
    signatory: str


def certificate_text(
    *,
    number: str,
    participant_name: str,
    programme_name: str,
    village: str,
    district: str,
    regency_code: str,
    first_day: date,
    last_day: date,
    attendance_rate: Decimal,
    office: str,
) -> CertificateText:
    issuer = issuing_office(office)
    city = issuer.city
    signed = tanggal(last_day)
    return CertificateText(
        number=number,
        participant_name=participant_name,
        programme_name=programme_name,
        place=f"Desa {village}, Kecamatan {district}, {regency_name(regency_code)}",
        dates=rentang_tanggal(first_day, last_day),
        attendance=persen(attendance_rate),
        issuer=issuer.name,
        signed_at=f"{city}, {signed}" if city else signed,
        signatory=issuer.head_title,
    )
