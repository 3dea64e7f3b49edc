"""Retention: the messaging tables of every service stay bounded.

Every worker runs one :class:`RetentionSweeper` (see ``run_worker``). Each pass deletes, in
short transactions of ``retention_sweep_chunk`` rows:

==================  ===========================================  ==============================
table               rows deleted                                 kept (default)
==================  ===========================================  ==============================
outbox              published before now - outbox retention      7 days (``OUTBOX_RETENTION_
                    (unpublished rows are never deleted)         HOURS=168``): the window
                                                                 ``purna outbox republish`` can
                                                                 refill a Redis that lost data
inbox               handled before now - inbox retention         30 days (``INBOX_RETENTION_
                                                                 HOURS=720``), always longer
                                                                 than the outbox's, so a
                                                                 re-published event is still
                                                                 recognised as handled
idempotency_keys    created before now - key retention           24 h (``IDEMPOTENCY_KEY_
                                                                 RETENTION_HOURS``)
==================  ===========================================  ==============================

So at a steady rate of ``r`` events (or keyed requests) an hour, a table holds at most
``r x (retention + sweep interval)`` rows, whatever the total that went through: the bound
tests/shared/integration/test_retention.py checks with a simulated soak of 1,000,000 events.
Dead letters are not swept: each one waits for an operator (``purna dlq``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..outages import is_outage
from ..settings import PurnaSettings
from .tables import idempotency_keys, inbox, outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SweepResult:
    outbox: int = 0
    inbox: int = 0
    idempotency_keys: int = 0


class RetentionSweeper:
    """Deletes messaging rows past their retention, in chunks, every sweep interval."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: PurnaSettings
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings

    async def sweep(self, now: datetime | None = None) -> SweepResult:
        """One pass; ``now`` is injectable so tests can simulate days."""
        now = now or datetime.now(UTC)
        s = self._settings
        outbox_cutoff = now - timedelta(hours=s.outbox_retention_hours)
        inbox_cutoff = now - timedelta(hours=s.inbox_retention_hours)
        keys_cutoff = now - timedelta(hours=s.idempotency_key_retention_hours)
        return SweepResult(
            outbox=await self._delete(
                outbox,
                [outbox.c.position],
                and_(outbox.c.published_at.is_not(None), outbox.c.published_at < outbox_cutoff),
            ),
            inbox=await self._delete(
                inbox,
                [inbox.c.consumer_group, inbox.c.event_id],
                inbox.c.processed_at < inbox_cutoff,
            ),
            idempotency_keys=await self._delete(
                idempotency_keys,
                [idempotency_keys.c.scope, idempotency_keys.c.key],
                idempotency_keys.c.created_at < keys_cutoff,
            ),
        )

    async def _delete(
        self, table: Table, key: list[ColumnElement[object]], where: ColumnElement[bool]
    ) -> int:
        total = 0
        chunk = self._settings.retention_sweep_chunk
        while True:
            doomed = select(*key).where(where).limit(chunk)
            if len(key) == 1:
                statement = delete(table).where(key[0].in_(doomed.scalar_subquery()))
            else:
                statement = delete(table).where(tuple_(*key).in_(doomed))
            async with self._sessionmaker() as session, session.begin():
                result = await session.execute(statement)
            deleted = int(getattr(result, "rowcount", 0) or 0)
            total += deleted
            if deleted < chunk:
                return total
            await asyncio.sleep(0)  # let the worker's consumers run between chunks

    async def run(self) -> None:
        """Sweep every ``retention_sweep_interval_s`` until cancelled; outages are waited out."""
        while True:
            try:
                result = await self.sweep()
                if result.outbox or result.inbox or result.idempotency_keys:
                    log.info(
                        "retention sweep",
                        extra={
                            "outbox": result.outbox,
                            "inbox": result.inbox,
                            "idempotency_keys": result.idempotency_keys,
                        },
                    )
            except Exception as exc:
                if not is_outage(exc):
                    # a bug here must not stop the consumers that share the process
                    log.exception("retention sweep failed, will retry")
                else:
                    log.warning("retention sweep: database unavailable, will retry")
            await asyncio.sleep(self._settings.retention_sweep_interval_s)
