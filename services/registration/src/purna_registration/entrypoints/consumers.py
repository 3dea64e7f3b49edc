"""Event handlers of the registration service.

Registration is the source of participant events and subscribes to none in v1: it is the
system of record for people, and nothing another service does changes a registration. The
table and ``register`` exist so the worker is wired like every other service's.
"""

from __future__ import annotations

from typing import Any

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.messaging.consumer import EventConsumer, UseCase

from ..service_layer.unit_of_work import RegistrationUnitOfWork

#: event type -> use case: exactly the events ``catalog.CONSUMERS`` lists for registration
SUBSCRIPTIONS: dict[type[IntegrationEvent], UseCase[RegistrationUnitOfWork, Any]] = {}


def register(consumer: EventConsumer[RegistrationUnitOfWork]) -> None:
    """Subscribe the registration handlers (none in v1)."""
    consumer.subscribe_all(SUBSCRIPTIONS)
