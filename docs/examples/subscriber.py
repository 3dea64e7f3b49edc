"""A ministry team's own subscriber to Purna's events, depending only on ``purna-shared``.

It counts training completions per kabupaten (regency) into its own database, ``dashboard.db``
(SQLite) in the working directory unless ``DATABASE_URL`` names another, and prints each count
as it changes. Run it with ``REDIS_URL=redis://... python subscriber.py``; it reads as consumer
group ``ministry-dashboard`` (from the settings' ``service``), so it gets every completion since
the stream began, exactly once, also across restarts. Ctrl-C stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, select

from purna_shared.contracts.events import SessionCompleted
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.messaging.broker import connect, make_broker
from purna_shared.messaging.consumer import Delivery, EventConsumer
from purna_shared.messaging.tables import metadata as inbox_metadata
from purna_shared.settings import PurnaSettings
from purna_shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

metadata = MetaData()
completions = Table(
    "completions_by_regency",
    metadata,
    Column("regency_code", String(4), primary_key=True),
    Column("completed", Integer, nullable=False),
)


class DashboardSettings(PurnaSettings):
    service: ClassVar[str] = "ministry-dashboard"  # our consumer group name
    database_url: str = "sqlite+aiosqlite:///dashboard.db"  # DATABASE_URL overrides it


async def count_completions(uow: UnitOfWork, delivery: Delivery[SessionCompleted]) -> None:
    """Runs inside the inbox transaction: a redelivered event changes nothing."""
    event, session = delivery.event, uow.session
    done = sum(1 for outcome in event.outcomes if outcome.completed)
    current = await session.scalar(
        select(completions.c.completed).where(completions.c.regency_code == event.regency_code)
    )
    if current is None:
        await session.execute(
            completions.insert().values(regency_code=event.regency_code, completed=done)
        )
    else:
        await session.execute(
            completions.update()
            .where(completions.c.regency_code == event.regency_code)
            .values(completed=current + done)
        )
    total = (current or 0) + done
    print(f"regency {event.regency_code}: {total} completed (+{done}, {event.village})", flush=True)


async def main(settings: DashboardSettings | None = None) -> None:
    settings = settings or DashboardSettings()
    engine = make_engine(settings.resolved_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(inbox_metadata.create_all)  # the inbox that makes handling idempotent
        await conn.run_sync(metadata.create_all)
    broker = make_broker(settings)
    consumer = EventConsumer(
        redis=await connect(broker),
        sessionmaker=make_sessionmaker(engine),
        settings=settings,
        unit_of_work=UnitOfWorkFactory(UnitOfWork, settings.service),
    )
    consumer.subscribe(SessionCompleted, count_completions)
    print(
        f"reading {SessionCompleted.stream()} as group {consumer.group}; Ctrl-C stops", flush=True
    )
    try:
        await consumer.run()  # until cancelled; pending entries of a crashed run are reclaimed
    finally:
        await broker.stop()
        await engine.dispose()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop quietly
        asyncio.run(main())
