"""The messaging tables every service keeps in its own database.

They live on their own ``MetaData`` so that each service's Alembic environment includes them
(see :func:`purna_shared.db.run_alembic_env`) and there is one definition of each.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from ..db import new_metadata
from ..http.idempotency import add_idempotency_table

metadata = new_metadata()

#: BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY
_Position = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox",
    metadata,
    Column("position", _Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream", String(200), nullable=False, comment="stream key without the test prefix"),
    Column("entry", Text, nullable=False, comment="the stream entry's fields as a JSON object"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    comment="events written with the state change that caused them; the relay publishes them",
)
# The relay only ever looks at unpublished rows: keep that index small.
Index(
    "ix_outbox_unpublished",
    outbox.c.position,
    postgresql_where=text("published_at IS NULL"),
    sqlite_where=text("published_at IS NULL"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer_group", String(100), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("stream", String(200), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    comment="events a consumer group has handled; the primary key makes redelivery a no-op",
)

#: responses of creating POSTs by Idempotency-Key (see purna_shared.http.idempotency)
idempotency_keys = add_idempotency_table(metadata)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", _Position, primary_key=True, autoincrement=True),
    Column("consumer_group", String(100), nullable=False),
    Column("stream", String(200), nullable=False, comment="the original stream key"),
    Column("entry_id", String(40), nullable=False, comment="the original entry id"),
    Column("event_id", String(36), nullable=True, comment="the envelope id, when it had one"),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("original", Text, nullable=False, comment="the original entry's fields as JSON"),
    Column("failed_at", DateTime(timezone=True), nullable=False),
    Column("redriven_at", DateTime(timezone=True), nullable=True),
    comment="dead letters of this service's consumer groups; they survive Redis losing its data",
)
Index("ix_dead_letters_failed_at", dead_letters.c.failed_at)

# The retention sweeper deletes by age: these keep its scans off the whole table.
Index("ix_outbox_published_at", outbox.c.published_at)
Index("ix_inbox_processed_at", inbox.c.processed_at)
