"""Inbox-guarded handlers: one per consumed event type, each a thin call to the service layer."""

from __future__ import annotations

import functools
from typing import Any

from purna_shared.contracts.base import IntegrationEvent
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
from purna_shared.messaging.consumer import EventConsumer, UseCase

from ..service_layer import handlers
from ..service_layer.handlers import MessagePolicy
from ..service_layer.unit_of_work import NotificationUnitOfWork


def subscriptions(
    policy: MessagePolicy,
) -> dict[type[IntegrationEvent], UseCase[NotificationUnitOfWork, Any]]:
    """Event type -> use case: exactly the events ``catalog.CONSUMERS["notification"]`` lists
    (every event notification does not produce)."""
    with_policy = functools.partial
    schedule = with_policy(handlers.schedule_messages, policy=policy)
    return {
        ParticipantRegistered: with_policy(handlers.record_registration, policy=policy),
        ParticipantUpdated: with_policy(handlers.record_update, policy=policy),
        ConsentWithdrawn: with_policy(handlers.withdraw_consent, policy=policy),
        SessionScheduled: with_policy(handlers.record_session, policy=policy),
        ParticipantEnrolled: with_policy(handlers.record_enrollment, policy=policy),
        EnrollmentCancelled: with_policy(handlers.cancel_enrollment, policy=policy),
        SessionCompleted: schedule,
        CreditPrequalified: schedule,
        CreditApplicationSubmitted: schedule,
        CreditApproved: schedule,
        CreditRejected: schedule,
        LoanDisbursed: schedule,
    }


def register(consumer: EventConsumer[NotificationUnitOfWork], policy: MessagePolicy) -> None:
    consumer.subscribe_all(subscriptions(policy))
