"""Certificate numbers and what a completion certificate says, in Bahasa Indonesia."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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

#: BPS/Kemendagri regency codes of NTB (province 52), as a certificate names them
NTB_REGENCIES = {
    "5201": "Kabupaten Lombok Barat",
    "5202": "Kabupaten Lombok Tengah",
    "5203": "Kabupaten Lombok Timur",
    "5204": "Kabupaten Sumbawa",
    "5205": "Kabupaten Dompu",
    "5206": "Kabupaten Bima",
    "5207": "Kabupaten Sumbawa Barat",
    "5208": "Kabupaten Lombok Utara",
    "5271": "Kota Mataram",
    "5272": "Kota Bima",
}

#: BP3MI offices by code: full name, and the city where their certificates are signed
OFFICES = {
    "NTB": ("BP3MI Nusa Tenggara Barat", "Mataram"),
}


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
    return NTB_REGENCIES.get(regency_code, f"Kabupaten/Kota {regency_code}")


def office_name(office: str) -> str:
    return OFFICES.get(office, (f"BP3MI {office}", ""))[0]


def office_city(office: str) -> str | None:
    return OFFICES.get(office, ("", ""))[1] or None


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
    city = office_city(office)
    signed = tanggal(last_day)
    return CertificateText(
        number=number,
        participant_name=participant_name,
        programme_name=programme_name,
        place=f"Desa {village}, Kecamatan {district}, {regency_name(regency_code)}",
        dates=rentang_tanggal(first_day, last_day),
        attendance=persen(attendance_rate),
        issuer=office_name(office),
        signed_at=f"{city}, {signed}" if city else signed,
    )
