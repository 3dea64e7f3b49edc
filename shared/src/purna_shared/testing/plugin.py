"""pytest plugin: a real Redis and a real PostgreSQL for integration tests.

Each server comes from ``REDIS_URL`` / ``DATABASE_URL`` when set; otherwise from a server
answering at its default local address; otherwise from a testcontainers container. When none
can be had the fixture fails (it never skips: a skipped integration test hides a broken CI).

Every test gets its own stream-key prefix (deleted afterwards) and its own databases (created
from a migrated template, dropped afterwards), so runs and tests never see each other's data.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import pytest
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from ..db import migrate_async

_DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
_DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def pytest_configure(config: pytest.Config) -> None:
    # Tests (and the processes they start) use the published development secrets: that is
    # development mode, said explicitly (purna_shared.secrets refuses it otherwise).
    os.environ.setdefault("DEV_MODE", "true")


def _answers(url: str, default_port: int) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or default_port), 1):
            return True
    except OSError:
        return False


def _container(kind: str) -> Any:
    try:
        if kind == "redis":
            from testcontainers.redis import RedisContainer

            return RedisContainer("redis:7-alpine").start()
        from testcontainers.postgres import PostgresContainer

        return PostgresContainer("postgres:16-alpine", driver=None).start()
    except Exception as exc:
        in_ci = os.environ.get("CI", "").lower() == "true"
        pytest.fail(
            f"no {kind} for integration tests: set "
            f"{'REDIS_URL' if kind == 'redis' else 'DATABASE_URL'}"
            f", run one at its default address, or provide Docker for testcontainers ({exc!r})"
            + (" [CI=true: a missing service fails the run]" if in_ci else ""),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if url := os.environ.get("REDIS_URL"):
        yield url
    elif _answers(_DEFAULT_REDIS, 6379):
        yield _DEFAULT_REDIS
    else:
        container = _container("redis")
        host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
        yield f"redis://{host}:{port}/0"
        container.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of the PostgreSQL server's maintenance database (tests create their own)."""
    if url := os.environ.get("DATABASE_URL"):
        yield url
    elif _answers(_DEFAULT_POSTGRES, 5432):
        yield _DEFAULT_POSTGRES
    else:
        container = _container("postgres")
        yield container.get_connection_url()
        container.stop()


@pytest.fixture
def stream_prefix(redis_url: str) -> Iterator[str]:
    """A fresh prefix for every stream key this test touches; the keys are deleted after."""
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    import redis as sync_redis

    client = sync_redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


class DatabaseFactory:
    """Creates throw-away PostgreSQL databases, migrated when given a migrations folder."""

    # migrations folder -> template database, shared by the whole session; dropped at its end
    _templates: ClassVar[dict[str, str]] = {}
    _template_server: str | None = None

    def __init__(self, server_url: str) -> None:
        self._server_url = server_url
        self.created: list[str] = []

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(_dsn(self._server_url))

    async def create(self, migrations: Path | None = None) -> str:
        """Return the SQLAlchemy URL of a new database (with ``migrations`` applied)."""
        name = f"purna_test_{uuid.uuid4().hex[:16]}"
        template = await self._template(migrations) if migrations is not None else None
        conn = await self._admin()
        try:
            clause = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{clause}')
        finally:
            await conn.close()
        self.created.append(name)
        return _dsn(self._server_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)

    async def _template(self, migrations: Path) -> str:
        key = str(migrations)
        if key not in self._templates:
            digest = hashlib.sha1(key.encode()).hexdigest()[:8]
            name = f"purna_tmpl_{digest}_{uuid.uuid4().hex[:8]}"
            conn = await self._admin()
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()
            await migrate_async(migrations, _dsn(self._server_url, name))
            self._templates[key] = name
            DatabaseFactory._template_server = self._server_url
        return self._templates[key]

    async def drop_all(self) -> None:
        conn = await self._admin()
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self.created.clear()

    @classmethod
    async def drop_templates(cls) -> None:
        if not cls._templates or cls._template_server is None:
            return
        conn = await asyncpg.connect(_dsn(cls._template_server))
        try:
            for name in cls._templates.values():
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        cls._templates.clear()


@pytest.fixture
async def database_factory(postgres_url: str) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(postgres_url)
    yield factory
    await factory.drop_all()


@pytest.fixture(scope="session", autouse=True)
def _drop_template_databases() -> Iterator[None]:
    yield
    if DatabaseFactory._templates:
        import asyncio

        with contextlib.suppress(OSError, asyncpg.PostgresError):
            asyncio.run(DatabaseFactory.drop_templates())
