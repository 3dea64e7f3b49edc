"""Events produced by the notification service: the audit trail of messages to participants.

They name the participant, channel and template, never the phone number, address or text.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import ConfigDict, Field

from ..base import IntegrationEvent
from .common import Channel, Id, Timestamp

_EXAMPLE = {
    "notification_id": "0191f1d3-4e5f-7a6b-8c7d-8e9f0a1b2c04",
    "participant_id": "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01",
    "channel": "whatsapp",
    "template": "session-completed.v1",
    "cause_event_id": "0191f1a0-1b2c-7d3e-9f4a-5b6c7d8e9f00",
}


class NotificationEvent(IntegrationEvent):
    """Fields shared by the outcomes of one notification (not an event itself)."""

    producer: ClassVar[str] = "notification"
    subject_field: ClassVar[str] = "notification_id"

    notification_id: Id = Field(description="Notification id")
    participant_id: Id = Field(description="Participant messaged")
    channel: Channel = Field(description="Channel the message went out on")
    template: str = Field(
        min_length=1, max_length=100, description="Message template id, e.g. session-completed.v1"
    )
    cause_event_id: Id = Field(description="Envelope id of the event that caused the message")
    attempts: int = Field(
        ge=0, description="Delivery attempts made to the gateway; 0 when sending was not allowed"
    )


class NotificationSent(NotificationEvent):
    """A message to a participant was accepted by the SMS, WhatsApp or e-mail gateway.

    Emitted by the notification service once per message. For audit and reporting.
    """

    name: ClassVar[str] = "notification-sent"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_EXAMPLE, "attempts": 1, "sent_at": "2024-08-15T09:06:00Z"}]
        }
    )

    sent_at: Timestamp = Field(description="When the gateway accepted the message (UTC)")


class NotificationFailed(NotificationEvent):
    """A message to a participant could not be delivered and will not be retried.

    Emitted by the notification service when the gateway gave up, the attempts ran out, or
    the message was not allowed (e.g. no consent for the channel). For audit and reporting.
    """

    name: ClassVar[str] = "notification-failed"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE,
                    "attempts": 5,
                    "reason": "gateway timeout",
                    "failed_at": "2024-08-15T10:06:00Z",
                }
            ]
        }
    )

    reason: str = Field(
        min_length=1, max_length=500, description="Why delivery failed (no message text)"
    )
    failed_at: Timestamp = Field(description="When the notification was given up (UTC)")
