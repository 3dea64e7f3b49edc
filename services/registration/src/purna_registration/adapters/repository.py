"""Reading and writing the registration tables, mapped to and from the domain objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, Select, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.campaign import Campaign, CampaignTally, tally
from ..domain.participant import (
    Address,
    Consent,
    FamilyLink,
    Participant,
    PmiHistory,
)
from .orm import campaigns, participants


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _aware_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


# -- participants ------------------------------------------------------------------------------


def participant_values(
    participant: Participant,
    *,
    nik_digest: str,
    nik_sealed: bytes,
    registered_by: str,
    import_job_id: str | None = None,
    import_row: int | None = None,
) -> dict[str, Any]:
    """The row of a newly registered participant."""
    return {
        "id": participant.id,
        "office": participant.office,
        "nik_digest": nik_digest,
        "nik_sealed": nik_sealed,
        "nik_masked": participant.nik_masked,
        "registered_by": registered_by,
        "registered_at": participant.registered_at,
        "import_job_id": import_job_id,
        "import_row": import_row,
        "gender": participant.gender,
        "birth_date": participant.birth_date,
        "category": participant.category,
        "campaign_id": participant.campaign_id,
        **_pmi_values(participant.pmi),
        **_family_values(participant.family),
        **_mutable_values(participant),
    }


def _pmi_values(pmi: PmiHistory | None) -> dict[str, Any]:
    return {
        "pmi_destination_country": pmi.destination_country if pmi else None,
        "pmi_sector": pmi.sector if pmi else None,
        "pmi_years_abroad": pmi.years_abroad if pmi else None,
        "pmi_returned_on": pmi.returned_on if pmi else None,
    }


def _family_values(family: FamilyLink | None) -> dict[str, Any]:
    return {
        "family_relation": family.relation if family else None,
        "family_worker_name": family.worker_name if family else None,
        "family_worker_abroad": family.worker_abroad if family else None,
    }


def _mutable_values(participant: Participant) -> dict[str, Any]:
    consent = participant.consent
    return {
        "full_name": participant.full_name,
        "marital_status": participant.marital_status,
        "phone": participant.phone,
        "email": participant.email,
        "province_code": participant.address.province_code,
        "regency_code": participant.address.regency_code,
        "district": participant.address.district,
        "village": participant.address.village,
        "consent_granted": consent.granted,
        "consent_channels": ",".join(consent.channels),
        "consent_granted_at": consent.granted_at,
        "consent_withdrawn_at": consent.withdrawn_at,
        "updated_at": participant.updated_at,
        "version": participant.version,
    }


_PARTICIPANT_COLUMNS = [c for c in participants.c if c.name not in ("nik_digest", "nik_sealed")]


def participant_from_row(row: Row[Any]) -> Participant:
    m = row._mapping
    pmi = (
        PmiHistory(
            m["pmi_destination_country"],
            m["pmi_sector"],
            m["pmi_years_abroad"],
            m["pmi_returned_on"],
        )
        if m["category"] == "pmi_purna"
        else None
    )
    family = (
        FamilyLink(m["family_relation"], m["family_worker_name"], m["family_worker_abroad"])
        if m["category"] == "keluarga_pmi"
        else None
    )
    channels = tuple(c for c in m["consent_channels"].split(",") if c)
    return Participant(
        id=m["id"],
        office=m["office"],
        nik_masked=m["nik_masked"],
        full_name=m["full_name"],
        gender=m["gender"],
        birth_date=m["birth_date"],
        marital_status=m["marital_status"],
        phone=m["phone"],
        email=m["email"],
        address=Address(m["province_code"], m["regency_code"], m["district"], m["village"]),
        category=m["category"],
        pmi=pmi,
        family=family,
        consent=Consent(
            m["consent_granted"],
            channels,
            as_utc(m["consent_granted_at"]),
            _aware_or_none(m["consent_withdrawn_at"]),
        ),
        campaign_id=m["campaign_id"],
        registered_at=as_utc(m["registered_at"]),
        updated_at=as_utc(m["updated_at"]),
        version=m["version"],
    )


async def insert_unless_registered(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> set[str]:
    """Insert the rows whose NIK digest is new; return the digests inserted.

    ``ON CONFLICT DO NOTHING`` on the unique digest: whichever process commits a NIK first
    wins, and the others learn it without an aborted transaction (PostgreSQL makes a
    concurrent insert of the same digest wait for the first to commit or roll back)."""
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(participants)
        .on_conflict_do_nothing(index_elements=["nik_digest"])
        .returning(participants.c.nik_digest)
    )
    # Parameters apart from the statement: SQLAlchemy compiles it once (cached) and batches
    # the rows into multi-row INSERT ... RETURNING itself ("insertmanyvalues").
    result = await session.execute(statement, list(rows))
    return {r for (r,) in result.all()}


@dataclass(frozen=True, slots=True)
class ExistingNik:
    participant_id: str
    import_job_id: str | None
    import_row: int | None
    #: the BP3MI office the participant belongs to (whether the asker may learn the id)
    office: str = ""


async def find_by_digests(session: AsyncSession, digests: Iterable[str]) -> dict[str, ExistingNik]:
    wanted = list(digests)
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            participants.c.nik_digest,
            participants.c.id,
            participants.c.import_job_id,
            participants.c.import_row,
            participants.c.office,
        ).where(participants.c.nik_digest.in_(wanted))
    )
    return {r.nik_digest: ExistingNik(r.id, r.import_job_id, r.import_row, r.office) for r in rows}


async def get_participant(
    session: AsyncSession, participant_id: str, *, for_update: bool = False
) -> Participant | None:
    query = select(*_PARTICIPANT_COLUMNS).where(participants.c.id == participant_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).one_or_none()
    return participant_from_row(row) if row is not None else None


async def get_sealed_nik(session: AsyncSession, participant_id: str) -> bytes | None:
    return (
        await session.execute(
            select(participants.c.nik_sealed).where(participants.c.id == participant_id)
        )
    ).scalar_one_or_none()


async def save_changes(session: AsyncSession, participant: Participant) -> None:
    """Write a changed participant; the row lock taken on load keeps versions in step."""
    await session.execute(
        update(participants)
        .where(participants.c.id == participant.id)
        .values(**_mutable_values(participant))
    )


@dataclass(frozen=True, slots=True)
class ParticipantFilter:
    office: str | None = None
    regency_code: str | None = None
    village: str | None = None
    category: str | None = None
    campaign_id: str | None = None
    name: str | None = None
    nik_digest: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select[Any], f: ParticipantFilter) -> Select[Any]:
    c = participants.c
    if f.office:
        query = query.where(c.office == f.office)
    if f.regency_code:
        query = query.where(c.regency_code == f.regency_code)
    if f.village:
        query = query.where(func.lower(c.village) == f.village.lower())
    if f.category:
        query = query.where(c.category == f.category)
    if f.campaign_id:
        query = query.where(c.campaign_id == f.campaign_id)
    if f.nik_digest:
        query = query.where(c.nik_digest == f.nik_digest)
    if f.name:
        words = [w for w in f.name.split() if w]
        for word in words:
            # every word must appear, in any order ("aini baiq" finds "Baiq Nurul Aini")
            pattern = f"%{_escape_like(word.lower())}%"
            query = query.where(or_(func.lower(c.full_name).like(pattern, escape="\\")))
    return query


async def list_participants(
    session: AsyncSession, f: ParticipantFilter, *, limit: int, offset: int
) -> tuple[list[Participant], int]:
    total = (
        await session.execute(_filtered(select(func.count()).select_from(participants), f))
    ).scalar_one()
    rows = (
        await session.execute(
            _filtered(select(*_PARTICIPANT_COLUMNS), f)
            .order_by(participants.c.registered_at, participants.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [participant_from_row(r) for r in rows], int(total)


# -- campaigns ---------------------------------------------------------------------------------


def campaign_from_row(row: Row[Any]) -> Campaign:
    m = row._mapping
    return Campaign(
        id=m["id"],
        office=m["office"],
        name=m["name"],
        regency_code=m["regency_code"],
        village=m["village"],
        starts_on=m["starts_on"],
        ends_on=m["ends_on"],
        created_at=as_utc(m["created_at"]),
    )


async def insert_campaign(session: AsyncSession, campaign: Campaign, created_by: str) -> None:
    await session.execute(
        campaigns.insert().values(
            id=campaign.id,
            office=campaign.office,
            name=campaign.name,
            regency_code=campaign.regency_code,
            village=campaign.village,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            created_at=campaign.created_at,
            created_by=created_by,
        )
    )


async def get_campaign(session: AsyncSession, campaign_id: str) -> Campaign | None:
    row = (
        await session.execute(select(campaigns).where(campaigns.c.id == campaign_id))
    ).one_or_none()
    return campaign_from_row(row) if row is not None else None


async def list_campaigns(
    session: AsyncSession, *, office: str | None, active_on: date | None, limit: int, offset: int
) -> tuple[list[Campaign], int]:
    query = select(campaigns)
    count = select(func.count()).select_from(campaigns)
    if office:
        query, count = (
            query.where(campaigns.c.office == office),
            count.where(campaigns.c.office == office),
        )
    if active_on:
        window = (campaigns.c.starts_on <= active_on) & (campaigns.c.ends_on >= active_on)
        query, count = query.where(window), count.where(window)
    total = (await session.execute(count)).scalar_one()
    rows = (
        await session.execute(
            query.order_by(campaigns.c.starts_on.desc(), campaigns.c.id).limit(limit).offset(offset)
        )
    ).all()
    return [campaign_from_row(r) for r in rows], int(total)


async def campaign_tally(session: AsyncSession, campaign_id: str) -> CampaignTally:
    c = participants.c
    rows = await session.execute(
        select(c.regency_code, c.district, c.village, c.category, func.count())
        .where(c.campaign_id == campaign_id)
        .group_by(c.regency_code, c.district, c.village, c.category)
    )
    return tally((r[0], r[1], r[2], r[3], int(r[4])) for r in rows)
