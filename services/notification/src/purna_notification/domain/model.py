"""The contact read model and what a channel needs to reach someone.

A contact is built from registration's events by the shared participant-copy policy
(``purna_shared.participant_copy``): each field keeps the version that last set it, so a late
v2 still applies its phone number after v3 changed the e-mail, but never overwrites a newer
phone number. Notification adds one rule on top: withdrawal of consent is final here (the
contact details are forgotten and nothing is sent again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, cast

from purna_shared.contracts.events.common import Channel
from purna_shared.participant_copy import ParticipantCopy

__all__ = ["CHANNELS", "Channel", "Contact", "ContactField", "Gender"]

Gender = Literal["L", "P"]
ContactField = Literal["full_name", "gender", "phone", "email", "consent"]

#: Every channel, in the order a participant's messages are planned
CHANNELS: tuple[Channel, ...] = ("whatsapp", "sms", "email")


@dataclass
class Contact:
    """How (and whether) a participant may be messaged."""

    participant_id: str
    office: str | None = None
    full_name: str | None = None
    gender: Gender | None = None
    phone: str | None = None
    email: str | None = None
    #: channels the participant consented to be messaged on
    channels: frozenset[Channel] = frozenset()
    #: version of the registration event that last set each field
    field_versions: dict[str, int] = field(default_factory=dict)
    #: highest participant version seen
    version: int = 0
    #: False while only a withdrawal is known (it may overtake the registration)
    registered: bool = False
    withdrawn_at: datetime | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    # -- applying registration's events ---------------------------------------------------------

    def register(
        self,
        *,
        version: int,
        office: str,
        full_name: str,
        gender: Gender,
        phone: str | None,
        email: str | None,
        channels: frozenset[Channel],
    ) -> None:
        self.office = office
        self.registered = True
        self._apply(
            version,
            {
                "full_name": full_name,
                "gender": gender,
                "phone": phone,
                "email": email,
                "consent": channels,
            },
        )

    def update(self, *, version: int, changes: Mapping[ContactField, object]) -> None:
        """Apply the changed fields of a ``ParticipantUpdated``; older field values lose."""
        self._apply(version, changes)

    def withdraw(self, *, version: int, at: datetime) -> None:
        """Stop all messaging, for good, and forget how to reach the participant (UU PDP:
        data kept only for a purpose, and the purpose is gone)."""
        if self.withdrawn_at is None or at < self.withdrawn_at:
            self.withdrawn_at = at
        self.version = max(self.version, version)
        self.full_name = None
        self.phone = None
        self.email = None
        self.channels = frozenset()

    def _apply(self, version: int, changes: Mapping[ContactField, object]) -> None:
        self.version = max(self.version, version)
        if self.withdrawn:
            return
        merged = ParticipantCopy(
            self.participant_id, values=self._values(), versions=self.field_versions
        ).merge(version, {str(name): value for name, value in changes.items()})
        self.field_versions = dict(merged.versions)
        for name in changes:
            value = merged.values[name]
            if name == "consent":
                self.channels = frozenset(cast("Iterable[Channel]", value))
            else:
                setattr(self, name, value)

    def _values(self) -> dict[str, object]:
        return {
            "full_name": self.full_name,
            "gender": self.gender,
            "phone": self.phone,
            "email": self.email,
            "consent": self.channels,
        }

    # -- reaching the participant ---------------------------------------------------------------

    @property
    def salutation(self) -> str:
        """How a letter addresses them: Bapak (L) or Ibu (P)."""
        return {"L": "Bapak", "P": "Ibu"}.get(self.gender or "", "Bapak/Ibu")

    def address(self, channel: Channel) -> str | None:
        return self.email if channel == "email" else self.phone

    def channels_to_message(self) -> list[Channel]:
        """Where a new message goes: e-mail when consented and known, plus one phone message,
        on WhatsApp when consented (cheaper, and read) else by SMS. Never both phone channels:
        the same text twice on one phone costs money and trust."""
        if self.withdrawn or not self.registered:
            return []
        chosen: list[Channel] = []
        if self.phone:
            if "whatsapp" in self.channels:
                chosen.append("whatsapp")
            elif "sms" in self.channels:
                chosen.append("sms")
        if self.email and "email" in self.channels:
            chosen.append("email")
        return chosen

    def refusal(self, channel: Channel) -> str | None:
        """Why ``channel`` may not be used now (checked again just before sending), or None."""
        if self.withdrawn:
            return "consent withdrawn"
        if not self.registered:
            return "participant not registered"
        if channel not in self.channels:
            return f"no consent for {channel}"
        if not self.address(channel):
            return "no e-mail address" if channel == "email" else "no phone number"
        return None
