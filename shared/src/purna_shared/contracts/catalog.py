"""The event catalog: every event type, who produces it, who consumes it, and its stream.

This is the single source for stream names, Redis ACLs, subscriptions and the exported
schemas; the table in ``architecture.md`` is its prose form.
"""

from __future__ import annotations

from typing import Final

from .base import IntegrationEvent
from .events import (
    ConsentWithdrawn,
    CreditApplicationSubmitted,
    CreditApproved,
    CreditPrequalified,
    CreditRejected,
    EnrollmentCancelled,
    LoanDisbursed,
    NotificationFailed,
    NotificationSent,
    ParticipantEnrolled,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
    SessionScheduled,
)

#: Where entries go that cannot be parsed, validated or handled (see ``messaging.dead_letter``)
DEAD_LETTER_STREAM: Final = "purna.dead-letter"

#: Every event type published by Purna, in catalog order (producer by producer)
CATALOG: Final[tuple[type[IntegrationEvent], ...]] = (
    ParticipantRegistered,
    ParticipantUpdated,
    ConsentWithdrawn,
    SessionScheduled,
    ParticipantEnrolled,
    EnrollmentCancelled,
    SessionCompleted,
    CreditPrequalified,
    CreditApplicationSubmitted,
    CreditApproved,
    CreditRejected,
    LoanDisbursed,
    NotificationSent,
    NotificationFailed,
)

#: The services that produce events; each owns the streams of its events
SERVICES: Final = ("registration", "training", "credit", "notification")

_PARTICIPANT_LIFECYCLE: tuple[type[IntegrationEvent], ...] = (
    ParticipantRegistered,
    ParticipantUpdated,
    ConsentWithdrawn,
)

#: Consuming service (= its consumer group) to the events it subscribes to. Notification
#: messages participants about everything but its own audit events; NotificationSent/Failed
#: are for outside audit and reporting subscribers.
CONSUMERS: Final[dict[str, tuple[type[IntegrationEvent], ...]]] = {
    "training": _PARTICIPANT_LIFECYCLE,
    "credit": (*_PARTICIPANT_LIFECYCLE, SessionCompleted),
    "notification": tuple(e for e in CATALOG if e.producer != "notification"),
}

_BY_TYPE: Final[dict[str, type[IntegrationEvent]]] = {
    event.event_type(): event for event in CATALOG
}


class UnknownEventTypeError(KeyError):
    """An event type that is not in the catalog (a typo, or a major version not yet known)."""

    def __str__(self) -> str:
        # KeyError would repr() its argument; say plainly what was asked and what exists
        return str(self.args[0]) if self.args else "unknown event type"


def by_type(event_type: str) -> type[IntegrationEvent]:
    """The payload model of a CloudEvents ``type``, e.g. ``purna.session-completed.v1``."""
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        known = ", ".join(sorted(_BY_TYPE))
        raise UnknownEventTypeError(
            f"unknown event type {event_type!r}; the catalog knows: {known}"
        ) from None


def dead_letter_stream(prefix: str = "") -> str:
    """The dead-letter stream key, under the same optional prefix as the event streams."""
    return f"{prefix}{DEAD_LETTER_STREAM}"


def events_produced_by(service: str) -> tuple[type[IntegrationEvent], ...]:
    """The event types ``service`` publishes (empty for a service that publishes none)."""
    _check_service(service)
    return tuple(event for event in CATALOG if event.producer == service)


def streams_produced_by(service: str, prefix: str = "") -> tuple[str, ...]:
    """The stream keys ``service`` may ``XADD`` to (its Redis ACL write set)."""
    return tuple(event.stream(prefix) for event in events_produced_by(service))


def streams_consumed_by(service: str, prefix: str = "") -> tuple[str, ...]:
    """The stream keys ``service`` reads with its consumer group (its ACL read set)."""
    _check_service(service)
    return tuple(event.stream(prefix) for event in CONSUMERS.get(service, ()))


def consumers_of(event: type[IntegrationEvent]) -> tuple[str, ...]:
    """The services whose consumer groups read ``event``'s stream."""
    return tuple(service for service, events in CONSUMERS.items() if event in events)


def _check_service(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
