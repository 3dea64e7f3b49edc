"""Refill streams from the outbox after Redis lost its data.

Published outbox rows are kept for ``outbox_retention_hours`` (see :mod:`.retention`).
:func:`republish_since` ``XADD``s again, in commit order, every published row created at or
after a point in time, with its original fields: the same envelope ``id``. Consumers that had
already handled an event find that id in their inbox and skip it, so re-publishing from
before the loss doubles nothing; the events Redis lost are handled once. Unpublished rows are
left to the relay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..settings import PurnaSettings
from .tables import outbox


@dataclass(frozen=True, slots=True)
class RepublishResult:
    republished: int
    oldest_kept: datetime | None  # created_at of the oldest published row still in the outbox
    beyond_retention: bool  # ``since`` is older than the retention window: some may be gone


async def republish_since(
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    settings: PurnaSettings,
    since: datetime,
    *,
    batch: int = 500,
) -> RepublishResult:
    """Re-publish every published outbox row created at or after ``since``."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    published = outbox.c.published_at.is_not(None)
    async with sessionmaker() as session:
        oldest = (
            await session.execute(select(func.min(outbox.c.created_at)).where(published))
        ).scalar_one_or_none()
    window_start = datetime.now(UTC) - timedelta(hours=settings.outbox_retention_hours)
    total, after = 0, -1
    while True:
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(outbox.c.position, outbox.c.stream, outbox.c.entry)
                    .where(published, outbox.c.created_at >= since, outbox.c.position > after)
                    .order_by(outbox.c.position)
                    .limit(batch)
                )
            ).all()
        if not rows:
            break
        pipe = redis.pipeline(transaction=False)
        for row in rows:
            pipe.xadd(
                settings.stream_prefix + row.stream,
                json.loads(row.entry),
                maxlen=settings.stream_maxlen,
                approximate=True,
            )
        await pipe.execute()
        total += len(rows)
        after = rows[-1].position
    return RepublishResult(total, oldest, since < window_start)
