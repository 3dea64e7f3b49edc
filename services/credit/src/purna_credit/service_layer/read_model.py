"""The participants read model, built from registration's events.

Registration numbers a participant's changes 1, 2, 3, ... and each ParticipantUpdated carries
only what changed, so an update must be applied on top of exactly the previous version:

* version <= the one held: already applied (a redelivery or a replay): ignore;
* version == held + 1: apply;
* version > held + 1, or the participant is not known yet: an earlier event is still on its way
  (streams are not ordered with each other): raise ``Retry`` and get it redelivered later.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
)
from purna_shared.messaging.consumer import Retry

from ..adapters.orm import Participant
from .unit_of_work import CreditUnitOfWork


async def participant_registered(uow: CreditUnitOfWork, event: ParticipantRegistered) -> None:
    session = uow.session
    current = await session.get(Participant, event.participant_id, with_for_update=True)
    if current is not None:
        return  # registered once; later versions came as updates
    session.add(
        Participant(
            participant_id=event.participant_id,
            version=event.version,
            office=event.office,
            category=event.category,
            birth_date=event.birth_date,
            marital_status=event.marital_status,
            province_code=event.address.province_code,
            regency_code=event.address.regency_code,
            consent=event.consent.granted,
            consent_withdrawn_at=None,
            updated_at=event.registered_at,
        )
    )
    await session.flush()


async def _next_version(
    session: AsyncSession, participant_id: str, version: int
) -> Participant | None:
    """The participant to apply ``version`` to, or None when it was applied already."""
    current = await session.get(Participant, participant_id, with_for_update=True)
    if current is None:
        raise Retry(f"participant {participant_id} is not registered here yet")
    if version <= current.version:
        return None
    if version > current.version + 1:
        raise Retry(
            f"participant {participant_id}: version {version} arrived before {current.version + 1}"
        )
    return current


async def participant_updated(uow: CreditUnitOfWork, event: ParticipantUpdated) -> None:
    session = uow.session
    participant = await _next_version(session, event.participant_id, event.version)
    if participant is None:
        return
    participant.version = event.version
    participant.updated_at = event.updated_at
    if event.address is not None:
        participant.province_code = event.address.province_code
        participant.regency_code = event.address.regency_code
    if event.marital_status is not None:
        participant.marital_status = event.marital_status
    if event.consent is not None:
        participant.consent = event.consent.granted
        participant.consent_withdrawn_at = (
            None if event.consent.granted else participant.consent_withdrawn_at or event.updated_at
        )


async def consent_withdrawn(uow: CreditUnitOfWork, event: ConsentWithdrawn) -> None:
    session = uow.session
    participant = await _next_version(session, event.participant_id, event.version)
    if participant is None:
        return
    participant.version = event.version
    participant.consent = False
    participant.consent_withdrawn_at = event.withdrawn_at
    participant.updated_at = event.withdrawn_at
