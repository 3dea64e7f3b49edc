"""HTTP request and response bodies. Field names are a contract other services, the demo and
outside clients rely on: change them only additively.

Request models check shape (types, enumerations, sizes); the domain checks the rules (NIK
structure, agreement with birth date and gender, phone, area codes) and names each field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from purna_shared.http.pagination import Page
from purna_shared.text import InputModel

from ..domain import participant as model
from ..domain.access import NikReadPurpose
from ..domain.campaign import Campaign, CampaignTally
from ..domain.participant import Category, Channel, FamilyRelation, MaritalStatus, Sector
from ..service_layer.imports import ImportJob, ReportedError

Gender = Literal["L", "P"]

_Text = Field(max_length=200)


class _In(InputModel):
    # Unknown fields are refused: a misspelt optional field would otherwise vanish silently.
    model_config = ConfigDict(extra="forbid", str_max_length=500)


class AddressIn(_In):
    province_code: str = Field(max_length=8, description="Province code, e.g. 52 (NTB)")
    regency_code: str = Field(max_length=8, description="Regency code, e.g. 5202")
    district: str = Field(max_length=200, description="Kecamatan (district) name")
    village: str = Field(max_length=200, description="Desa/kelurahan (village) name")

    def to_domain(self) -> model.Address:
        return model.Address(self.province_code, self.regency_code, self.district, self.village)


class PmiIn(_In):
    destination_country: str = Field(
        max_length=8, description="ISO 3166-1 alpha-2 code of the last country worked in, e.g. MY"
    )
    sector: Sector = Field(description="Sector worked in abroad")
    years_abroad: int = Field(ge=0, le=100, description="Whole years worked abroad")
    returned_on: date | None = Field(None, description="Date of return to Indonesia")

    def to_domain(self) -> model.PmiHistory:
        return model.PmiHistory(
            self.destination_country, self.sector, self.years_abroad, self.returned_on
        )


class FamilyIn(_In):
    relation: FamilyRelation = Field(description="Relation to the migrant worker")
    worker_name: str = Field(max_length=200, description="The migrant worker's full name")
    worker_abroad: bool = Field(description="Whether the worker is still abroad")

    def to_domain(self) -> model.FamilyLink:
        return model.FamilyLink(self.relation, self.worker_name, self.worker_abroad)


class ConsentIn(_In):
    granted: bool = Field(description="Consent to processing (UU PDP); must be true")
    channels: list[Channel] = Field(
        default_factory=list,
        max_length=3,
        description="Channels the participant may be messaged on",
    )


class RegisterParticipant(_In):
    """A person to register. ``office`` defaults to the operator's own office."""

    nik: str = Field(max_length=32, description="NIK, 16 digits (women: birth day + 40)")
    full_name: str = Field(max_length=200, description="Full name as on the e-KTP")
    gender: Gender = Field(description="L (laki-laki) or P (perempuan), as the NIK says")
    birth_date: date = Field(description="Date of birth (ISO), as the NIK says")
    marital_status: MaritalStatus
    phone: str = Field(max_length=32, description="Mobile number: 08..., 628... or +628...")
    email: str | None = Field(None, max_length=254)
    address: AddressIn
    category: Category = Field(description="pmi_purna (returned worker) or keluarga_pmi (family)")
    pmi: PmiIn | None = Field(None, description="Required when category is pmi_purna")
    family: FamilyIn | None = Field(None, description="Required when category is keluarga_pmi")
    consent: ConsentIn
    campaign_id: str | None = Field(None, max_length=64)
    office: str | None = Field(
        None, max_length=16, description="BP3MI office, e.g. NTB; defaults to the token's office"
    )


class NikLookup(_In):
    nik: str = Field(max_length=32, description="NIK to look for")


class NikLookupResult(BaseModel):
    registered: bool
    participant_id: str | None = None
    office: str | None = None


class ConsentChannelsIn(_In):
    channels: list[Channel] = Field(max_length=3, description="Channels now agreed to")


class ParticipantPatch(_In):
    """A correction: only the fields sent change; ``email: null`` removes the e-mail."""

    full_name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: AddressIn | None = None
    marital_status: MaritalStatus | None = None
    consent: ConsentChannelsIn | None = Field(
        None, description="Change the messaging channels (withdrawal has its own route)"
    )


class AddressOut(BaseModel):
    province_code: str
    regency_code: str
    district: str
    village: str


class PmiOut(BaseModel):
    destination_country: str
    sector: str
    years_abroad: int
    returned_on: date | None


class FamilyOut(BaseModel):
    relation: str
    worker_name: str
    worker_abroad: bool


class ConsentOut(BaseModel):
    granted: bool
    channels: list[str]
    granted_at: datetime
    withdrawn_at: datetime | None


class ParticipantOut(BaseModel):
    id: str = Field(description="Participant id, used in every event")
    office: str
    nik: str = Field(description="Masked (5201********0003) unless revealed to an allowed role")
    nik_masked: bool = Field(description="False only when `nik` is shown in clear")
    full_name: str
    gender: str
    birth_date: date
    marital_status: str
    phone: str
    email: str | None
    address: AddressOut
    category: str
    pmi: PmiOut | None
    family: FamilyOut | None
    consent: ConsentOut
    campaign_id: str | None
    registered_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, p: model.Participant, *, clear_nik: str | None = None) -> ParticipantOut:
        return cls(
            id=p.id,
            office=p.office,
            nik=clear_nik if clear_nik is not None else p.nik_masked,
            nik_masked=clear_nik is None,
            full_name=p.full_name,
            gender=p.gender,
            birth_date=p.birth_date,
            marital_status=p.marital_status,
            phone=p.phone,
            email=p.email,
            address=AddressOut(
                province_code=p.address.province_code,
                regency_code=p.address.regency_code,
                district=p.address.district,
                village=p.address.village,
            ),
            category=p.category,
            pmi=(
                PmiOut(
                    destination_country=p.pmi.destination_country,
                    sector=p.pmi.sector,
                    years_abroad=p.pmi.years_abroad,
                    returned_on=p.pmi.returned_on,
                )
                if p.pmi
                else None
            ),
            family=(
                FamilyOut(
                    relation=p.family.relation,
                    worker_name=p.family.worker_name,
                    worker_abroad=p.family.worker_abroad,
                )
                if p.family
                else None
            ),
            consent=ConsentOut(
                granted=p.consent.granted,
                channels=list(p.consent.channels),
                granted_at=p.consent.granted_at,
                withdrawn_at=p.consent.withdrawn_at,
            ),
            campaign_id=p.campaign_id,
            registered_at=p.registered_at,
            updated_at=p.updated_at,
            version=p.version,
        )


# -- campaigns ---------------------------------------------------------------------------------


class CreateCampaign(_In):
    name: str = Field(max_length=200, description="e.g. Pendaftaran Desa Bonjeruk 2024")
    regency_code: str = Field(max_length=8, description="Regency of the campaign, e.g. 5202")
    village: str | None = Field(None, max_length=200, description="Village, when one")
    starts_on: date
    ends_on: date
    office: str | None = Field(None, max_length=16, description="Defaults to the token's office")


class CampaignOut(BaseModel):
    id: str
    office: str
    name: str
    regency_code: str
    village: str | None
    starts_on: date
    ends_on: date
    created_at: datetime

    @classmethod
    def of(cls, c: Campaign) -> CampaignOut:
        return cls(
            id=c.id,
            office=c.office,
            name=c.name,
            regency_code=c.regency_code,
            village=c.village,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            created_at=c.created_at,
        )


class VillageCount(BaseModel):
    regency_code: str
    district: str
    village: str
    total: int
    by_category: dict[str, int]


class CampaignCounts(BaseModel):
    total: int
    by_category: dict[str, int] = Field(description="Registered per category")
    by_village: list[VillageCount] = Field(description="Registered per village and category")

    @classmethod
    def of(cls, t: CampaignTally) -> CampaignCounts:
        return cls(
            total=t.total,
            by_category=t.by_category,
            by_village=[
                VillageCount(
                    regency_code=v.regency_code,
                    district=v.district,
                    village=v.village,
                    total=v.total,
                    by_category=v.by_category,
                )
                for v in t.by_village
            ],
        )


class CampaignDetail(CampaignOut):
    counts: CampaignCounts = Field(description="Live counts of registered participants")


# -- imports -----------------------------------------------------------------------------------


class ImportProgress(BaseModel):
    rows_total: int | None = Field(description="Data rows in the file, when known")
    rows_processed: int
    percent: float | None


class ImportCounts(BaseModel):
    registered: int
    invalid: int = Field(description="Rows refused for a broken rule")
    duplicate: int = Field(description="Rows whose NIK repeats an earlier row or is registered")


class ImportRowError(BaseModel):
    row: int = Field(description="Spreadsheet row number (the header is row 1)")
    field: str = Field(description="Column name")
    kind: str = Field(description="invalid, duplicate_in_file or already_registered")
    message: str
    participant_id: str | None = Field(description="The existing participant, for duplicates")

    @classmethod
    def of(cls, e: ReportedError) -> ImportRowError:
        return cls(
            row=e.row,
            field=e.field,
            kind=e.kind,
            message=e.message,
            participant_id=e.participant_id,
        )


class ImportOut(BaseModel):
    id: str
    office: str
    campaign_id: str | None
    filename: str
    format: str
    status: str = Field(description="pending, running, completed or failed")
    failure: str | None = Field(description="Why the file as a whole was refused")
    progress: ImportProgress
    counts: ImportCounts
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def fields_of(cls, job: ImportJob) -> dict[str, Any]:
        total = job.rows_total
        percent = (
            round(100 * job.rows_processed / total, 1)
            if total
            else (100.0 if job.status == "completed" else None)
        )
        return {
            "id": job.id,
            "office": job.office,
            "campaign_id": job.campaign_id,
            "filename": job.filename,
            "format": job.file_format,
            "status": job.status,
            "failure": job.failure,
            "progress": ImportProgress(
                rows_total=total, rows_processed=job.rows_processed, percent=percent
            ),
            "counts": ImportCounts(
                registered=job.rows_registered,
                invalid=job.rows_invalid,
                duplicate=job.rows_duplicate,
            ),
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
        }

    @classmethod
    def of(cls, job: ImportJob) -> ImportOut:
        return cls(**cls.fields_of(job))


class ImportReport(ImportOut):
    errors: Page[ImportRowError] = Field(description="Rows not registered, by row number")


# -- audit -------------------------------------------------------------------------------------


class AuditEntry(BaseModel):
    at: datetime
    actor: str
    actor_role: str
    actor_office: str | None
    action: str
    participant_id: str | None
    purpose: str | None
    route: str | None
    request_id: str | None
    detail: Any | None


NikPurpose = NikReadPurpose
