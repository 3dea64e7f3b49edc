"""A training service on a real, migrated PostgreSQL database and a real Redis, with a clock
the test sets, HTTP clients per role, and helpers to feed it registration's events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_shared.clock import FixedClock
from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import (
    Address,
    Consent,
    ParticipantRegistered,
    PmiHistory,
)
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.http.auth import Role, mint_token
from purna_shared.messaging.consumer import EventConsumer
from purna_shared.messaging.outbox import OutboxRelay
from purna_shared.messaging.tables import inbox
from purna_shared.testing.plugin import DatabaseFactory
from purna_shared.testing.waiting import run_until
from purna_training.adapters.orm import MIGRATIONS_DIR
from purna_training.bootstrap import build_unit_of_work
from purna_training.entrypoints import consumers
from purna_training.entrypoints.api import create_app
from purna_training.service_layer.unit_of_work import TrainingUnitOfWork
from purna_training.settings import TrainingSettings

OFFICE = "NTB"
WITA = timedelta(hours=8)


def wita(day: date, hour: int = 17) -> datetime:
    """``hour`` o'clock WITA on ``day``, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - WITA


def registered(
    participant_id: str, name: str | None = None, *, version: int = 1
) -> ParticipantRegistered:
    return ParticipantRegistered(
        participant_id=participant_id,
        office=OFFICE,
        category="pmi_purna",
        full_name=name or f"Peserta {participant_id}",
        gender="P",
        birth_date=date(1990, 4, 17),
        marital_status="kawin",
        address=Address(
            province_code="52", regency_code="5202", district="Jonggat", village="Bonjeruk"
        ),
        consent=Consent(
            granted=True, channels=("sms",), granted_at=datetime(2024, 7, 1, tzinfo=UTC)
        ),
        pmi=PmiHistory(destination_country="MY", sector="perkebunan", years_abroad=6),
        registered_at=datetime(2024, 7, 1, 2, tzinfo=UTC),
        version=version,
    )


@dataclass
class TrainingWorld:
    settings: TrainingSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    clock: FixedClock
    app: Any
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return self.settings.stream_prefix

    def client(
        self, role: Role = Role.OPERATOR, *, office: str | None = OFFICE, subject: str | None = None
    ) -> httpx.AsyncClient:
        token = mint_token(
            self.settings,
            role=role,
            office=office if role is Role.OPERATOR else None,
            subject=subject,
        )
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        )
        self.clients.append(client)
        return client

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            engine=self.engine,
            sessionmaker=self.sessionmaker,
            redis=self.redis,
            settings=self.settings,
        )

    def consumer(self, redis: Redis | None = None) -> EventConsumer[TrainingUnitOfWork]:
        consumer = EventConsumer(
            redis=redis or self.redis,
            sessionmaker=self.sessionmaker,
            settings=self.settings,
            unit_of_work=build_unit_of_work(self.clock),
        )
        consumers.register(consumer)
        return consumer

    async def publish(self, *events: IntegrationEvent | Envelope) -> list[Envelope]:
        """XADD events as registration would (an Envelope is sent as it is: a duplicate)."""
        sent = []
        for item in events:
            envelope = (
                item if isinstance(item, Envelope) else Envelope.wrap(item, source="registration")
            )
            stream = f"{self.prefix}{envelope.type}"
            await self.redis.xadd(stream, envelope.to_fields())  # type: ignore[arg-type]
            sent.append(envelope)
        return sent

    async def handled(self) -> int:
        async with self.sessionmaker() as db:
            return len((await db.execute(select(inbox.c.event_id))).all())

    async def deliver(self, *events: IntegrationEvent | Envelope) -> list[Envelope]:
        """Publish events and run training's consumer until the inbox has seen them all."""
        before = await self.handled()
        sent = await self.publish(*events)
        distinct = len({e.id for e in sent})
        await self.consume_until(lambda: self._inbox_reached(before + distinct))
        return sent

    async def _inbox_reached(self, count: int) -> bool:
        return await self.handled() >= count

    async def consume_until(self, done: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
        # The consumer gets its own connection, as in a worker process: its blocking
        # XREADGROUP must not share a client with the test's own commands.
        redis: Redis = Redis.from_url(self.settings.redis_url)
        try:
            await run_until(self.consumer(redis), done, timeout)
        finally:
            await redis.aclose()

    async def register(self, participant_ids: Sequence[str]) -> None:
        await self.deliver(*(registered(pid) for pid in participant_ids))

    async def stream(self, event_type: type[IntegrationEvent]) -> list[Envelope]:
        """Everything on ``event_type``'s stream (after the relay ran)."""
        entries = await self.redis.xrange(event_type.stream(self.prefix))
        return [Envelope.from_fields(fields) for _, fields in entries]


@pytest.fixture
async def training(
    database_factory: DatabaseFactory, redis_client: Redis, redis_url: str, stream_prefix: str
) -> AsyncIterator[TrainingWorld]:
    url = await database_factory.create(MIGRATIONS_DIR)
    settings = TrainingSettings(
        database_url=url,
        redis_url=redis_url,
        stream_prefix=stream_prefix,
        consumer_name="training-test",
        consumer_block_ms=20,
        reclaim_idle_ms=200,
        reclaim_interval_ms=50,
        relay_poll_ms=50,
    )
    clock = FixedClock(wita(date(2024, 8, 1), 9))
    app = create_app(settings, clock=clock)
    engine = make_engine(url)
    world = TrainingWorld(settings, engine, make_sessionmaker(engine), redis_client, clock, app)
    async with app.router.lifespan_context(app):
        try:
            yield world
        finally:
            for client in world.clients:
                await client.aclose()
    await engine.dispose()


def session_body(**overrides: Any) -> dict[str, Any]:
    """Bonjeruk, Kecamatan Jonggat, Lombok Tengah: sewing woven fabric, 12-15 August 2024."""
    body: dict[str, Any] = {
        "programme_code": "TENUN",
        "office": OFFICE,
        "village": "Bonjeruk",
        "district": "Jonggat",
        "regency_code": "5202",
        "venue": "Balai Desa Bonjeruk",
        "start_date": "2024-08-12",
        "end_date": "2024-08-15",
        "capacity": 20,
        "trainer": "trainer-lalu",
    }
    body.update(overrides)
    return body


async def schedule(client: httpx.AsyncClient, **overrides: Any) -> str:
    response = await client.post("/sessions", json=session_body(**overrides))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
