"""Request and response bodies of the notification API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from purna_shared.contracts.events.common import Channel
from purna_shared.text import InputModel

from ..domain.delivery import DeliveryStatus


class DeliveryOut(BaseModel):
    """One message to one participant on one channel."""

    id: str = Field(description="Delivery id (UUIDv7); also the gateway idempotency key")
    participant_id: str = Field(description="Participant messaged")
    channel: Channel = Field(description="sms, whatsapp or email")
    template: str = Field(description="Message template, e.g. session-completed-completer")
    status: DeliveryStatus = Field(description="scheduled, sent or failed")
    attempts: int = Field(description="Attempts made to hand it to the gateway or SMTP server")
    cause_event_id: str = Field(description="Envelope id of the event that caused it")
    scheduled_for: datetime = Field(
        description="When it is (or was last) due, UTC; 07:00 in the recipient's zone for an "
        "SMS held by quiet hours"
    )
    sent_at: datetime | None = Field(description="When the gateway accepted it, UTC")


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int = Field(description="Deliveries matching the filters")
    limit: int
    offset: int


class Recipient(InputModel):
    """Who the preview addresses (a sample: no participant's data is read)."""

    model_config = ConfigDict(extra="forbid")

    full_name: str = Field("Baiq Nurul Aini", min_length=1, max_length=200)
    gender: Literal["L", "P"] = Field("P", description="L: Bapak, P: Ibu")


class PreviewRequest(InputModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel = Field("sms", description="Which channel's text to render")
    event: dict[str, Any] | None = Field(
        None,
        description="Payload of the template's event type; omitted: the catalog's example",
    )
    recipient: Recipient = Field(default_factory=Recipient)


class PreviewOut(BaseModel):
    template: str
    channel: Channel
    event_type: str = Field(description="Event type rendered, e.g. purna.session-completed.v1")
    subject: str | None = Field(description="E-mail subject; null for SMS and WhatsApp")
    body: str = Field(description="The text as it would be sent")
    encoding: str = Field(description="GSM-7 for SMS (transliterated), else UTF-8")
    characters: int
    segments: int | None = Field(description="SMS parts (160 / 153 septets); null otherwise")


class TemplateOut(BaseModel):
    name: str
    event_type: str
    description: str
    channels: list[Channel] = Field(description="Channels with a template file")


class TemplateList(BaseModel):
    items: list[TemplateOut]
    total: int
