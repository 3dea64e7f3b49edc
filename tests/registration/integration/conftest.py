"""The registration API and worker pieces on a real, migrated PostgreSQL and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_registration.adapters.nik_vault import NikVault
from purna_registration.adapters.orm import MIGRATIONS_DIR, participants
from purna_registration.bootstrap import build_unit_of_work
from purna_registration.entrypoints.api import create_app
from purna_registration.service_layer.imports import ImportRunner
from purna_registration.settings import RegistrationSettings
from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import Envelope
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.http.auth import mint_token
from purna_shared.messaging.outbox import OutboxRelay
from purna_shared.messaging.tables import outbox
from purna_shared.testing.plugin import DatabaseFactory

JWT_SECRET = "registration-tests-jwt-secret-0123456789"
NIK_SECRET = "registration-tests-nik-secret-0123456789"


@pytest.fixture
async def database_url(database_factory: DatabaseFactory) -> str:
    return await database_factory.create(MIGRATIONS_DIR)


@pytest.fixture
def settings(database_url: str, redis_url: str, stream_prefix: str) -> RegistrationSettings:
    return RegistrationSettings(
        database_url=database_url,
        redis_url=redis_url,
        stream_prefix=stream_prefix,
        jwt_secret=JWT_SECRET,
        nik_secret=NIK_SECRET,
        import_chunk_rows=200,
        import_poll_ms=20,
        log_json=False,
    )


@pytest.fixture
async def app(settings: RegistrationSettings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield http


@pytest.fixture
def auth(settings: RegistrationSettings) -> Callable[..., dict[str, str]]:
    """``auth("operator", office="NTB")`` -> Authorization header."""

    def headers(role: str, office: str | None = None, **extra: str) -> dict[str, str]:
        token = mint_token(settings, role=role, office=office)
        return {"Authorization": f"Bearer {token}", **extra}

    return headers


@pytest.fixture
def ntb(auth: Callable[..., dict[str, str]]) -> dict[str, str]:
    return auth("operator", office="NTB")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
def relay(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    redis_client: Redis,
    settings: RegistrationSettings,
) -> OutboxRelay:
    return OutboxRelay(engine=engine, sessionmaker=sessions, redis=redis_client, settings=settings)


@pytest.fixture
def runner(
    sessions: async_sessionmaker[AsyncSession], settings: RegistrationSettings
) -> ImportRunner:
    return ImportRunner(
        sessionmaker=sessions,
        unit_of_work=build_unit_of_work(),
        vault=NikVault(settings.nik_secret),
        settings=settings,
    )


class Store:
    """Counting what the service committed, straight from the database and the streams."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], redis: Redis, prefix: str
    ) -> None:
        self.sessions, self.redis, self.prefix = sessions, redis, prefix

    async def participants(self) -> int:
        async with self.sessions() as session:
            return int(
                (await session.execute(select(func.count()).select_from(participants))).scalar_one()
            )

    async def outbox_rows(self, stream: str | None = None) -> int:
        query = select(func.count()).select_from(outbox)
        if stream is not None:
            query = query.where(outbox.c.stream == stream)
        async with self.sessions() as session:
            return int((await session.execute(query)).scalar_one())

    async def events(self, model: type[IntegrationEvent]) -> list[tuple[Envelope, Any]]:
        entries = await self.redis.xrange(model.stream(self.prefix))
        out = []
        for _, fields in entries:
            envelope = Envelope.from_fields(fields)
            out.append((envelope, envelope.payload(model)))
        return out


@pytest.fixture
def store(
    sessions: async_sessionmaker[AsyncSession], redis_client: Redis, stream_prefix: str
) -> Store:
    return Store(sessions, redis_client, stream_prefix)
