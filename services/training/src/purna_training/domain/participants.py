"""Training's read model of participants, built from registration's events.

Kept by the shared participant-copy policy (``purna_shared.participant_copy``): events of one
participant may arrive in any order and more than once; each field remembers the version that
set it and changes only for a newer one, so every delivery order ends in the state of the
newest version. An update that arrives before its registration is kept (the participant is
then not ``registered`` yet, so not enrolable) and the registration, when it comes, fills in
only what the newer update did not set.

Training keeps only what it needs: the name (certificates), office and category, and consent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from purna_shared.participant_copy import ParticipantCopy


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


# The shared participant-copy policy (purna_shared.participant_copy) decides; these map
# training's record onto it and back. Consent and the withdrawal time share one version.
_VERSIONED = {"full_name": "full_name_version", "consent": "consent_version"}


def _as_copy(record: ParticipantRecord) -> ParticipantCopy:
    registered_at = record.version if record.registered else 0
    return ParticipantCopy(
        participant_id=record.participant_id,
        registered=record.registered,
        version=record.version,
        values={
            "office": record.office,
            "category": record.category,
            "full_name": record.full_name,
            "consent": record.consent_granted,
            "withdrawn_at": record.withdrawn_at,
        },
        versions={
            "office": registered_at,
            "category": registered_at,
            "full_name": record.full_name_version,
            "consent": record.consent_version,
            "withdrawn_at": record.consent_version,
        },
    )


def _merged(
    record: ParticipantRecord, version: int, changes: dict[str, Any], *, registration: bool = False
) -> ParticipantRecord:
    copy = _as_copy(record).merge(version, changes, registration=registration)
    return replace(
        record,
        registered=copy.registered,
        version=copy.version,
        office=copy.get("office"),
        category=copy.get("category"),
        full_name=copy.get("full_name"),
        full_name_version=copy.versions.get("full_name", 0),
        consent_granted=bool(copy.get("consent")),
        consent_version=copy.versions.get("consent", 0),
        withdrawn_at=copy.get("withdrawn_at"),
    )


def apply_registration(record: ParticipantRecord, event: Registration) -> ParticipantRecord:
    # consent is required to register, so a registration always grants it
    changes = {
        "office": event.office,
        "category": event.category,
        "full_name": event.full_name,
        "consent": True,
        "withdrawn_at": None,
    }
    return _merged(record, event.version, changes, registration=True)


def apply_update(record: ParticipantRecord, event: Update) -> ParticipantRecord:
    changes: dict[str, Any] = {}
    if event.full_name is not None:
        changes["full_name"] = event.full_name
    if event.consent_granted is not None:
        changes["consent"] = event.consent_granted
        changes["withdrawn_at"] = None if event.consent_granted else event.at
    return _merged(record, event.version, changes)


def apply_withdrawal(record: ParticipantRecord, event: Withdrawal) -> ParticipantRecord:
    return _merged(record, event.version, {"consent": False, "withdrawn_at": event.at})
