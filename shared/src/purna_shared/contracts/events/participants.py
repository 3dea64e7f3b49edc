"""Events produced by the registration service: who takes part, and what they consented to."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from ..base import IntegrationEvent, Personal
from .common import (
    Channel,
    EventPart,
    Id,
    Office,
    ParticipantCategory,
    PlaceName,
    ProvinceCode,
    RegencyCode,
    Timestamp,
)

Gender = Literal["L", "P"]
MaritalStatus = Literal["belum_kawin", "kawin", "cerai_hidup", "cerai_mati"]
FamilyRelation = Literal["suami_istri", "anak", "orang_tua", "saudara_kandung", "lainnya"]
ChangedField = Literal["full_name", "phone", "email", "address", "marital_status", "consent"]

_E164 = r"^\+[1-9][0-9]{7,14}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Address(EventPart):
    """Where a participant lives. Codes are BPS/Kemendagri area codes."""

    province_code: ProvinceCode = Field(description="Province code, e.g. 52 (Nusa Tenggara Barat)")
    regency_code: RegencyCode = Field(
        description="Regency (kabupaten/kota) code, e.g. 5201 (Lombok Barat)"
    )
    # Below regency level an address narrows to a few hundred households: personal data.
    district: PlaceName = Personal("District (kecamatan) name, e.g. Jonggat")
    village: PlaceName = Personal("Village (desa/kelurahan) name, e.g. Bonjeruk")


class Consent(EventPart):
    """The participant's recorded consent to processing (UU PDP) and to being messaged."""

    granted: bool = Field(description="Whether processing of the participant's data is consented")
    channels: tuple[Channel, ...] = Field(
        description="Channels the participant agreed to be messaged on; empty means none"
    )
    granted_at: Timestamp = Field(description="When the consent was recorded (UTC)")


class PmiHistory(EventPart):
    """A returned migrant worker's (PMI purna) own placement abroad."""

    destination_country: str = Field(
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2 code of the last destination country, e.g. MY",
    )
    sector: str = Field(
        min_length=1,
        max_length=100,
        description="Sector worked in abroad, e.g. perkebunan, pekerja rumah tangga",
    )
    years_abroad: int = Field(ge=0, description="Whole years worked abroad, rounded down")
    returned_on: date | None = Field(
        default=None, description="Date of return to Indonesia, when known"
    )


class FamilyLink(EventPart):
    """A family member's (keluarga PMI) relation to the migrant worker."""

    relation: FamilyRelation = Field(description="Relation of the participant to the worker")
    worker_name: str = Personal("Full name of the migrant worker", min_length=1, max_length=200)
    worker_abroad: bool = Field(description="Whether the worker is still working abroad")


class ParticipantRegistered(IntegrationEvent):
    """A person was registered as a programme participant, with their consent.

    Emitted once per participant by the registration service when an operator or a field app
    registers a returned migrant worker (``pmi_purna``, with ``pmi``) or a member of a migrant
    worker's family (``keluarga_pmi``, with ``family``). Consent is required to register, so
    ``consent.granted`` is always true. ``version`` starts at 1; later changes arrive as
    ParticipantUpdated with higher versions. NIK is never included: a service that needs it asks
    registration's API with a role that may read it.
    """

    name: ClassVar[str] = "participant-registered"
    producer: ClassVar[str] = "registration"
    subject_field: ClassVar[str] = "participant_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "participant_id": "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01",
                    "office": "NTB",
                    "category": "pmi_purna",
                    "full_name": "Baiq Nurul Aini",
                    "gender": "P",
                    "birth_date": "1990-04-17",
                    "marital_status": "kawin",
                    "phone": "+6281234567890",
                    "email": None,
                    "address": {
                        "province_code": "52",
                        "regency_code": "5202",
                        "district": "Jonggat",
                        "village": "Bonjeruk",
                    },
                    "consent": {
                        "granted": True,
                        "channels": ["sms", "whatsapp"],
                        "granted_at": "2024-07-01T02:15:00Z",
                    },
                    "pmi": {
                        "destination_country": "MY",
                        "sector": "perkebunan",
                        "years_abroad": 6,
                        "returned_on": "2023-11-20",
                    },
                    "family": None,
                    "campaign_id": "ntb-2024-lombok-tengah",
                    "registered_at": "2024-07-01T02:15:03Z",
                    "version": 1,
                }
            ]
        }
    )

    participant_id: Id = Field(description="Participant id, stable for life")
    office: Office = Field(description="BP3MI office that registered the participant, e.g. NTB")
    category: ParticipantCategory = Field(
        description="pmi_purna: a returned migrant worker; keluarga_pmi: a family member"
    )
    full_name: str = Personal("Full name as on the e-KTP", min_length=1, max_length=200)
    gender: Gender = Personal("Sex as on the e-KTP: L (laki-laki) or P (perempuan)")
    birth_date: date = Personal("Date of birth")
    marital_status: MaritalStatus = Personal("Marital status as on the e-KTP")
    phone: str | None = Personal(
        "Mobile number in E.164 (+628...), when given", default=None, pattern=_E164
    )
    email: str | None = Personal(
        "E-mail address, when given", default=None, max_length=254, pattern=_EMAIL
    )
    address: Address = Personal("Home address")
    consent: Consent = Field(description="Consent recorded at registration")
    pmi: PmiHistory | None = Field(
        default=None, description="The worker's own placement abroad; set when pmi_purna"
    )
    family: FamilyLink | None = Field(
        default=None, description="Relation to the migrant worker; set when keluarga_pmi"
    )
    campaign_id: str | None = Field(
        default=None, max_length=64, description="Registration campaign or drive, when any"
    )
    registered_at: Timestamp = Field(description="When the participant was registered (UTC)")
    version: int = Field(ge=1, description="Participant record version: 1 at registration")

    @model_validator(mode="after")
    def _consistent(self) -> ParticipantRegistered:
        if not self.consent.granted:
            raise ValueError("consent.granted must be true: consent is required to register")
        if self.category == "pmi_purna" and self.pmi is None:
            raise ValueError("pmi is required when category is pmi_purna")
        if self.category == "keluarga_pmi" and self.family is None:
            raise ValueError("family is required when category is keluarga_pmi")
        return self


_CLEARABLE: frozenset[str] = frozenset({"phone", "email"})


class ParticipantUpdated(IntegrationEvent):
    """A registered participant's contact details, address, status or consent changed.

    Emitted by the registration service on every committed change. ``version`` increases by one
    per change; read models apply an update only when its version is newer than the one they
    hold (events of one participant may arrive out of order). ``changed`` names the fields that
    changed: a field not named there is null and unchanged; a field named there with a null
    value was cleared (only phone and email can be cleared).
    """

    name: ClassVar[str] = "participant-updated"
    producer: ClassVar[str] = "registration"
    subject_field: ClassVar[str] = "participant_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "participant_id": "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01",
                    "version": 2,
                    "changed": ["phone", "consent"],
                    "full_name": None,
                    "phone": "+6287765432109",
                    "email": None,
                    "address": None,
                    "marital_status": None,
                    "consent": {
                        "granted": True,
                        "channels": ["whatsapp"],
                        "granted_at": "2024-08-02T01:00:00Z",
                    },
                    "updated_at": "2024-08-02T01:00:00Z",
                }
            ]
        }
    )

    participant_id: Id = Field(description="Participant id")
    version: int = Field(
        ge=2, description="Participant record version after this change (previous + 1)"
    )
    changed: tuple[ChangedField, ...] = Field(
        min_length=1, description="Names of the fields this update changed"
    )
    full_name: str | None = Personal(
        "Corrected full name; null when unchanged", default=None, min_length=1, max_length=200
    )
    phone: str | None = Personal(
        "New mobile number in E.164; null when unchanged or cleared (see changed)",
        default=None,
        pattern=_E164,
    )
    email: str | None = Personal(
        "New e-mail address; null when unchanged or cleared (see changed)",
        default=None,
        max_length=254,
        pattern=_EMAIL,
    )
    address: Address | None = Personal("New home address; null when unchanged", default=None)
    marital_status: MaritalStatus | None = Personal(
        "New marital status; null when unchanged", default=None
    )
    consent: Consent | None = Field(
        default=None, description="The consent now in force, whole; null when unchanged"
    )
    updated_at: Timestamp = Field(description="When the change was committed (UTC)")

    @model_validator(mode="after")
    def _changed_matches_values(self) -> ParticipantUpdated:
        named = set(self.changed)
        for field in ("full_name", "phone", "email", "address", "marital_status", "consent"):
            value: Any = getattr(self, field)
            if value is not None and field not in named:
                raise ValueError(f"{field} is set but not named in changed")
            if value is None and field in named and field not in _CLEARABLE:
                raise ValueError(f"{field} is named in changed but null; it cannot be cleared")
        return self


class ConsentWithdrawn(IntegrationEvent):
    """A participant withdrew consent: every service stops processing and messaging them.

    Emitted by the registration service when withdrawal is recorded (UU PDP: processing stops
    within 3x24 hours). In v1 withdrawal is always total (``scope`` = ``all``); opting out of a
    single messaging channel is a ParticipantUpdated whose ``consent.channels`` no longer lists
    it. ``version`` orders it with the participant's other events.
    """

    name: ClassVar[str] = "consent-withdrawn"
    producer: ClassVar[str] = "registration"
    subject_field: ClassVar[str] = "participant_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "participant_id": "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01",
                    "version": 3,
                    "scope": "all",
                    "withdrawn_at": "2024-09-10T03:00:00Z",
                }
            ]
        }
    )

    participant_id: Id = Field(description="Participant id")
    version: int = Field(
        ge=2, description="Participant record version after the withdrawal (previous + 1)"
    )
    scope: Literal["all"] = Field(
        default="all",
        description="What stops: all means all processing and all messaging (the only v1 value)",
    )
    withdrawn_at: Timestamp = Field(description="When the withdrawal was recorded (UTC)")
