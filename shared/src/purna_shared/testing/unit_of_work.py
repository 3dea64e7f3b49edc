"""The two gears of a handler test: the same use case on the real unit of work, fast.

Integration tests run use cases on PostgreSQL (``database_factory``) through the seams a
process uses. The fast tier runs the very same unit of work, repositories and SQL on an
**in-memory SQLite database** (``InMemoryDatabase``): no Redis, no PostgreSQL, no files, a
fresh database per test in milliseconds. What a use case emits is read back from the outbox
table it wrote (``emitted``), as the relay would publish it.

    async with InMemoryDatabase(metadata) as db:
        transactions = db.transactions(build_unit_of_work(FixedClock(NOON)))
        await transactions(lambda uow: read_model.apply_participant_event(uow, event))
        assert [e.type for e in await db.emitted()] == [...]
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import TypeVar

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import StaticPool

from ..contracts.envelope import Envelope
from ..db import make_engine, make_sessionmaker
from ..messaging.tables import metadata as messaging_metadata
from ..messaging.tables import outbox
from ..unit_of_work import Transactions, UnitOfWork, UnitOfWorkFactory

U = TypeVar("U", bound=UnitOfWork)


class InMemoryDatabase:
    """A throw-away in-memory SQLite database with the outbox, the inbox and ``metadata``'s
    tables, for the fast unit tier (a fake of the service's database, named as such)."""

    def __init__(self, *metadata: MetaData) -> None:
        self._metadata = metadata
        self.engine: AsyncEngine | None = None
        self.sessionmaker: async_sessionmaker[AsyncSession] | None = None

    async def __aenter__(self) -> InMemoryDatabase:
        # one shared connection: every session sees the same in-memory database
        self.engine = make_engine("sqlite+aiosqlite:///:memory:", poolclass=StaticPool)
        async with self.engine.begin() as conn:
            for metadata in (messaging_metadata, *self._metadata):
                await conn.run_sync(metadata.create_all)
        self.sessionmaker = make_sessionmaker(self.engine)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    def transactions(self, unit_of_work: UnitOfWorkFactory[U]) -> Transactions[U]:
        """The background-loop seam on this database: ``await transactions(work)``."""
        assert self.sessionmaker is not None, "use InMemoryDatabase as an async context manager"
        return Transactions(unit_of_work, self.sessionmaker)

    async def emitted(self) -> list[Envelope]:
        """Every event committed to the outbox so far, in order."""
        assert self.sessionmaker is not None
        async with self.sessionmaker() as session:
            rows = await session.scalars(select(outbox.c.entry).order_by(outbox.c.position))
            return [Envelope.from_fields(json.loads(entry)) for entry in rows]
