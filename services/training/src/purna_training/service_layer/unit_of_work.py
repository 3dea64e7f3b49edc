"""One transaction of work: the repository, the clock and the outbox of that transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import Envelope
from purna_shared.messaging.outbox import Outbox
from purna_shared.reference import Zone

from ..adapters.clock import Clock
from ..adapters.repository import TrainingRepository

OUTBOX = Outbox("training")


@dataclass
class UnitOfWork:
    """Everything a use case touches, bound to one open transaction.

    ``cause`` is the event being handled when a consumer runs the use case, so that what it
    emits carries the causation and correlation ids; a request's events carry the request's
    correlation id instead."""

    db: AsyncSession
    clock: Clock
    cause: Envelope | None = None

    def __post_init__(self) -> None:
        self.repo = TrainingRepository(self.db)
        self._now: datetime | None = None

    @property
    def now(self) -> datetime:
        """The moment of this unit of work: one value for everything it records, read from
        the clock when first needed. Use cases lock before they need it, so the times they
        record follow the order in which they got their locks (e.g. enrolment times follow
        arrival order)."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    def today_in(self, zone: Zone) -> date:
        """Today in ``zone`` (a session's: its days are dates where it is held)."""
        return zone.local_date(self.now)

    async def emit(self, event: IntegrationEvent) -> None:
        """Stage ``event`` in the outbox: it leaves only if this transaction commits."""
        await OUTBOX.add(self.db, event, cause=self.cause)
