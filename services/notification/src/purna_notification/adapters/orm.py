"""The notification service's tables (its own database; the shared outbox/inbox join them)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from purna_shared.db import UtcDateTime, new_metadata

MIGRATIONS_DIR = Path(__file__).parents[1] / "migrations"

metadata = new_metadata()

_Json = JSON().with_variant(JSONB(), "postgresql")


_Moment = UtcDateTime()

contacts = Table(
    "contacts",
    metadata,
    Column("participant_id", String(64), primary_key=True),
    Column("office", String(16), nullable=True),
    Column("full_name", String(200), nullable=True, comment="personal; erased on withdrawal"),
    Column("gender", String(1), nullable=True),
    Column("phone", String(20), nullable=True, comment="personal, E.164; erased on withdrawal"),
    Column("email", String(254), nullable=True, comment="personal; erased on withdrawal"),
    Column("channels", _Json, nullable=False, comment="channels consented to"),
    Column("field_versions", _Json, nullable=False, comment="version that set each field"),
    Column("version", Integer, nullable=False),
    Column("registered", Boolean, nullable=False),
    Column("withdrawn_at", _Moment, nullable=True),
    Column("updated_at", _Moment, nullable=False),
    comment="how and whether a participant may be messaged, from registration's events",
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True, comment="UUIDv7; the gateway idempotency key"),
    Column("participant_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("template", String(100), nullable=False),
    Column("cause_event_id", String(36), nullable=False),
    Column("cause_event_type", String(100), nullable=False),
    Column("correlation_id", String(36), nullable=False),
    Column("session_id", String(64), nullable=True, comment="training session it is about"),
    Column("context", _Json, nullable=False, comment="facts the template shows"),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("scheduled_for", _Moment, nullable=False, comment="due time of the next attempt"),
    Column("sent_at", _Moment, nullable=True),
    Column("failed_at", _Moment, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("provider_message_id", String(200), nullable=True),
    Column("segments", Integer, nullable=True, comment="SMS parts of the text sent"),
    Column(
        "cancel_reason",
        String(200),
        nullable=True,
        comment="set when cancelled while a dispatcher held it; that attempt is the last",
    ),
    Column("claim_token", String(36), nullable=True, comment="dispatcher holding it"),
    Column("claimed_until", _Moment, nullable=True, comment="lease; expired means retry"),
    Column("created_at", _Moment, nullable=False),
    Column("updated_at", _Moment, nullable=False),
    # Exactly once per (cause event, recipient, template): a duplicate event writes nothing.
    UniqueConstraint("cause_event_id", "participant_id", "template", "channel"),
    comment="one message to one participant on one channel",
)
# The dispatcher looks only at due, scheduled rows: keep that index small.
Index(
    "ix_deliveries_due",
    deliveries.c.scheduled_for,
    postgresql_where=text("status = 'scheduled'"),
    sqlite_where=text("status = 'scheduled'"),
)
Index("ix_deliveries_participant", deliveries.c.participant_id, deliveries.c.created_at)
Index(
    "ix_deliveries_session",
    deliveries.c.session_id,
    deliveries.c.participant_id,
    postgresql_where=text("status = 'scheduled'"),
    sqlite_where=text("status = 'scheduled'"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("delivery_id", String(36), ForeignKey("deliveries.id"), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("started_at", _Moment, nullable=False),
    Column("finished_at", _Moment, nullable=False),
    Column("outcome", String(16), nullable=False, comment="accepted, transient or permanent"),
    Column("detail", String(500), nullable=True),
    comment="every attempt to hand a delivery to the gateway or SMTP server",
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("participant_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False, comment="enrolled, waitlisted or cancelled"),
    Column("changed_at", _Moment, nullable=False, comment="event time of the latest change"),
    comment="latest enrolment state, so a cancellation overtaken by its enrolment still wins",
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("venue", String(200), nullable=False),
    Column("scheduled_at", _Moment, nullable=False, comment="event time of this schedule"),
    comment="latest known dates of a training session, to move reminders when they change",
)
