"""The credit service's tables (its own database; the shared outbox/inbox live beside them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from purna_shared.db import UtcDateTime, new_metadata

MIGRATIONS_DIR = Path(__file__).parents[1] / "migrations"

metadata = new_metadata()

_Money = BigInteger()
_Rate = Numeric(5, 2, asdecimal=True)


class Base(DeclarativeBase):
    metadata = metadata


class Participant(Base):
    """Credit's copy of registration's participants (``purna_shared.participant_copy``): only
    what KUR assessment needs (data minimisation: no name, contact or NIK). Until the
    registration arrives (``registered``) a row is a placeholder holding what earlier-arriving
    updates said; the registration's fields are then null."""

    __tablename__ = "participants"

    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the newest registration version seen
    version: Mapped[int] = mapped_column(Integer)
    registered: Mapped[bool] = mapped_column(server_default=text("true"))
    #: field -> the version that last set it (null: every field at ``version``)
    field_versions: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    office: Mapped[str] = mapped_column(String(16), nullable=True)
    category: Mapped[str] = mapped_column(String(20), nullable=True)
    birth_date: Mapped[date] = mapped_column(Date, nullable=True)
    marital_status: Mapped[str] = mapped_column(String(20), nullable=True)
    province_code: Mapped[str] = mapped_column(String(2), nullable=True)
    regency_code: Mapped[str] = mapped_column(String(4), nullable=True)
    consent: Mapped[bool]
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Prequalification(Base):
    """One KUR assessment per participant and completed training session."""

    __tablename__ = "prequalifications"
    __table_args__ = (
        # however often SessionCompleted arrives (redelivered, re-published, replayed)
        UniqueConstraint(
            "participant_id", "session_id", name="uq_prequalifications_participant_session"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    result: Mapped[str] = mapped_column(String(20))
    scheme: Mapped[str] = mapped_column(String(20))
    max_plafond: Mapped[int] = mapped_column(_Money)
    interest_rate: Mapped[Decimal] = mapped_column(_Rate)
    max_tenor_modal_kerja: Mapped[int] = mapped_column(Integer)
    max_tenor_investasi: Mapped[int] = mapped_column(Integer)
    loan_number: Mapped[int] = mapped_column(Integer)
    business_sector: Mapped[str] = mapped_column(String(64))
    age: Mapped[int] = mapped_column(Integer)
    #: [{"code", "message", "needs_review"}], messages in Bahasa Indonesia
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(64))
    assessed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # from the SessionCompleted event, for follow-up and the pipeline report
    office: Mapped[str] = mapped_column(String(16))
    regency_code: Mapped[str] = mapped_column(String(4), index=True)
    programme_code: Mapped[str] = mapped_column(String(64), index=True)
    programme_name: Mapped[str] = mapped_column(String(200))
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    source_event_id: Mapped[str] = mapped_column(String(36))
    # a credit officer's review of a needs_review assessment
    review_decision: Mapped[str | None] = mapped_column(String(20))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_status_submitted", "status", "submitted_at"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("reserved_amount >= 0", name="reserved_amount_nonnegative"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    prequalification_id: Mapped[str] = mapped_column(ForeignKey("prequalifications.id"), index=True)
    amount: Mapped[int] = mapped_column(_Money)
    tenor_months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(20))
    bank: Mapped[str] = mapped_column(String(32), index=True)
    business_description: Mapped[str] = mapped_column(Text)
    scheme: Mapped[str] = mapped_column(String(20))
    interest_rate: Mapped[Decimal] = mapped_column(_Rate)
    loan_number: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    #: why it is waitlisted, rejected or expired (Bahasa Indonesia)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # what the quota holds for it: the pools are (year, total), (year, province), (year, bank)
    allocation_year: Mapped[int] = mapped_column(Integer)
    province_code: Mapped[str] = mapped_column(String(2))
    reserved_amount: Mapped[int] = mapped_column(_Money, default=0)
    committed_amount: Mapped[int] = mapped_column(_Money, default=0)
    # copied from the pre-qualification for the pipeline report
    regency_code: Mapped[str] = mapped_column(String(4))
    programme_code: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[date] = mapped_column(Date)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_amount: Mapped[int | None] = mapped_column(_Money)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    disbursed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AllocationPool(Base):
    """The ministry's KUR quota of a year: the total, and optional province and bank limits."""

    __tablename__ = "allocation_pools"
    __table_args__ = (
        UniqueConstraint("year", "scope", "key", name="uq_allocation_pools_year_scope_key"),
        # the database itself refuses an over-committed pool, whatever the code does
        CheckConstraint(
            "reserved >= 0 AND committed >= 0 AND reserved + committed <= total",
            name="within_total",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(_Money)
    reserved: Mapped[int] = mapped_column(_Money, default=0)
    committed: Mapped[int] = mapped_column(_Money, default=0)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
