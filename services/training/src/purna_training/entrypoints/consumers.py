"""Training's event handlers: the participant read model, kept from registration's events.

Each runs inside the consumer's inbox transaction (``purna_shared.messaging.consumer``) with
training's unit of work: what it writes, outbox rows included, commits with the inbox row or
not at all.
"""

from __future__ import annotations

from typing import Any

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
)
from purna_shared.messaging.consumer import EventConsumer, UseCase

from ..service_layer import participants
from ..service_layer.unit_of_work import TrainingUnitOfWork

#: event type -> use case: exactly the events ``catalog.CONSUMERS["training"]`` lists
SUBSCRIPTIONS: dict[type[IntegrationEvent], UseCase[TrainingUnitOfWork, Any]] = {
    ParticipantRegistered: participants.participant_registered,
    ParticipantUpdated: participants.participant_updated,
    ConsentWithdrawn: participants.consent_withdrawn,
}


def register(consumer: EventConsumer[TrainingUnitOfWork]) -> None:
    """Subscribe training's handlers to ``consumer``."""
    consumer.subscribe_all(SUBSCRIPTIONS)
