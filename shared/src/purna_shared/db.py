"""Database plumbing: engines, sessions and migrations for a service's own database.

PostgreSQL (asyncpg) in production; an SQLite file (aiosqlite) where no database is set.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, DateTime, MetaData, TypeDecorator, event, pool
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

#: one naming convention so Alembic names constraints the same on both databases
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> URL:
    """Normalise ``postgresql://`` and ``sqlite://`` URLs to their async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def is_postgres(bind: AsyncSession | AsyncConnection | AsyncEngine) -> bool:
    """Whether ``bind`` talks to PostgreSQL (else the embedded SQLite)."""
    engine = bind.get_bind() if isinstance(bind, AsyncSession) else bind
    return engine.dialect.name == "postgresql"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the service's engine. SQLite gets WAL and a busy timeout so an api and a worker
    process can share the file; PostgreSQL gets a pre-pinged pool."""
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # The driver must not issue its own BEGIN, so that ours (below) takes effect.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin_immediate(conn: Any) -> None:
            # Take the write lock at BEGIN: SQLite then serialises writers instead of failing
            # one of two read-then-write transactions with "database is locked".
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_async_engine(parsed, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", async_url(url).render_as_string(hide_password=False))
    return config


def migrate(script_location: Path, url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (blocking; run before serving)."""
    command.upgrade(alembic_config(script_location, url), revision)


async def migrate_async(script_location: Path, url: str, revision: str = "head") -> None:
    """:func:`migrate` from inside a running event loop (Alembic's env runs its own loop)."""
    await asyncio.to_thread(migrate, script_location, url, revision)


def run_alembic_env(metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``: online migrations over the async driver.

    The shared messaging tables (outbox, inbox, idempotency keys) live in every service's
    database, so they are always part of the target."""
    from .messaging.tables import metadata as messaging_metadata

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set (use purna_shared.db.migrate)"

    def do_migrations(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=[metadata, messaging_metadata],
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = make_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_migrations)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run())


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and always read back timezone-aware: PostgreSQL keeps the zone,
    SQLite hands back naive values that would not compare with an aware clock (and event
    payloads require aware times). A naive value is refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
