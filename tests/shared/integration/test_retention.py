"""Issue 15 item 17: the outbox, the inbox and the idempotency keys stay bounded.

A simulated soak over 10 days: each event leaves one published outbox row in its producer
and one inbox row in its consumer, one request in ten an idempotency key; the worker's
sweeper runs once a simulated day. Rows are written straight with SQL (the consumer and relay
are tested elsewhere); the sweeper is the real one on real PostgreSQL, its clock moved day by
day. The suite runs 200,000 events (about 15 s); ``PURNA_SOAK_EVENTS=1000000`` runs the
million of issue 15 (about 70 s on 2 cores), with the same bounds.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.messaging.retention import RetentionSweeper
from purna_shared.messaging.tables import idempotency_keys, inbox, outbox
from purna_shared.testing.plugin import DatabaseFactory
from purna_shared.testing.probe import ProbeSettings, create_tables

pytestmark = pytest.mark.integration

DAYS = 10
PER_DAY = int(os.environ.get("PURNA_SOAK_EVENTS", "200000")) // DAYS
KEYS_PER_DAY = PER_DAY // 10
START = datetime(2026, 1, 1, tzinfo=UTC)

_DAY_OF_ROWS = text(
    """
    WITH s AS (
        SELECT i, CAST(:start AS timestamptz) + (i - :first) * CAST(:step AS interval) AS at
        FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
    ), o AS (
        INSERT INTO outbox (event_id, stream, entry, created_at, published_at)
        SELECT lpad(i::text, 36, '0'), 'purna.probe.v1', '{}', at, at
        FROM s RETURNING 1
    )
    INSERT INTO inbox (consumer_group, event_id, stream, processed_at)
    SELECT 'probe', lpad(i::text, 36, '0'), 'purna.probe.v1', at FROM s
    """
)
_DAY_OF_KEYS = text(
    """
    INSERT INTO idempotency_keys (key, scope, request_hash, status_code, response_body, created_at)
    SELECT 'k' || i, 'dev-operator POST /participants', 'h', 201, '{}',
           CAST(:start AS timestamptz) + (i - :first) * CAST(:step AS interval)
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
    """
)


async def test_a_million_events_leave_every_messaging_table_bounded(
    database_factory: DatabaseFactory,
) -> None:
    url = await database_factory.create()
    engine = make_engine(url)
    await create_tables(engine)
    sessions = make_sessionmaker(engine)
    settings = ProbeSettings(
        database_url=url,
        outbox_retention_hours=48,
        inbox_retention_hours=96,
        idempotency_key_retention_hours=24,
        retention_sweep_chunk=20_000,
    )
    sweeper = RetentionSweeper(sessions, settings)
    # the bound: rate x (retention + sweep interval), here one simulated day between sweeps
    bound = {
        "outbox": PER_DAY * (2 + 1),
        "inbox": PER_DAY * (4 + 1),
        "idempotency_keys": KEYS_PER_DAY * (1 + 1),
    }
    tables = {"outbox": outbox, "inbox": inbox, "idempotency_keys": idempotency_keys}
    highest = dict.fromkeys(tables, 0)

    async def counts() -> dict[str, int]:
        async with sessions() as session:
            return {
                name: (await session.execute(select(func.count()).select_from(t))).scalar_one()
                for name, t in tables.items()
            }

    try:
        async with sessions() as session, session.begin():
            # never published (Redis was down): must survive every sweep
            await session.execute(
                outbox.insert(),
                [
                    {
                        "event_id": f"unpublished-{n}",
                        "stream": "purna.probe.v1",
                        "entry": "{}",
                        "created_at": START,
                        "published_at": None,
                    }
                    for n in range(3)
                ],
            )
        for day in range(DAYS):
            day_start = START + timedelta(days=day)
            async with sessions() as session, session.begin():
                await session.execute(
                    _DAY_OF_ROWS,
                    {
                        "start": day_start,
                        "first": day * PER_DAY,
                        "last": (day + 1) * PER_DAY - 1,
                        "step": timedelta(days=1) / PER_DAY,
                    },
                )
                await session.execute(
                    _DAY_OF_KEYS,
                    {
                        "start": day_start,
                        "first": day * KEYS_PER_DAY,
                        "last": (day + 1) * KEYS_PER_DAY - 1,
                        "step": timedelta(days=1) / KEYS_PER_DAY,
                    },
                )
            before_sweep = await counts()
            for name, count in before_sweep.items():
                highest[name] = max(highest[name], count)
            await sweeper.sweep(now=day_start + timedelta(days=1))

        after = await counts()
        # DAYS x PER_DAY went through; what is left is exactly what the retention window holds
        assert after["outbox"] == 2 * PER_DAY + 3  # two days, plus the unpublished rows
        assert after["inbox"] == 4 * PER_DAY
        assert after["idempotency_keys"] == KEYS_PER_DAY
        for name in tables:
            assert highest[name] <= bound[name] + (3 if name == "outbox" else 0), name
        async with sessions() as session:
            unpublished = await session.execute(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
            assert unpublished.scalar_one() == 3
    finally:
        await engine.dispose()


def test_the_inbox_must_outlive_the_outbox() -> None:
    with pytest.raises(ValueError, match="inbox_retention_hours must exceed"):
        ProbeSettings(outbox_retention_hours=48, inbox_retention_hours=24)
