"""The transactional outbox: events leave a service only with the state change that caused them.

``Outbox.add`` writes the event in the caller's open transaction. ``OutboxRelay`` (run by the
service's worker) claims unpublished rows, ``XADD``s them pipelined, and marks them published.
On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so relays in several replicas never
collide, and a ``NOTIFY`` sent with the commit wakes the relay within milliseconds; it also
polls as a fallback (and on SQLite, where there is no NOTIFY and a single writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ..contracts.base import IntegrationEvent
from ..contracts.envelope import Envelope
from ..db import is_postgres
from ..settings import PurnaSettings
from .tables import outbox

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "purna_outbox"
_NOTIFIED = "purna_outbox_notified"


class Outbox:
    """Writes events into the outbox table inside the caller's transaction."""

    def __init__(self, source: str) -> None:
        self.source = source

    async def add(
        self,
        session: AsyncSession,
        event: IntegrationEvent,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        """Stage ``event``; it is published only if the transaction commits. It carries the
        cause's ids (a unit of work passes them); without a correlation id it starts a chain
        of its own."""
        envelope = Envelope.wrap(
            event, source=self.source, correlation_id=correlation_id, causation_id=causation_id
        )
        await self.add_envelopes(session, [(event.stream(), envelope)])
        return envelope

    async def add_all(
        self,
        session: AsyncSession,
        events: Iterable[IntegrationEvent],
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> list[Envelope]:
        """:meth:`add` for several events of one cause, in one insert."""
        envelopes = [
            (
                event.stream(),
                Envelope.wrap(
                    event,
                    source=self.source,
                    correlation_id=correlation_id,
                    causation_id=causation_id,
                ),
            )
            for event in events
        ]
        await self.add_envelopes(session, envelopes)
        return [envelope for _, envelope in envelopes]

    async def add_envelopes(
        self, session: AsyncSession, items: Iterable[tuple[str, Envelope]]
    ) -> None:
        now = datetime.now(UTC)
        rows = [
            {
                "event_id": envelope.id,
                "stream": stream,
                "entry": json.dumps(envelope.to_fields(), ensure_ascii=False),
                "created_at": now,
            }
            for stream, envelope in items
        ]
        if not rows:
            return
        await session.execute(outbox.insert(), rows)
        # One NOTIFY per transaction; PostgreSQL delivers it at commit, never on rollback.
        if is_postgres(session):
            transaction = session.sync_session.get_transaction()
            if session.info.get(_NOTIFIED) is not transaction:
                await session.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})
                session.info[_NOTIFIED] = transaction


class OutboxRelay:
    """Publishes committed outbox rows to their streams, in commit order per relay."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: PurnaSettings,
    ) -> None:
        self._engine = engine
        self._sessionmaker = sessionmaker
        self._redis = redis
        self._settings = settings
        self._wake = asyncio.Event()
        self._is_postgres = is_postgres(engine)

    async def publish_batch(self) -> int:
        """Publish up to ``relay_batch`` rows; return how many. Raises on Redis errors (the
        transaction then rolls back and the rows stay unpublished)."""
        settings = self._settings
        async with self._sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(outbox.c.position, outbox.c.stream, outbox.c.entry)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.position)
                    .limit(settings.relay_batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            pipe = self._redis.pipeline(transaction=False)
            for row in rows:
                pipe.xadd(
                    settings.stream_prefix + row.stream,
                    json.loads(row.entry),
                    maxlen=settings.stream_maxlen,
                    approximate=True,
                )
            await pipe.execute()
            await session.execute(
                update(outbox)
                .where(outbox.c.position.in_([row.position for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
        return len(rows)

    async def publish_pending(self) -> int:
        """Publish every unpublished row now (used by tests and by ``purna`` tooling)."""
        total = 0
        while n := await self.publish_batch():
            total += n
        return total

    async def run(self) -> None:
        """Relay until cancelled. Redis or database outages are waited out with backoff."""
        listener = asyncio.create_task(self._listen()) if self._is_postgres else None
        poll = self._settings.relay_poll_ms / 1000
        if not self._is_postgres:
            poll = min(poll, 0.1)  # no NOTIFY on SQLite: poll briskly instead
        backoff = 0.1
        try:
            while True:
                try:
                    published = await self.publish_batch()
                    backoff = 0.1
                except (RedisError, OSError, SQLAlchemyError) as exc:
                    log.warning(
                        "outbox relay: publish failed, will retry", extra={"error": str(exc)}
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if published >= self._settings.relay_batch:
                    continue  # more waiting: don't sleep
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), poll)
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _listen(self) -> None:
        """LISTEN for commits that wrote outbox rows; reconnect if the connection drops."""
        url = self._engine.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(dsn)
                await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
                self._wake.set()  # rows may have been committed while we were not listening
                # asyncpg has no "closed" event to await: check the connection now and then
                while not conn.is_closed():  # noqa: ASYNC110
                    await asyncio.sleep(5)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("outbox relay: LISTEN failed, polling", extra={"error": str(exc)})
                await asyncio.sleep(2)
            finally:
                if conn is not None and not conn.is_closed():
                    await conn.close()
