"""The training service's tables (its own database; the shared outbox/inbox live beside them)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)

from purna_shared.db import UtcDateTime, new_metadata

MIGRATIONS_DIR = Path(__file__).parents[1] / "migrations"

metadata = new_metadata()

_ID = 64  # opaque ids (UUIDs today), as the event contracts allow
_PLACE = 200

programmes = Table(
    "programmes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("default_days", Integer, nullable=False),
    Column("default_capacity", Integer, nullable=False),
    Column("min_attendance_share", Numeric(5, 4), nullable=False),
    Column("assessment_required", Boolean, nullable=False),
    comment="training programmes; the 2024 NTB programmes are seeded by the first migration",
)

training_sessions = Table(
    "training_sessions",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("programme_code", String(32), ForeignKey("programmes.code"), nullable=False),
    Column("office", String(16), nullable=False, comment="BP3MI office code, e.g. NTB"),
    Column("village", String(_PLACE), nullable=False, comment="desa"),
    Column("district", String(_PLACE), nullable=False, comment="kecamatan"),
    Column("regency_code", String(4), nullable=False, comment="kabupaten/kota code, e.g. 5202"),
    Column("venue", String(_PLACE), nullable=False),
    Column("start_date", Date, nullable=False, comment="first day (WITA)"),
    Column("end_date", Date, nullable=False, comment="last day (WITA)"),
    Column("capacity", Integer, nullable=False),
    Column("trainer", String(200), nullable=False, comment="token subject of the lead trainer"),
    Column("status", String(16), nullable=False),
    # the rule in force when the session was scheduled: later programme changes don't move it
    Column("min_attendance_share", Numeric(5, 4), nullable=False),
    Column("assessment_required", Boolean, nullable=False),
    Column(
        "arrivals",
        Integer,
        nullable=False,
        comment="enrolments so far; the next one gets arrival number arrivals + 1",
    ),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("completed_by", String(200), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("cancel_reason", String(500), nullable=True),
    CheckConstraint("capacity >= 1", name="capacity_positive"),
    CheckConstraint("end_date >= start_date", name="dates_ordered"),
    comment="village training sessions",
)
Index(
    "ix_training_sessions_office_start", training_sessions.c.office, training_sessions.c.start_date
)
Index("ix_training_sessions_trainer", training_sessions.c.trainer)

enrollments = Table(
    "enrollments",
    metadata,
    Column("session_id", String(_ID), ForeignKey("training_sessions.id"), primary_key=True),
    Column("participant_id", String(_ID), primary_key=True),
    Column("status", String(16), nullable=False, comment="enrolled, waitlisted or cancelled"),
    Column(
        "arrival",
        Integer,
        nullable=False,
        comment="order in which the enrolment took the session lock; the waitlist follows it",
    ),
    Column("enrolled_at", UtcDateTime(), nullable=False),
    Column("promoted_at", UtcDateTime(), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("cancel_reason", String(500), nullable=True),
    comment="one row per session and participant; re-enrolling after a cancellation reuses it",
)
Index("ix_enrollments_session_status", enrollments.c.session_id, enrollments.c.status)
Index("ix_enrollments_participant", enrollments.c.participant_id, enrollments.c.status)

attendance_days = Table(
    "attendance_days",
    metadata,
    Column("session_id", String(_ID), ForeignKey("training_sessions.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    comment="session days whose attendance was taken (possibly with nobody present)",
)

attendance = Table(
    "attendance",
    metadata,
    Column("session_id", String(_ID), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("participant_id", String(_ID), primary_key=True),
    ForeignKeyConstraint(
        ["session_id", "day"],
        ["attendance_days.session_id", "attendance_days.day"],
        ondelete="CASCADE",
    ),
    comment="who was present on which session day",
)

assessments = Table(
    "assessments",
    metadata,
    Column("session_id", String(_ID), ForeignKey("training_sessions.id"), primary_key=True),
    Column("participant_id", String(_ID), primary_key=True),
    Column("passed", Boolean, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    comment="assessment results, for programmes whose completion rule requires one",
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("session_id", String(_ID), ForeignKey("training_sessions.id"), primary_key=True),
    Column("participant_id", String(_ID), primary_key=True),
    Column("rank", Integer, nullable=False, comment="order of the outcome in the result"),
    Column("completed", Boolean, nullable=False),
    Column("days_present", Integer, nullable=False),
    Column("session_days", Integer, nullable=False),
    Column("attendance_rate", Numeric(5, 4), nullable=False),
    Column("assessment_passed", Boolean, nullable=True),
    Column("certificate_no", String(64), nullable=True, unique=True),
    comment="each enrolled participant's result, computed once when the session is completed",
)

certificate_sequences = Table(
    "certificate_sequences",
    metadata,
    Column("office", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("programme_code", String(32), primary_key=True),
    Column("last_number", Integer, nullable=False),
    comment="last certificate number given per office, year and programme",
)

participants = Table(
    "participants",
    metadata,
    Column("participant_id", String(_ID), primary_key=True),
    Column("registered", Boolean, nullable=False, comment="ParticipantRegistered has arrived"),
    Column("version", Integer, nullable=False, comment="newest participant version seen"),
    Column("office", String(16), nullable=True),
    Column("category", String(32), nullable=True),
    Column("full_name", String(200), nullable=True, comment="personal data: certificates only"),
    Column("full_name_version", Integer, nullable=False),
    Column("consent_granted", Boolean, nullable=False),
    Column("consent_version", Integer, nullable=False),
    Column("withdrawn_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    comment="read model of registration's participants: only what training needs",
)
