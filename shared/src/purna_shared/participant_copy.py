"""The one policy for a service's copy of a participant, kept from registration's events.

Registration numbers a participant's changes 1, 2, 3, ... Streams are not ordered with each
other and a group with several consumers does not keep order within one, so a copy may see v3
before v2, an update before the registration, and duplicates. The policy:

* **Per-field versions.** Each field the copy keeps remembers the version that last set it; an
  event sets a field only when its version is newer. Every delivery order, with any duplicates,
  ends in the state of the newest version: nothing is retried for being early.
* **Placeholders.** An update or a withdrawal that arrives before the registration is kept on a
  copy that is not ``registered`` yet; the registration, when it comes, fills in only the fields
  no newer event set. A use case that needs the registration's facts (enrolment, KUR
  assessment) raises ``Retry`` while the copy is not registered; nothing else waits.
* **Consent** is a field like the others: a withdrawal (or an update taking consent back) at a
  newer version wins over an older registration or update; a registration grants it.

Pure code: services map the copy onto their own table (only the fields they need: data
minimisation) and apply events through :func:`changes_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .contracts.events import ConsentWithdrawn, ParticipantRegistered, ParticipantUpdated

ParticipantEvent = ParticipantRegistered | ParticipantUpdated | ConsentWithdrawn

#: the fields a copy may keep, as :func:`changes_of` names them
FIELDS = (
    "office",
    "category",
    "full_name",
    "gender",
    "birth_date",
    "marital_status",
    "phone",
    "email",
    "address",
    "consent",
    "channels",
    "withdrawn_at",
)


@dataclass(frozen=True, slots=True)
class ParticipantCopy:
    participant_id: str
    #: the registration itself has arrived
    registered: bool = False
    #: the newest participant version seen in any event
    version: int = 0
    values: Mapping[str, Any] = field(default_factory=dict)
    #: field -> the version that last set it
    versions: Mapping[str, int] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def apply(self, event: ParticipantEvent, keep: Iterable[str] = FIELDS) -> ParticipantCopy:
        """The copy after ``event``, keeping only the fields in ``keep``."""
        kept = set(keep)
        changes = {k: v for k, v in changes_of(event).items() if k in kept}
        return self.merge(
            event.version, changes, registration=isinstance(event, ParticipantRegistered)
        )

    def merge(
        self, version: int, changes: Mapping[str, Any], *, registration: bool = False
    ) -> ParticipantCopy:
        values, versions = dict(self.values), dict(self.versions)
        for name, value in changes.items():
            if version > versions.get(name, 0):
                values[name] = value
                versions[name] = version
        return replace(
            self,
            registered=self.registered or registration,
            version=max(self.version, version),
            values=values,
            versions=versions,
        )

    def changed_from(self, before: ParticipantCopy) -> bool:
        return self != before


def changes_of(event: ParticipantEvent) -> dict[str, Any]:
    """What ``event`` says about the participant, field by field (an update only what it
    changed)."""
    if isinstance(event, ParticipantRegistered):
        return {
            "office": event.office,
            "category": event.category,
            "full_name": event.full_name,
            "gender": event.gender,
            "birth_date": event.birth_date,
            "marital_status": event.marital_status,
            "phone": event.phone,
            "email": event.email,
            "address": event.address,
            # consent is required to register, so a registration always grants it
            "consent": True,
            "channels": frozenset(event.consent.channels),
            "withdrawn_at": None,
        }
    if isinstance(event, ConsentWithdrawn):
        return {"consent": False, "channels": frozenset(), "withdrawn_at": event.withdrawn_at}
    changes: dict[str, Any] = {}
    for name in event.changed:
        if name == "consent" and event.consent is not None:
            granted = event.consent.granted
            changes["consent"] = granted
            changes["channels"] = frozenset(event.consent.channels) if granted else frozenset()
            changes["withdrawn_at"] = None if granted else event.updated_at
        elif name in FIELDS:
            changes[name] = getattr(event, name)
    return changes
