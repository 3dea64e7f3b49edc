"""The registration service's tables.

The NIK is never stored in clear: ``nik_digest`` (HMAC-SHA256 under a key from settings) is the
unique de-duplication key that every API process and import worker races on, ``nik_sealed``
(AES-256-GCM) is what the roles allowed to read a NIK get decrypted, and ``nik_masked`` is what
everyone else sees. A database dump or a stray ``SELECT *`` thus reveals no NIK.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from purna_shared.db import new_metadata

JSON_TYPE = JSON()

MIGRATIONS_DIR = Path(__file__).parents[1] / "migrations"

metadata = new_metadata()

_BigId = BigInteger().with_variant(Integer(), "sqlite")

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("office", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("regency_code", String(4), nullable=False),
    Column("village", String(200), nullable=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    comment="registration drives of a BP3MI office",
)
Index("ix_campaigns_office_starts_on", campaigns.c.office, campaigns.c.starts_on)

import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("office", String(16), nullable=False),
    Column("campaign_id", String(36), ForeignKey("campaigns.id"), nullable=True),
    Column("filename", String(255), nullable=False),
    Column("file_format", String(8), nullable=False, comment="csv or xlsx"),
    Column("size_bytes", BigInteger, nullable=False),
    Column("status", String(16), nullable=False, comment="pending, running, completed, failed"),
    Column("failure", Text, nullable=True, comment="why the whole file was refused"),
    Column("rows_total", Integer, nullable=True, comment="data rows, once counted"),
    Column(
        "last_row",
        Integer,
        nullable=False,
        comment="spreadsheet row number up to which results are committed (1 = header)",
    ),
    Column("rows_processed", Integer, nullable=False),
    Column("rows_registered", Integer, nullable=False),
    Column("rows_invalid", Integer, nullable=False),
    Column("rows_duplicate", Integer, nullable=False),
    Column("lease_owner", String(200), nullable=True, comment="worker processing the job"),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_by_role", String(32), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    comment="bulk-intake jobs; progress is committed with each chunk of rows",
)
Index("ix_import_jobs_status", import_jobs.c.status)
Index("ix_import_jobs_office_created_at", import_jobs.c.office, import_jobs.c.created_at)

import_file_chunks = Table(
    "import_file_chunks",
    metadata,
    Column(
        "job_id", String(36), ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
    comment="uploaded file, in order; deleted when the job ends (it holds NIKs in clear)",
)

import_row_errors = Table(
    "import_row_errors",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("job_id", String(36), ForeignKey("import_jobs.id", ondelete="CASCADE"), nullable=False),
    Column("row", Integer, nullable=False, comment="spreadsheet row number"),
    Column("field", String(64), nullable=False, comment="column name"),
    Column("kind", String(24), nullable=False, comment="invalid, duplicate_in_file, registered"),
    Column("message", Text, nullable=False),
    Column("participant_id", String(36), nullable=True, comment="the existing participant"),
)
Index("ix_import_row_errors_job_row", import_row_errors.c.job_id, import_row_errors.c.row)

field_submissions = Table(
    "field_submissions",
    metadata,
    Column("source", String(8), primary_key=True, comment="kobo or odk"),
    Column("form_id", String(64), primary_key=True),
    Column("submission_id", String(200), primary_key=True, comment="the form's instanceID"),
    Column("office", String(16), nullable=False),
    Column("enumerator", String(120), nullable=True, comment="who collected it in the field"),
    Column("status", String(16), nullable=False, comment="registered, duplicate or rejected"),
    Column("participant_id", String(36), nullable=True),
    Column("errors", JSON_TYPE, nullable=False, comment="[{field, message}]; never a NIK"),
    Column("received_at", DateTime(timezone=True), nullable=False),
    comment="each field submission taken once, by its instanceID; the failed ones are the "
    "report an operator fixes and resubmits",
)
Index(
    "ix_field_submissions_report",
    field_submissions.c.office,
    field_submissions.c.form_id,
    field_submissions.c.status,
)

participants = Table(
    "participants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("office", String(16), nullable=False),
    Column("nik_digest", String(64), nullable=False, comment="HMAC-SHA256 of the NIK, hex"),
    Column("nik_sealed", LargeBinary, nullable=False, comment="AES-256-GCM nonce + ciphertext"),
    Column("nik_masked", String(16), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("gender", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("marital_status", String(16), nullable=False),
    Column("phone", String(20), nullable=False, comment="E.164"),
    Column("email", String(254), nullable=True),
    Column("province_code", String(2), nullable=False),
    Column("regency_code", String(4), nullable=False),
    Column("district", String(200), nullable=False, comment="kecamatan"),
    Column("village", String(200), nullable=False, comment="desa/kelurahan"),
    Column("category", String(16), nullable=False),
    Column("pmi_destination_country", String(2), nullable=True),
    Column("pmi_sector", String(32), nullable=True),
    Column("pmi_years_abroad", Integer, nullable=True),
    Column("pmi_returned_on", Date, nullable=True),
    Column("family_relation", String(32), nullable=True),
    Column("family_worker_name", String(200), nullable=True),
    Column("family_worker_abroad", Boolean, nullable=True),
    Column("consent_granted", Boolean, nullable=False),
    Column("consent_channels", String(64), nullable=False, comment="comma-separated"),
    Column("consent_granted_at", DateTime(timezone=True), nullable=False),
    Column("consent_withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("campaign_id", String(36), ForeignKey("campaigns.id"), nullable=True),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("registered_by", String(200), nullable=False, comment="subject of the staff token"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("import_job_id", String(36), ForeignKey("import_jobs.id"), nullable=True),
    Column("import_row", Integer, nullable=True),
    # The one place a person is kept unique, whatever process inserts them.
    UniqueConstraint("nik_digest", name="uq_participants_nik_digest"),
    comment="PMI purna and keluarga PMI; the NIK only as digest, ciphertext and mask",
)
Index(
    "ix_participants_office_regency_village",
    participants.c.office,
    participants.c.regency_code,
    participants.c.village,
)
Index("ix_participants_campaign_id", participants.c.campaign_id)
Index("ix_participants_office_registered_at", participants.c.office, participants.c.registered_at)
Index("ix_participants_import_job_id", participants.c.import_job_id)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False, comment="token subject"),
    Column("actor_role", String(32), nullable=False),
    Column("actor_office", String(16), nullable=True),
    Column(
        "action",
        String(32),
        nullable=False,
        comment="nik_read, registered, updated, consent_withdrawn, imported",
    ),
    Column("participant_id", String(36), nullable=True),
    Column("purpose", String(64), nullable=True, comment="declared purpose of a NIK read"),
    Column("route", String(200), nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("detail", Text, nullable=True, comment="JSON: field names changed, never values"),
    comment="who read or changed personal data, when (UU PDP breach investigation trail)",
)
Index("ix_audit_log_participant_id_at", audit_log.c.participant_id, audit_log.c.at)
Index("ix_audit_log_action_at", audit_log.c.action, audit_log.c.at)
