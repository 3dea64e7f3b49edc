"""Bulk intake rules: the spreadsheet's columns and how one row becomes a registration.

A file has one header row (row 1) and one person per row; row numbers in reports are the
spreadsheet's own, so an operator can find row 57 in Excel. Every row is checked on its own:
a bad row is reported (row, column, why) and never stops the good ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .errors import FieldError, ValidationFailed
from .participant import (
    CHANNELS,
    FAMILY_RELATIONS,
    MARITAL_STATUSES,
    SECTORS,
    Address,
    FamilyLink,
    PmiHistory,
    Registration,
    RegistrationForm,
    validate_registration,
)

PMI_COLUMNS = ("destination_country", "sector", "years_abroad", "returned_on")
FAMILY_COLUMNS = ("relation", "worker_name", "worker_abroad")
#: required on the rows of one category (``parse_row`` asks for exactly these)
PMI_REQUIRED = ("destination_country", "sector", "years_abroad")
FAMILY_REQUIRED = FAMILY_COLUMNS


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool
    description: str
    example: str

    @property
    def required_for(self) -> str:
        """What the template's guide says: which rows must fill this column."""
        if self.required:
            return "ya (every row)"
        if self.name in PMI_REQUIRED:
            return "pmi_purna rows"
        if self.name in FAMILY_REQUIRED:
            return "keluarga_pmi rows"
        return "tidak (optional)"


#: The template's columns, in order. ``required`` means required for every row; the pmi and
#: family groups are required by category.
COLUMNS: tuple[Column, ...] = (
    Column("nik", True, "NIK, 16 digits (women: birth day + 40)", "5202064107900003"),
    Column("full_name", True, "Full name as on the e-KTP", "Baiq Nurul Aini"),
    Column("gender", True, "L (laki-laki) or P (perempuan)", "P"),
    Column("birth_date", True, "Birth date: YYYY-MM-DD or DD/MM/YYYY", "1990-07-01"),
    Column("marital_status", True, " | ".join(MARITAL_STATUSES), "kawin"),
    Column("phone", True, "Mobile number: 08..., 628... or +628...", "081234567890"),
    Column("email", False, "E-mail address (optional)", ""),
    Column("province_code", True, "Province code of the home address", "52"),
    Column("regency_code", True, "Regency (kabupaten/kota) code", "5202"),
    Column("district", True, "Kecamatan (district) name", "Jonggat"),
    Column("village", True, "Desa/kelurahan (village) name", "Bonjeruk"),
    Column("category", True, "pmi_purna (returned worker) or keluarga_pmi (family)", "pmi_purna"),
    Column("destination_country", False, "pmi_purna: ISO country code, e.g. MY, SA, HK", "MY"),
    Column("sector", False, "pmi_purna: " + " | ".join(SECTORS), "perkebunan"),
    Column("years_abroad", False, "pmi_purna: whole years worked abroad", "6"),
    Column("returned_on", False, "pmi_purna: date of return (optional)", "2023-11-20"),
    Column("relation", False, "keluarga_pmi: " + " | ".join(FAMILY_RELATIONS), ""),
    Column("worker_name", False, "keluarga_pmi: the migrant worker's full name", ""),
    Column("worker_abroad", False, "keluarga_pmi: worker still abroad? ya / tidak", ""),
    Column("consent_granted", True, "Consent to processing signed: ya / tidak", "ya"),
    Column(
        "consent_channels",
        False,
        "Channels agreed, separated by ';': " + ";".join(CHANNELS),
        "sms;whatsapp",
    ),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.required)

#: request-path field names of the registration rules -> the column an operator sees
_FIELD_TO_COLUMN = {
    "address.province_code": "province_code",
    "address.regency_code": "regency_code",
    "address.district": "district",
    "address.village": "village",
    "pmi.destination_country": "destination_country",
    "pmi.sector": "sector",
    "pmi.years_abroad": "years_abroad",
    "pmi.returned_on": "returned_on",
    "family.relation": "relation",
    "family.worker_name": "worker_name",
    "family.worker_abroad": "worker_abroad",
    "consent.granted": "consent_granted",
    "consent.channels": "consent_channels",
}

_TRUE = frozenset({"ya", "y", "yes", "true", "1", "benar"})
_FALSE = frozenset({"tidak", "t", "no", "n", "false", "0", "salah"})
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class HeaderError(ValueError):
    """The file's header row does not match the template; the message says how."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row: ``row`` is the spreadsheet row number (the header is row 1)."""

    row: int
    field: str
    message: str


def normalise_header(cells: Sequence[str]) -> tuple[str, ...]:
    """Map the header row to template column names; raise :class:`HeaderError` when a
    required column is missing, a column is unknown (a typo would silently drop data) or a
    column appears twice."""
    names = tuple(cell.strip().lower().replace(" ", "_") for cell in cells)
    # Trailing empty header cells are spreadsheet noise, not columns.
    while names and not names[-1]:
        names = names[:-1]
    problems: list[str] = []
    missing = [c for c in COLUMN_NAMES if c in REQUIRED_COLUMNS and c not in names]
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    unknown = [n or "(empty)" for n in names if n not in COLUMN_NAMES]
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise HeaderError(
            "; ".join(problems) + ". Download the template from GET /imports/template."
        )
    return names


def is_blank(values: Sequence[str]) -> bool:
    return not any(v.strip() for v in values)


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` (ISO, also what the XLSX reader gives for date cells) or ``DD/MM/YYYY``
    (how Indonesian spreadsheets usually show dates)."""
    text = text.strip()
    if match := _DMY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("must be ya or tidak (yes/no, true/false, 1/0)")


def parse_channels(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in re.split(r"[;,\s]+", text) if part.strip())


def _column(field: str) -> str:
    return _FIELD_TO_COLUMN.get(field, field)


def parse_row(
    row_number: int,
    values: Mapping[str, str],
    *,
    office: str,
    campaign_id: str | None,
    today: date,
) -> Registration | list[RowError]:
    """Turn one row (column name -> cell text) into a :class:`Registration`, or into every
    problem found, each naming its column."""
    errors: list[RowError] = []

    def cell(name: str) -> str:
        return (values.get(name) or "").strip()

    def required(name: str) -> str:
        value = cell(name)
        if not value:
            errors.append(RowError(row_number, name, "is required"))
        return value

    def typed_date(name: str, value: str) -> date | None:
        try:
            return parse_date(value)
        except ValueError:
            errors.append(
                RowError(row_number, name, f"{value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
            )
            return None

    def typed_bool(name: str, value: str) -> bool | None:
        try:
            return parse_bool(value)
        except ValueError as exc:
            errors.append(RowError(row_number, name, str(exc)))
            return None

    nik = required("nik")
    full_name = required("full_name")
    gender = required("gender").upper()
    birth_text = required("birth_date")
    birth_date = typed_date("birth_date", birth_text) if birth_text else None
    marital_status = required("marital_status").lower()
    phone = required("phone")
    address = Address(
        required("province_code"),
        required("regency_code"),
        required("district"),
        required("village"),
    )
    category = required("category").lower()
    consent_text = required("consent_granted")
    consent = typed_bool("consent_granted", consent_text) if consent_text else None

    pmi: PmiHistory | None = None
    family: FamilyLink | None = None
    if category == "pmi_purna":
        for name in FAMILY_COLUMNS:
            if cell(name):
                errors.append(RowError(row_number, name, "must be empty for a pmi_purna row"))
        country, sector, years_text = (required(name) for name in PMI_REQUIRED)
        years: int | None = None
        if years_text:
            try:
                years = int(float(years_text)) if "." in years_text else int(years_text)
            except ValueError:
                errors.append(RowError(row_number, "years_abroad", "must be a whole number"))
        returned_text = cell("returned_on")
        returned_on = typed_date("returned_on", returned_text) if returned_text else None
        if years is not None:
            pmi = PmiHistory(country, sector.lower(), years, returned_on)
    elif category == "keluarga_pmi":
        for name in PMI_COLUMNS:
            if cell(name):
                errors.append(RowError(row_number, name, "must be empty for a keluarga_pmi row"))
        relation, worker_name, abroad_text = (required(name) for name in FAMILY_REQUIRED)
        relation = relation.lower()
        abroad = typed_bool("worker_abroad", abroad_text) if abroad_text else None
        if abroad is not None:
            family = FamilyLink(relation, worker_name, abroad)
    elif category:
        errors.append(RowError(row_number, "category", "must be pmi_purna or keluarga_pmi"))

    if birth_date is None:
        # the registration rules check everything against the birth date: nothing more to say
        return errors
    form = RegistrationForm(
        nik=nik,
        full_name=full_name,
        gender=gender,
        birth_date=birth_date,
        marital_status=marital_status,
        phone=phone,
        email=cell("email") or None,
        address=address,
        category=category,
        pmi=pmi,
        family=family,
        consent_granted=True if consent is None else consent,
        consent_channels=parse_channels(cell("consent_channels")),
        campaign_id=campaign_id,
        office=office,
    )
    try:
        registration = validate_registration(form, today=today)
    except ValidationFailed as failed:
        # Every problem of the row at once: the rules' findings join the cell checks', except
        # on columns already reported and on a pmi/family group that could not be built.
        reported = {e.field for e in errors}
        more = [
            RowError(row_number, column, e.message)
            for e in failed.errors
            if (column := _column(e.field)) not in reported
            and not (errors and column in ("pmi", "family"))
        ]
        return errors + more
    return errors or registration


def duplicate_in_file(first_row: int) -> str:
    return f"repeats the NIK of row {first_row} in this file; registered once"


def already_registered(participant_id: str) -> str:
    return f"is already registered (participant {participant_id})"


def nik_error(row_number: int, message: str) -> RowError:
    return RowError(row_number, "nik", message)


def field_errors_to_rows(row_number: int, errors: Sequence[FieldError]) -> list[RowError]:
    return [RowError(row_number, _column(e.field), e.message) for e in errors]


def cell_text(value: object) -> str:
    """A spreadsheet cell as text. Numbers keep every digit (a NIK or phone typed into Excel
    becomes a number; ``5.2e15`` must read back as the 16 digits), dates become ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
