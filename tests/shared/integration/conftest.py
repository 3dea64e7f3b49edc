from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.messaging.consumer import EventConsumer
from purna_shared.messaging.outbox import Outbox, OutboxRelay
from purna_shared.testing.plugin import DatabaseFactory
from purna_shared.testing.probe import (
    ProbeSettings,
    create_tables,
    effect_counts,
    probe_unit_of_work,
)
from purna_shared.unit_of_work import UnitOfWork


@dataclass
class ProbeWorld:
    settings: ProbeSettings
    database_url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    outbox: Outbox

    def relay(self, redis: Redis | None = None) -> OutboxRelay:
        return OutboxRelay(
            engine=self.engine,
            sessionmaker=self.sessionmaker,
            redis=redis or self.redis,
            settings=self.settings,
        )

    def consumer(self, **overrides: object) -> EventConsumer[UnitOfWork]:
        settings = self.settings.model_copy(update=overrides)
        return EventConsumer(
            redis=self.redis,
            sessionmaker=self.sessionmaker,
            settings=settings,
            unit_of_work=probe_unit_of_work(),
        )

    async def effects(self) -> dict[int, int]:
        async with self.sessionmaker() as session:
            return await effect_counts(session)


@pytest.fixture
async def probe_world(
    database_factory: DatabaseFactory, redis_client: Redis, redis_url: str, stream_prefix: str
) -> AsyncIterator[ProbeWorld]:
    url = await database_factory.create()
    engine = make_engine(url)
    await create_tables(engine)
    settings = ProbeSettings(
        redis_url=redis_url,
        database_url=url,
        stream_prefix=stream_prefix,
        consumer_name="test-consumer-a",
        consumer_block_ms=50,
        reclaim_idle_ms=300,
        reclaim_interval_ms=100,
        relay_poll_ms=50,
        max_deliveries=3,
    )
    yield ProbeWorld(
        settings, url, engine, make_sessionmaker(engine), redis_client, Outbox("probe")
    )
    await engine.dispose()
