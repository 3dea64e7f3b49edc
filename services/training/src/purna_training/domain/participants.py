"""Training's read model of participants, built from registration's events.

Events of one participant may arrive in any order and more than once. Each field the model
keeps remembers the participant version that set it, and an event changes a field only when
its version is newer: so every delivery order, with any duplicates, ends in the same state,
the one of the newest version. An update that arrives before its registration is kept (the
participant is then not ``registered`` yet, so not enrolable) and the registration, when it
comes, fills in only what the newer update did not set.

Training keeps only what it needs: the name (certificates), office and category, and consent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Registration:
    participant_id: str
    version: int
    office: str
    category: str
    full_name: str


@dataclass(frozen=True, slots=True)
class Update:
    """A ParticipantUpdated, reduced to what training keeps; ``None`` means unchanged."""

    participant_id: str
    version: int
    at: datetime
    full_name: str | None = None
    consent_granted: bool | None = None


@dataclass(frozen=True, slots=True)
class Withdrawal:
    participant_id: str
    version: int
    at: datetime


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    participant_id: str
    #: the registration itself has arrived (only then can the participant enrol)
    registered: bool = False
    #: newest participant version seen in any event
    version: int = 0
    office: str | None = None
    category: str | None = None
    full_name: str | None = None
    full_name_version: int = 0
    consent_granted: bool = False
    consent_version: int = 0
    withdrawn_at: datetime | None = None

    @classmethod
    def unknown(cls, participant_id: str) -> ParticipantRecord:
        return cls(participant_id)


def apply_registration(record: ParticipantRecord, event: Registration) -> ParticipantRecord:
    changed = replace(
        record,
        registered=True,
        version=max(record.version, event.version),
        office=event.office,
        category=event.category,
    )
    if event.version > record.full_name_version:
        changed = replace(changed, full_name=event.full_name, full_name_version=event.version)
    if event.version > record.consent_version:
        # consent is required to register, so a registration always grants it
        changed = replace(
            changed, consent_granted=True, consent_version=event.version, withdrawn_at=None
        )
    return changed


def apply_update(record: ParticipantRecord, event: Update) -> ParticipantRecord:
    changed = replace(record, version=max(record.version, event.version))
    if event.full_name is not None and event.version > record.full_name_version:
        changed = replace(changed, full_name=event.full_name, full_name_version=event.version)
    if event.consent_granted is not None and event.version > record.consent_version:
        changed = replace(
            changed,
            consent_granted=event.consent_granted,
            consent_version=event.version,
            withdrawn_at=None if event.consent_granted else event.at,
        )
    return changed


def apply_withdrawal(record: ParticipantRecord, event: Withdrawal) -> ParticipantRecord:
    changed = replace(record, version=max(record.version, event.version))
    if event.version > record.consent_version:
        changed = replace(
            changed, consent_granted=False, consent_version=event.version, withdrawn_at=event.at
        )
    return changed
