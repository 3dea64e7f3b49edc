"""The credit service's event handlers: each runs inside the consumer's inbox transaction."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
)
from purna_shared.messaging.consumer import EventConsumer, UseCase

from ..domain.rules import KurRules
from ..service_layer import assessments, read_model
from ..service_layer.unit_of_work import CreditUnitOfWork
from ..settings import CreditSettings


def subscriptions(
    rules: KurRules, settings: CreditSettings
) -> dict[type[IntegrationEvent], UseCase[CreditUnitOfWork, Any]]:
    """Event type -> use case: exactly the events ``catalog.CONSUMERS["credit"]`` lists."""
    pause: Callable[[], Awaitable[None]] | None = None
    if settings.assessment_delay_ms:
        delay = settings.assessment_delay_ms / 1000

        async def pause() -> None:  # test-only: widens the window a crash test aims at
            await asyncio.sleep(delay)

    return {
        ParticipantRegistered: read_model.apply_participant_event,
        ParticipantUpdated: read_model.apply_participant_event,
        ConsentWithdrawn: read_model.apply_participant_event,
        SessionCompleted: functools.partial(
            assessments.assess_completed_session, rules=rules, after_each=pause
        ),
    }


def register(
    consumer: EventConsumer[CreditUnitOfWork], *, rules: KurRules, settings: CreditSettings
) -> None:
    consumer.subscribe_all(subscriptions(rules, settings))
