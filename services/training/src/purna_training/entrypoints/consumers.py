"""Training's event handlers: the participant read model, kept from registration's events.

Each runs inside the consumer's inbox transaction (``purna_shared.messaging.consumer``): what
it writes, outbox rows included, commits with the inbox row or not at all.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
)
from purna_shared.messaging.consumer import Delivery, EventConsumer

from ..adapters.clock import Clock, SystemClock
from ..service_layer import participants
from ..service_layer.unit_of_work import UnitOfWork


def register(consumer: EventConsumer, *, clock: Clock | None = None) -> None:
    """Subscribe training's handlers to ``consumer``."""
    now = clock or SystemClock()

    @consumer.handles(ParticipantRegistered)
    async def on_registered(db: AsyncSession, delivery: Delivery[ParticipantRegistered]) -> None:
        uow = UnitOfWork(db, now, cause=delivery.envelope)
        await participants.participant_registered(uow, delivery.event)

    @consumer.handles(ParticipantUpdated)
    async def on_updated(db: AsyncSession, delivery: Delivery[ParticipantUpdated]) -> None:
        uow = UnitOfWork(db, now, cause=delivery.envelope)
        await participants.participant_updated(uow, delivery.event)

    @consumer.handles(ConsentWithdrawn)
    async def on_consent_withdrawn(db: AsyncSession, delivery: Delivery[ConsentWithdrawn]) -> None:
        uow = UnitOfWork(db, now, cause=delivery.envelope)
        await participants.consent_withdrawn(uow, delivery.event)
