"""The unit of work: one database transaction and everything a use case needs inside it.

After cosmicpython's ``unit_of_work.py``. A use case gets a unit of work and finds there the
open session, the moment it runs at (``now``, and ``today`` in the service's zone) and
``emit(event)``, which stages an event in the outbox of the same transaction, carrying the
cause's correlation and causation ids. Aggregates that record their own events hand them to
``collect``; they are emitted at commit.

Each service subclasses :class:`UnitOfWork` only to add its repositories::

    class TrainingUnitOfWork(UnitOfWork):
        def __post_init__(self) -> None:
            self.repo = TrainingRepository(self.session)

and wires a :class:`UnitOfWorkFactory` in its ``bootstrap.py``. The seams that open the
transaction and commit it live once in ``purna_shared``: the HTTP dependency
(:mod:`purna_shared.http.transaction`), the consumer (``EventConsumer(unit_of_work=...)``) and
:meth:`UnitOfWorkFactory.run` for background loops.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .clock import HOME_ZONE, Clock, SystemClock, local_date
from .context import current_correlation_id
from .contracts.base import IntegrationEvent
from .messaging.outbox import Outbox

if TYPE_CHECKING:
    from .contracts.envelope import Envelope

T = TypeVar("T")


class Cause(NamedTuple):
    """What caused the work: the ids an emitted event carries. A request starts a chain
    (its correlation id, no causation); a consumed event continues its own."""

    correlation_id: str | None = None
    causation_id: str | None = None

    @classmethod
    def of(cls, envelope: Envelope) -> Cause:
        """The event being handled as the cause."""
        return cls(envelope.correlationid or envelope.id, envelope.id)

    @classmethod
    def of_request(cls) -> Cause:
        """The HTTP request (or CLI command) being served, if any."""
        return cls(current_correlation_id(), None)


class UnitOfWork:
    """One open transaction and what a use case does in it. Commit and rollback belong to
    the seam that opened it, never to the use case."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        source: str,
        clock: Clock | None = None,
        zone: tzinfo = HOME_ZONE,
        cause: Cause | None = None,
    ) -> None:
        self.session = session
        self.clock: Clock = clock or SystemClock()
        self.zone = zone
        self.cause = cause or Cause()
        self.outbox = Outbox(source)
        self._now: datetime | None = None
        self._recorded: list[IntegrationEvent] = []
        self.__post_init__()

    def __post_init__(self) -> None:
        """Subclasses add their repositories here (they have ``self.session``)."""

    @property
    def source(self) -> str:
        return self.outbox.source

    @property
    def now(self) -> datetime:
        """The moment of this unit of work: one value for everything it records, read from
        the clock when first needed. Use cases lock before they need it, so the times they
        record follow the order in which they got their locks."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    @property
    def today(self) -> date:
        """Today as people in the service's zone see it."""
        return local_date(self.now, self.zone)

    def caused_by(self, cause: Cause) -> None:
        """Handle the next piece of work for another cause (the consumer reuses one unit of
        work for the deliveries of a batch, which share one transaction and one moment)."""
        self.cause = cause

    async def emit(self, event: IntegrationEvent) -> Envelope:
        """Stage ``event`` in the outbox: it leaves only if this transaction commits."""
        return await self.outbox.add(
            self.session,
            event,
            correlation_id=self.cause.correlation_id,
            causation_id=self.cause.causation_id,
        )

    def collect(self, events: Iterable[IntegrationEvent]) -> None:
        """Record events an aggregate produced; :meth:`flush` emits them before commit."""
        self._recorded.extend(events)

    async def flush(self) -> None:
        """Emit what was collected, in one insert (the seams call this just before they
        commit)."""
        recorded, self._recorded = self._recorded, []
        if recorded:
            await self.outbox.add_all(
                self.session,
                recorded,
                correlation_id=self.cause.correlation_id,
                causation_id=self.cause.causation_id,
            )


U = TypeVar("U", bound=UnitOfWork)


@dataclass(frozen=True)
class UnitOfWorkFactory(Generic[U]):
    """Builds a service's unit of work on an open session; wired once in ``bootstrap.py``."""

    kind: type[U]
    source: str
    clock: Clock = field(default_factory=SystemClock)
    zone: tzinfo = HOME_ZONE

    def __call__(self, session: AsyncSession, cause: Cause | None = None) -> U:
        return self.kind(
            session,
            source=self.source,
            clock=self.clock,
            zone=self.zone,
            cause=cause,
        )

    async def run(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        work: Callable[[U], Awaitable[T]],
        *,
        cause: Cause | None = None,
    ) -> T:
        """The transaction seam of background loops (imports, dispatcher, sweeps) and CLI
        commands: open a transaction, do the work, emit what was collected, commit; roll
        back if the work raises."""
        async with sessionmaker() as session, session.begin():
            uow = self(session, cause or Cause.of_request())
            result = await work(uow)
            await uow.flush()
            return result


@dataclass(frozen=True)
class Transactions(Generic[U]):
    """The transaction seam of background loops (imports, dispatcher, sweeps), bound to the
    process's database: ``await transactions(work)`` runs ``work(uow)`` in one transaction,
    committed if it returns, rolled back if it raises."""

    unit_of_work: UnitOfWorkFactory[U]
    sessionmaker: async_sessionmaker[AsyncSession]

    async def __call__(self, work: Callable[[U], Awaitable[T]], *, cause: Cause | None = None) -> T:
        return await self.unit_of_work.run(self.sessionmaker, work, cause=cause)
