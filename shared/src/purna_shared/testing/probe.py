"""A probe event and consumer for testing the messaging plumbing itself.

``ProbeEvent`` is a test-only event type (never in the catalog). ``probe_effects`` records every
handled event, WITHOUT a uniqueness constraint on ``event_id``, so a test can see an event
handled twice rather than have the database hide it. ``python -m purna_shared.testing.probe``
runs a consumer process (used by the crash/SIGKILL tests).
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy import Column, DateTime, Integer, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ..contracts.base import IntegrationEvent
from ..db import new_metadata
from ..messaging.consumer import Delivery, EventConsumer
from ..messaging.tables import metadata as messaging_metadata
from ..settings import PurnaSettings
from ..unit_of_work import UnitOfWork, UnitOfWorkFactory

metadata = new_metadata()
probe_effects = Table(
    "probe_effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("n", Integer, nullable=False),
    Column("handled_by", String(200), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False),
)


class ProbeEvent(IntegrationEvent):
    """Test-only event: ``n`` numbers it; ``fail`` makes the probe handler raise."""

    name: ClassVar[str] = "probe"
    producer: ClassVar[str] = "probe"
    subject_field: ClassVar[str] = "n"

    n: int = Field(description="sequence number")
    fail: bool = Field(False, description="the handler raises while this is set")


class ProbeSettings(PurnaSettings):
    service: ClassVar[str] = "probe"


def probe_unit_of_work() -> UnitOfWorkFactory[UnitOfWork]:
    return UnitOfWorkFactory(UnitOfWork, ProbeSettings.service)


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(metadata.create_all)


def install_probe_handler(
    consumer: EventConsumer[Any], *, delay: float = 0.0, healed: set[int] | None = None
) -> None:
    """Handle ``ProbeEvent`` by recording it; raise for ``fail`` events unless ``n`` is healed."""

    @consumer.handles(ProbeEvent)
    async def record(uow: UnitOfWork, delivery: Delivery[ProbeEvent]) -> None:
        event = delivery.event
        if event.fail and (healed is None or event.n not in healed):
            raise RuntimeError(f"probe {event.n} asked to fail")
        if delay:
            await asyncio.sleep(delay)
        await uow.session.execute(
            probe_effects.insert().values(
                event_id=delivery.envelope.id,
                n=event.n,
                handled_by=consumer.consumer_name,
                handled_at=datetime.now(UTC),
            )
        )


async def effect_counts(session: AsyncSession) -> dict[int, int]:
    """n -> how many times it was handled."""
    rows = await session.execute(
        select(probe_effects.c.n, func.count()).group_by(probe_effects.c.n)
    )
    return {n: count for n, count in rows}


async def _main() -> None:
    from ..messaging.worker import open_worker

    settings = ProbeSettings()
    delay = float(os.environ.get("PROBE_DELAY", "0"))
    async with open_worker(settings, unit_of_work=probe_unit_of_work()) as worker:
        install_probe_handler(worker.consumer, delay=delay)
        await worker.consumer.run()


if __name__ == "__main__":
    asyncio.run(_main())
