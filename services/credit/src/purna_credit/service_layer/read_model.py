"""Credit's copy of registration's participants, kept by the shared participant-copy policy
(:mod:`purna_shared.participant_copy`): per-field versions, so events apply in any order and
more than once without waiting for each other; an update ahead of its registration is kept on a
placeholder row that the registration completes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from purna_shared.contracts.events import ConsentWithdrawn, ParticipantRegistered
from purna_shared.participant_copy import ParticipantCopy, ParticipantEvent, changes_of

from ..adapters.orm import Participant
from .unit_of_work import CreditUnitOfWork

#: what KUR assessment needs of a participant (data minimisation: no name, contact or NIK)
KEPT = (
    "office",
    "category",
    "birth_date",
    "marital_status",
    "province_code",
    "regency_code",
    "consent",
    "consent_withdrawn_at",
)


def _credit_changes(event: ParticipantEvent) -> dict[str, Any]:
    """The event's changes under credit's column names."""
    changes = changes_of(event)
    if (address := changes.pop("address", None)) is not None:
        changes["province_code"] = address.province_code
        changes["regency_code"] = address.regency_code
    if "withdrawn_at" in changes:
        changes["consent_withdrawn_at"] = changes.pop("withdrawn_at")
    return {name: value for name, value in changes.items() if name in KEPT}


def _copy(row: Participant) -> ParticipantCopy:
    # rows from before the policy have no field versions: every field is at the row's version
    versions = row.field_versions or dict.fromkeys(KEPT, row.version)
    return ParticipantCopy(
        participant_id=row.participant_id,
        registered=row.registered,
        version=row.version,
        values={name: getattr(row, name) for name in KEPT},
        versions=versions,
    )


def _committed_at(event: ParticipantEvent) -> datetime:
    if isinstance(event, ParticipantRegistered):
        return event.registered_at
    if isinstance(event, ConsentWithdrawn):
        return event.withdrawn_at
    return event.updated_at


async def apply_participant_event(uow: CreditUnitOfWork, event: ParticipantEvent) -> None:
    """ParticipantRegistered, ParticipantUpdated and ConsentWithdrawn all take this path."""
    row = await uow.repo.participant(event.participant_id, lock=True)
    before = (
        _copy(row)
        if row is not None
        else ParticipantCopy(event.participant_id, values=dict.fromkeys(KEPT))
    )
    after = before.merge(
        event.version,
        _credit_changes(event),
        registration=isinstance(event, ParticipantRegistered),
    )
    if after == before:
        return  # a duplicate, or older than everything it says
    new = row is None
    if row is None:
        row = Participant(participant_id=event.participant_id)
    for name in KEPT:
        setattr(row, name, after.values[name])
    row.consent = bool(row.consent)
    row.registered = after.registered
    row.version = after.version
    row.field_versions = dict(after.versions)
    row.updated_at = max(row.updated_at or _committed_at(event), _committed_at(event))
    if new:
        await uow.repo.add_participant(row)
