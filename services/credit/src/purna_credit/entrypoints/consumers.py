"""The credit service's event handlers: each runs inside the consumer's inbox transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
)
from purna_shared.messaging.consumer import Delivery, EventConsumer

from ..domain.rules import KurRules
from ..service_layer import assessments, read_model
from ..settings import CreditSettings


def register(
    consumer: EventConsumer,
    *,
    rules: KurRules,
    settings: CreditSettings,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    pause: Callable[[], Awaitable[None]] | None = None
    if settings.assessment_delay_ms:
        delay = settings.assessment_delay_ms / 1000

        async def pause() -> None:  # test-only: widens the window a crash test aims at
            await asyncio.sleep(delay)

    @consumer.handles(ParticipantRegistered)
    async def on_registered(
        session: AsyncSession, delivery: Delivery[ParticipantRegistered]
    ) -> None:
        await read_model.participant_registered(session, delivery.event)

    @consumer.handles(ParticipantUpdated)
    async def on_updated(session: AsyncSession, delivery: Delivery[ParticipantUpdated]) -> None:
        await read_model.participant_updated(session, delivery.event)

    @consumer.handles(ConsentWithdrawn)
    async def on_consent_withdrawn(
        session: AsyncSession, delivery: Delivery[ConsentWithdrawn]
    ) -> None:
        await read_model.consent_withdrawn(session, delivery.event)

    @consumer.handles(SessionCompleted)
    async def on_session_completed(
        session: AsyncSession, delivery: Delivery[SessionCompleted]
    ) -> None:
        await assessments.assess_completed_session(
            session, delivery, rules, now=clock(), after_each=pause
        )
