"""The Participant aggregate: a PMI purna (returned migrant worker) or a member of a migrant
worker's family (keluarga PMI), registered with consent.

``validate_registration`` checks what an operator states (from the API or a spreadsheet row)
against every rule at once and returns a normalised :class:`Registration`; ``Participant``
then owns the record's life: changes bump ``version`` and every change is recorded as a
domain event for the service layer to put in the outbox.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import Literal, get_args

import phonenumbers

from purna_shared.text import text_problem

from .errors import ConsentWithdrawnError, FieldError, ValidationFailed
from .nik import (
    Gender,
    Nik,
    NikError,
    birth_date_disagreement,
    gender_disagreement,
    mask_nik,
    parse_nik,
)
from .phone import PhoneError, normalise_phone
from .regions import province_error, regency_error

Category = Literal["pmi_purna", "keluarga_pmi"]
MaritalStatus = Literal["belum_kawin", "kawin", "cerai_hidup", "cerai_mati"]
Channel = Literal["sms", "whatsapp", "email"]
#: relation of a keluarga PMI participant to the migrant worker (suami_istri: spouse)
FamilyRelation = Literal["suami_istri", "anak", "orang_tua", "saudara_kandung", "lainnya"]
#: sector a PMI worked in abroad (pekerja_rumah_tangga: domestic worker; pengasuh_lansia:
#: caregiver of the elderly; the rest name their industry)
Sector = Literal[
    "pekerja_rumah_tangga",
    "pengasuh_lansia",
    "perkebunan",
    "pertanian",
    "perikanan",
    "manufaktur",
    "konstruksi",
    "perhotelan",
    "lainnya",
]
ChangedField = Literal["full_name", "phone", "email", "address", "marital_status", "consent"]

GENDERS: tuple[str, ...] = get_args(Gender)
CATEGORIES: tuple[str, ...] = get_args(Category)
MARITAL_STATUSES: tuple[str, ...] = get_args(MaritalStatus)
CHANNELS: tuple[str, ...] = get_args(Channel)
FAMILY_RELATIONS: tuple[str, ...] = get_args(FamilyRelation)
SECTORS: tuple[str, ...] = get_args(Sector)

#: an e-KTP (and so a NIK of one's own) is held from 17, or earlier once married (UU Adminduk)
EKTP_MIN_AGE = 17
EARLIEST_BIRTH_YEAR = 1900
MAX_YEARS_ABROAD = 60
MAX_NAME_LENGTH = 200
MAX_PLACE_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_CAMPAIGN_ID_LENGTH = 64

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_OFFICE = re.compile(r"^[A-Z]{2,16}$")
_COUNTRIES: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS) - {"ID"}


# -- value objects ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    """Home address. Codes are BPS/Kemendagri; kecamatan (district) and desa (village) by name."""

    province_code: str
    regency_code: str
    district: str
    village: str


@dataclass(frozen=True, slots=True)
class PmiHistory:
    """A returned worker's own placement abroad."""

    destination_country: str
    sector: str
    years_abroad: int
    returned_on: date | None = None


@dataclass(frozen=True, slots=True)
class FamilyLink:
    """A family member's relation to the migrant worker."""

    relation: str
    worker_name: str
    worker_abroad: bool


@dataclass(frozen=True, slots=True)
class Consent:
    """Consent to processing (UU PDP) and the channels the participant may be messaged on."""

    granted: bool
    channels: tuple[Channel, ...]
    granted_at: datetime
    withdrawn_at: datetime | None = None


# -- registration ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistrationForm:
    """What an operator states about a person, typed but not yet checked against the rules."""

    nik: str
    full_name: str
    gender: str
    birth_date: date
    marital_status: str
    phone: str
    email: str | None
    address: Address
    category: str
    pmi: PmiHistory | None
    family: FamilyLink | None
    consent_granted: bool
    consent_channels: tuple[str, ...]
    campaign_id: str | None
    office: str


@dataclass(frozen=True, slots=True)
class Registration:
    """A form that passed every rule, normalised (E.164 phone, tidy names, parsed NIK)."""

    nik: Nik
    full_name: str
    gender: Gender
    birth_date: date
    marital_status: MaritalStatus
    phone: str
    email: str | None
    address: Address
    category: Category
    pmi: PmiHistory | None
    family: FamilyLink | None
    consent_channels: tuple[Channel, ...]
    campaign_id: str | None
    office: str


def tidy_text(value: str) -> str:
    """NFC-normalise and collapse runs of whitespace, as spreadsheets and forms vary."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def name_error(value: str) -> str | None:
    if why := text_problem(value):
        return why
    if not value:
        return "must not be empty"
    if len(value) > MAX_NAME_LENGTH:
        return f"must be at most {MAX_NAME_LENGTH} characters"
    if any(ch.isdigit() for ch in value):
        return "must not contain digits"
    if not any(ch.isalpha() for ch in value):
        return "must contain letters"
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return "must not contain control characters"
    return None


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _check_address(address: Address, prefix: str, errors: list[FieldError]) -> Address:
    tidy = Address(
        province_code=address.province_code.strip(),
        regency_code=address.regency_code.strip(),
        district=tidy_text(address.district),
        village=tidy_text(address.village),
    )
    if why := province_error(tidy.province_code):
        errors.append(FieldError(f"{prefix}province_code", why))
    elif why := regency_error(tidy.province_code, tidy.regency_code):
        errors.append(FieldError(f"{prefix}regency_code", why))
    for name in ("district", "village"):
        value = getattr(tidy, name)
        # checked before tidying too: whitespace collapsing would hide some control characters
        if why := text_problem(getattr(address, name)) or text_problem(value):
            errors.append(FieldError(f"{prefix}{name}", why))
        elif not value:
            errors.append(FieldError(f"{prefix}{name}", "must not be empty"))
        elif len(value) > MAX_PLACE_LENGTH:
            errors.append(
                FieldError(f"{prefix}{name}", f"must be at most {MAX_PLACE_LENGTH} characters")
            )
    return tidy


def _check_email(email: str | None, errors: list[FieldError]) -> str | None:
    if email is None:
        return None
    tidy = email.strip().lower()
    if not tidy:
        return None
    if why := text_problem(email):
        errors.append(FieldError("email", why))
        return tidy
    if len(tidy) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(tidy):
        errors.append(FieldError("email", "is not an e-mail address (name@domain.tld)"))
    return tidy


def _check_phone(phone: str, errors: list[FieldError]) -> str:
    try:
        return normalise_phone(phone)
    except PhoneError as exc:
        errors.append(FieldError("phone", str(exc)))
        return phone


def _check_channels(
    channels: tuple[str, ...], email: str | None, errors: list[FieldError]
) -> tuple[Channel, ...]:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        errors.append(
            FieldError(
                "consent.channels",
                f"{len(unknown)} unknown channel(s); allowed: {', '.join(CHANNELS)}",
            )
        )
    if "email" in channels and not email:
        errors.append(FieldError("consent.channels", "lists email but no email address is given"))
    # Keep the catalogue's order so equal consents compare equal.
    return tuple(c for c in get_args(Channel) if c in channels)


def _check_pmi(
    pmi: PmiHistory, birth_date: date, today: date, errors: list[FieldError]
) -> PmiHistory:
    country = pmi.destination_country.strip().upper()
    if country == "ID":
        errors.append(
            FieldError("pmi.destination_country", "must be the country worked in, not Indonesia")
        )
    elif country not in _COUNTRIES:
        errors.append(
            FieldError("pmi.destination_country", "is not an ISO 3166-1 alpha-2 code (e.g. MY)")
        )
    sector = pmi.sector.strip()
    if sector not in SECTORS:
        errors.append(FieldError("pmi.sector", f"must be one of {', '.join(SECTORS)}"))
    if not 0 <= pmi.years_abroad <= MAX_YEARS_ABROAD:
        errors.append(FieldError("pmi.years_abroad", f"must be between 0 and {MAX_YEARS_ABROAD}"))
    elif pmi.years_abroad > age_on(birth_date, today):
        errors.append(FieldError("pmi.years_abroad", "is more than the participant's age"))
    if pmi.returned_on is not None:
        if pmi.returned_on > today:
            errors.append(FieldError("pmi.returned_on", "must not be in the future"))
        elif pmi.returned_on < birth_date:
            errors.append(FieldError("pmi.returned_on", "must not be before the birth date"))
    return PmiHistory(country, sector, pmi.years_abroad, pmi.returned_on)


def _check_family(family: FamilyLink, errors: list[FieldError]) -> FamilyLink:
    if family.relation not in FAMILY_RELATIONS:
        errors.append(
            FieldError("family.relation", f"must be one of {', '.join(FAMILY_RELATIONS)}")
        )
    worker_name = tidy_text(family.worker_name)
    if why := text_problem(family.worker_name) or name_error(worker_name):
        errors.append(FieldError("family.worker_name", why))
    return FamilyLink(family.relation, worker_name, family.worker_abroad)


def validate_registration(form: RegistrationForm, *, today: date) -> Registration:
    """Check a registration against every rule; raise :class:`ValidationFailed` listing all
    broken rules, each naming its field."""
    errors: list[FieldError] = []

    nik: Nik | None = None
    try:
        nik = parse_nik(form.nik)
    except NikError as exc:
        errors.append(FieldError("nik", str(exc)))

    full_name = tidy_text(form.full_name)
    if why := text_problem(form.full_name) or name_error(full_name):
        errors.append(FieldError("full_name", why))

    if form.gender not in GENDERS:
        errors.append(FieldError("gender", "must be L (laki-laki) or P (perempuan)"))
    if form.marital_status not in MARITAL_STATUSES:
        errors.append(FieldError("marital_status", f"must be one of {', '.join(MARITAL_STATUSES)}"))

    birth_date = form.birth_date
    if birth_date > today:
        errors.append(FieldError("birth_date", "must not be in the future"))
    elif birth_date.year < EARLIEST_BIRTH_YEAR:
        errors.append(FieldError("birth_date", f"must not be before {EARLIEST_BIRTH_YEAR}"))
    elif age_on(birth_date, today) < EKTP_MIN_AGE and form.marital_status == "belum_kawin":
        errors.append(
            FieldError(
                "birth_date",
                f"gives an age under {EKTP_MIN_AGE}: a NIK holder registers from {EKTP_MIN_AGE}, "
                "or once married",
            )
        )
    if nik is not None:
        if why := birth_date_disagreement(nik, birth_date):
            errors.append(FieldError("birth_date", why))
        if form.gender in GENDERS and (why := gender_disagreement(nik, form.gender)):  # type: ignore[arg-type]
            errors.append(FieldError("gender", why))

    phone = _check_phone(form.phone, errors)
    email = _check_email(form.email, errors)
    address = _check_address(form.address, "address.", errors)

    pmi, family = form.pmi, form.family
    if form.category not in CATEGORIES:
        errors.append(FieldError("category", f"must be one of {', '.join(CATEGORIES)}"))
    elif form.category == "pmi_purna":
        if pmi is None:
            errors.append(FieldError("pmi", "is required when category is pmi_purna"))
        if family is not None:
            errors.append(FieldError("family", "must be absent when category is pmi_purna"))
    else:
        if family is None:
            errors.append(FieldError("family", "is required when category is keluarga_pmi"))
        if pmi is not None:
            errors.append(FieldError("pmi", "must be absent when category is keluarga_pmi"))
    if pmi is not None:
        pmi = _check_pmi(pmi, birth_date, today, errors)
    if family is not None:
        family = _check_family(family, errors)

    if not form.consent_granted:
        errors.append(
            FieldError("consent.granted", "must be true: consent is required to register (UU PDP)")
        )
    channels = _check_channels(form.consent_channels, email, errors)

    campaign_id = form.campaign_id.strip() if form.campaign_id else None
    if campaign_id is not None and len(campaign_id) > MAX_CAMPAIGN_ID_LENGTH:
        errors.append(
            FieldError("campaign_id", f"must be at most {MAX_CAMPAIGN_ID_LENGTH} characters")
        )
    if not _OFFICE.fullmatch(form.office):
        errors.append(
            FieldError("office", "must be a BP3MI office code of 2-16 capitals, e.g. NTB")
        )

    if errors:
        raise ValidationFailed(errors)
    assert nik is not None
    return Registration(
        nik=nik,
        full_name=full_name,
        gender=form.gender,  # type: ignore[arg-type]  # checked above
        birth_date=birth_date,
        marital_status=form.marital_status,  # type: ignore[arg-type]
        phone=phone,
        email=email,
        address=address,
        category=form.category,  # type: ignore[arg-type]
        pmi=pmi,
        family=family,
        consent_channels=channels,
        campaign_id=campaign_id,
        office=form.office,
    )


# -- changes -----------------------------------------------------------------------------------


class _Unset(Enum):
    UNSET = "unset"


#: marks a field a change leaves alone (``None`` clears the e-mail instead)
UNSET = _Unset.UNSET


@dataclass(frozen=True, slots=True)
class ParticipantChanges:
    """What a correction changes; ``UNSET`` fields stay as they are."""

    full_name: str | _Unset = UNSET
    phone: str | _Unset = UNSET
    email: str | _Unset | None = UNSET
    address: Address | _Unset = UNSET
    marital_status: str | _Unset = UNSET
    consent_channels: tuple[str, ...] | _Unset = UNSET

    def is_empty(self) -> bool:
        return all(getattr(self, f) is UNSET for f in self.__dataclass_fields__)


# -- domain events -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Registered:
    participant_id: str


@dataclass(frozen=True, slots=True)
class Updated:
    participant_id: str
    version: int
    changed: tuple[ChangedField, ...]


@dataclass(frozen=True, slots=True)
class ConsentRevoked:
    participant_id: str
    version: int
    withdrawn_at: datetime


ParticipantEvent = Registered | Updated | ConsentRevoked


# -- aggregate ---------------------------------------------------------------------------------


@dataclass
class Participant:
    id: str
    office: str
    nik_masked: str
    full_name: str
    gender: Gender
    birth_date: date
    marital_status: MaritalStatus
    phone: str
    email: str | None
    address: Address
    category: Category
    pmi: PmiHistory | None
    family: FamilyLink | None
    consent: Consent
    campaign_id: str | None
    registered_at: datetime
    updated_at: datetime
    version: int = 1
    events: list[ParticipantEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def register(
        cls, registration: Registration, *, participant_id: str, now: datetime
    ) -> Participant:
        participant = cls(
            id=participant_id,
            office=registration.office,
            nik_masked=mask_nik(registration.nik.value),
            full_name=registration.full_name,
            gender=registration.gender,
            birth_date=registration.birth_date,
            marital_status=registration.marital_status,
            phone=registration.phone,
            email=registration.email,
            address=registration.address,
            category=registration.category,
            pmi=registration.pmi,
            family=registration.family,
            consent=Consent(True, registration.consent_channels, now),
            campaign_id=registration.campaign_id,
            registered_at=now,
            updated_at=now,
        )
        participant.events.append(Registered(participant_id))
        return participant

    @property
    def consent_withdrawn(self) -> bool:
        return self.consent.withdrawn_at is not None

    def change(
        self, changes: ParticipantChanges, *, today: date, now: datetime
    ) -> tuple[ChangedField, ...]:
        """Apply a correction; return the fields that really changed (none: no new version).

        Raises :class:`ValidationFailed` naming each bad field, or
        :class:`ConsentWithdrawnError` once consent is withdrawn (processing has stopped)."""
        if self.consent_withdrawn:
            raise ConsentWithdrawnError(self.id)
        errors: list[FieldError] = []
        new = _checked_changes(changes, self, today, errors)
        if errors:
            raise ValidationFailed(errors)

        changed: list[ChangedField] = []
        if new.full_name is not UNSET and new.full_name != self.full_name:
            self.full_name = new.full_name
            changed.append("full_name")
        if new.phone is not UNSET and new.phone != self.phone:
            self.phone = new.phone
            changed.append("phone")
        if new.email is not UNSET and new.email != self.email:
            self.email = new.email
            changed.append("email")
        if new.address is not UNSET and new.address != self.address:
            self.address = new.address
            changed.append("address")
        if new.marital_status is not UNSET and new.marital_status != self.marital_status:
            self.marital_status = new.marital_status  # type: ignore[assignment]  # checked
            changed.append("marital_status")
        if new.consent_channels is not UNSET and new.consent_channels != self.consent.channels:
            self.consent = Consent(True, new.consent_channels, now)  # type: ignore[arg-type]
            changed.append("consent")
        if changed:
            self.version += 1
            self.updated_at = now
            self.events.append(Updated(self.id, self.version, tuple(changed)))
        return tuple(changed)

    def withdraw_consent(self, *, now: datetime) -> bool:
        """Record withdrawal of consent; False when it was already withdrawn (no new event)."""
        if self.consent_withdrawn:
            return False
        self.consent = replace(self.consent, granted=False, withdrawn_at=now)
        self.version += 1
        self.updated_at = now
        self.events.append(ConsentRevoked(self.id, self.version, now))
        return True


def _checked_changes(
    changes: ParticipantChanges, current: Participant, today: date, errors: list[FieldError]
) -> ParticipantChanges:
    full_name: str | _Unset = UNSET
    if changes.full_name is not UNSET:
        full_name = tidy_text(changes.full_name)
        if why := text_problem(changes.full_name) or name_error(full_name):
            errors.append(FieldError("full_name", why))
    phone: str | _Unset = UNSET
    if changes.phone is not UNSET:
        phone = _check_phone(changes.phone, errors)
    email: str | _Unset | None = UNSET
    if changes.email is not UNSET:
        email = _check_email(changes.email, errors)
    address: Address | _Unset = UNSET
    if changes.address is not UNSET:
        address = _check_address(changes.address, "address.", errors)
    marital: str | _Unset = UNSET
    if changes.marital_status is not UNSET:
        marital = changes.marital_status
        if marital not in MARITAL_STATUSES:
            errors.append(
                FieldError("marital_status", f"must be one of {', '.join(MARITAL_STATUSES)}")
            )
        elif marital == "belum_kawin" and age_on(current.birth_date, today) < EKTP_MIN_AGE:
            errors.append(
                FieldError("marital_status", f"belum_kawin needs age {EKTP_MIN_AGE} or over")
            )
    email_after = current.email if email is UNSET else email
    channels: tuple[str, ...] | _Unset = UNSET
    if changes.consent_channels is not UNSET:
        channels = _check_channels(changes.consent_channels, email_after, errors)
    elif "email" in current.consent.channels and email is not UNSET and not email:
        errors.append(FieldError("email", "cannot be removed while consent.channels lists email"))
    return ParticipantChanges(full_name, phone, email, address, marital, channels)
