"""A credit service wired to a real PostgreSQL database and Redis, per test."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_credit.adapters.orm import MIGRATIONS_DIR, Prequalification
from purna_credit.bootstrap import build_unit_of_work
from purna_credit.domain.rules import DEFAULT_RULES
from purna_credit.entrypoints.api import create_app
from purna_credit.entrypoints.consumers import register
from purna_credit.service_layer.unit_of_work import CreditUnitOfWork
from purna_credit.settings import CreditSettings
from purna_shared.clock import CallableClock
from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import (
    ParticipantRegistered,
    SessionCompleted,
)
from purna_shared.db import make_engine, make_sessionmaker, migrate_async
from purna_shared.http.auth import mint_token
from purna_shared.messaging.consumer import EventConsumer
from purna_shared.messaging.outbox import OutboxRelay
from purna_shared.testing.plugin import DatabaseFactory
from purna_shared.testing.waiting import run_until

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 WITA


def registered(
    participant_id: str,
    *,
    category: str = "pmi_purna",
    birth_date: date = date(1990, 4, 17),
    marital_status: str = "kawin",
    province_code: str = "52",
    regency_code: str = "5202",
) -> ParticipantRegistered:
    extra: dict[str, Any] = (
        {
            "pmi": {
                "destination_country": "MY",
                "sector": "perkebunan",
                "years_abroad": 4,
                "returned_on": "2024-01-10",
            }
        }
        if category == "pmi_purna"
        else {
            "family": {"relation": "suami_istri", "worker_name": "Pekerja", "worker_abroad": True}
        }
    )
    return ParticipantRegistered.model_validate(
        {
            "participant_id": participant_id,
            "office": "NTB",
            "category": category,
            "full_name": "Peserta Uji",
            "gender": "P",
            "birth_date": birth_date.isoformat(),
            "marital_status": marital_status,
            "address": {
                "province_code": province_code,
                "regency_code": regency_code,
                "district": "Jonggat",
                "village": "Bonjeruk",
            },
            "consent": {
                "granted": True,
                "channels": ["sms"],
                "granted_at": "2026-07-01T02:15:00Z",
            },
            "registered_at": "2026-07-01T02:15:03Z",
            "version": 1,
            **extra,
        }
    )


def session_completed(
    session_id: str,
    outcomes: Iterable[tuple[str, bool]],
    *,
    programme_code: str = "TENUN-TAS",
    category: str = "crafts",
    regency_code: str = "5202",
) -> SessionCompleted:
    return SessionCompleted.model_validate(
        {
            "session_id": session_id,
            "office": "NTB",
            "programme": {
                "code": programme_code,
                "name": "Menjahit bahan tenun dan kerajinan tas",
                "category": category,
            },
            "village": "Bonjeruk",
            "district": "Jonggat",
            "regency_code": regency_code,
            "start_date": "2026-11-20",
            "end_date": "2026-11-24",
            "completed_at": "2026-11-24T09:00:00Z",
            "outcomes": [
                {
                    "participant_id": pid,
                    "completed": done,
                    "attendance_rate": 1.0 if done else 0.25,
                    "certificate_no": f"NTB/2026/TENUN/{i:04d}" if done else None,
                }
                for i, (pid, done) in enumerate(outcomes)
            ],
        }
    )


@dataclass
class CreditWorld:
    settings: CreditSettings
    database_url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    now: datetime = NOW
    _apps: list[Any] = field(default_factory=list)

    registered = staticmethod(registered)
    session_completed = staticmethod(session_completed)

    @property
    def prefix(self) -> str:
        return self.settings.stream_prefix

    def consumer(self, **overrides: Any) -> EventConsumer[CreditUnitOfWork]:
        settings = self.settings.model_copy(update=overrides)
        consumer = EventConsumer(
            redis=self.redis,
            sessionmaker=self.sessionmaker,
            settings=settings,
            unit_of_work=build_unit_of_work(CallableClock(lambda: self.now)),
        )
        register(consumer, rules=DEFAULT_RULES, settings=settings)
        return consumer

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            engine=self.engine,
            sessionmaker=self.sessionmaker,
            redis=self.redis,
            settings=self.settings,
        )

    async def xadd(self, event: IntegrationEvent, source: str) -> Envelope:
        envelope = Envelope.wrap(event, source=source)
        await self.redis.xadd(event.stream(self.prefix), envelope.to_fields())  # type: ignore[arg-type]
        return envelope

    async def xadd_envelope(self, event: type[IntegrationEvent], envelope: Envelope) -> None:
        await self.redis.xadd(event.stream(self.prefix), envelope.to_fields())  # type: ignore[arg-type]

    async def consume_until(
        self,
        condition: Callable[[], Awaitable[bool]],
        consumer: EventConsumer | None = None,
        timeout: float = 20.0,
    ) -> None:
        await run_until(consumer or self.consumer(), condition, timeout)

    async def all_handled(self, *events: type[IntegrationEvent]) -> bool:
        """Every entry of these streams has been read and acknowledged by the credit group."""
        for event in events:
            stream = event.stream(self.prefix)
            length = await self.redis.xlen(stream)
            groups = await self.redis.xinfo_groups(stream) if length else []
            group = next((g for g in groups if g["name"] in (b"credit", "credit")), None)
            if length and (
                group is None or group["pending"] or (group["entries-read"] or 0) < length
            ):
                return False
        return True

    async def prequalify(
        self, participants: Iterable[ParticipantRegistered], session_id: str = "s-api", **kw: Any
    ) -> dict[str, str]:
        """Register participants, complete a session for all of them, consume: returns
        participant id -> pre-qualification id."""
        people = list(participants)
        for person in people:
            await self.xadd(person, "registration")
        await self.xadd(
            session_completed(session_id, [(p.participant_id, True) for p in people], **kw),
            "training",
        )
        await self.consume_until(lambda: self.all_handled(ParticipantRegistered, SessionCompleted))
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(Prequalification.participant_id, Prequalification.id).where(
                    Prequalification.session_id == session_id
                )
            )
            return {pid: pq for pid, pq in rows}

    async def prequalification_count(self) -> int:
        async with self.sessionmaker() as session:
            return int(
                await session.scalar(select(func.count()).select_from(Prequalification)) or 0
            )

    async def stream_entries(self, event: type[IntegrationEvent]) -> list[dict[str, str]]:
        raw = await self.redis.xrange(event.stream(self.prefix))
        return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in raw]

    def token(self, role: str, bank: str | None = None, subject: str | None = None) -> str:
        return mint_token(self.settings, role=role, bank=bank, subject=subject)

    @contextlib.asynccontextmanager
    async def api(self) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
        """An app (lifespan running) and a factory of clients authenticated as a role."""
        app = create_app(self.settings, clock=CallableClock(lambda: self.now))
        async with app.router.lifespan_context(app):
            clients: list[httpx.AsyncClient] = []

            def client(role: str, bank: str | None = None) -> httpx.AsyncClient:
                c = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://test",
                    headers={"Authorization": f"Bearer {self.token(role, bank)}"},
                )
                clients.append(c)
                return c

            try:
                yield client
            finally:
                for c in clients:
                    await c.aclose()


@pytest.fixture
async def credit_world(
    database_factory: DatabaseFactory, redis_client: Redis, redis_url: str, stream_prefix: str
) -> AsyncIterator[CreditWorld]:
    url = await database_factory.create(MIGRATIONS_DIR)
    engine = make_engine(url)
    settings = CreditSettings(
        redis_url=redis_url,
        database_url=url,
        stream_prefix=stream_prefix,
        consumer_name="credit-test",
        consumer_block_ms=50,
        reclaim_idle_ms=200,
        reclaim_interval_ms=100,
        relay_poll_ms=50,
        max_deliveries=50,
    )
    yield CreditWorld(settings, url, engine, make_sessionmaker(engine), redis_client)
    await engine.dispose()


@pytest.fixture
async def credit_world_sqlite(
    tmp_path: Any, redis_client: Redis, redis_url: str, stream_prefix: str
) -> AsyncIterator[CreditWorld]:
    """The embedded default: an SQLite file (what `purna run` uses without DATABASE_URL)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'credit.db'}"
    await migrate_async(MIGRATIONS_DIR, url)
    engine = make_engine(url)
    settings = CreditSettings(
        redis_url=redis_url,
        database_url=url,
        stream_prefix=stream_prefix,
        consumer_name="credit-test",
        consumer_block_ms=50,
        reclaim_idle_ms=200,
        reclaim_interval_ms=100,
        relay_poll_ms=50,
    )
    yield CreditWorld(settings, url, engine, make_sessionmaker(engine), redis_client)
    await engine.dispose()
