"""Inbox-guarded handlers: one per consumed event type, each a thin call to the service layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    CreditApplicationSubmitted,
    CreditApproved,
    CreditPrequalified,
    CreditRejected,
    EnrollmentCancelled,
    LoanDisbursed,
    ParticipantEnrolled,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
    SessionScheduled,
)
from purna_shared.messaging.consumer import Delivery, EventConsumer

from ..service_layer import handlers
from ..service_layer.handlers import Scheduling

E = TypeVar("E", bound=IntegrationEvent)
UseCase = Callable[[AsyncSession, Any, Envelope, Scheduling], Awaitable[Any]]

#: event type -> use case; every event notification consumes in the catalog
USE_CASES: dict[type[IntegrationEvent], UseCase] = {
    ParticipantRegistered: handlers.record_registration,
    ParticipantUpdated: handlers.record_update,
    ConsentWithdrawn: handlers.withdraw_consent,
    SessionScheduled: handlers.record_session,
    ParticipantEnrolled: handlers.record_enrollment,
    EnrollmentCancelled: handlers.cancel_enrollment,
    SessionCompleted: handlers.schedule_messages,
    CreditPrequalified: handlers.schedule_messages,
    CreditApplicationSubmitted: handlers.schedule_messages,
    CreditApproved: handlers.schedule_messages,
    CreditRejected: handlers.schedule_messages,
    LoanDisbursed: handlers.schedule_messages,
}


def _handler(
    use_case: UseCase, deps: Scheduling
) -> Callable[[AsyncSession, Delivery[Any]], Awaitable[None]]:
    async def handle(session: AsyncSession, delivery: Delivery[Any]) -> None:
        await use_case(session, delivery.event, delivery.envelope, deps)

    return handle


def register(consumer: EventConsumer, deps: Scheduling) -> None:
    for model, use_case in USE_CASES.items():
        consumer.subscribe(model, _handler(use_case, deps))
