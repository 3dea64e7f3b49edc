"""Keeping the participant read model from registration's events, and acting on withdrawn
consent: a participant who withdraws loses their enrolments in open sessions (UU PDP:
processing stops), and their seats go to the waitlist."""

from __future__ import annotations

import logging
from collections.abc import Callable

from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
)
from purna_shared.messaging.consumer import Retry

from ..domain.participants import (
    ParticipantRecord,
    Registration,
    Update,
    Withdrawal,
    apply_registration,
    apply_update,
    apply_withdrawal,
)
from .enrollment import withdraw_from_session
from .sessions import allow_all, load_session
from .unit_of_work import TrainingUnitOfWork

log = logging.getLogger(__name__)

#: the reason an enrolment carries when its participant withdrew consent
CONSENT_WITHDRAWN = "consent withdrawn"


async def participant_registered(uow: TrainingUnitOfWork, event: ParticipantRegistered) -> None:
    registration = Registration(
        participant_id=event.participant_id,
        version=event.version,
        office=event.office,
        category=event.category,
        full_name=event.full_name,
    )
    await _apply(uow, event.participant_id, lambda r: apply_registration(r, registration))


async def participant_updated(uow: TrainingUnitOfWork, event: ParticipantUpdated) -> None:
    update = Update(
        participant_id=event.participant_id,
        version=event.version,
        at=event.updated_at,
        full_name=event.full_name,
        consent_granted=event.consent.granted if event.consent is not None else None,
    )
    await _apply(
        uow,
        event.participant_id,
        lambda r: apply_update(r, update),
        may_withdraw=update.consent_granted is False,
    )


async def consent_withdrawn(uow: TrainingUnitOfWork, event: ConsentWithdrawn) -> None:
    withdrawal = Withdrawal(event.participant_id, event.version, event.withdrawn_at)
    await _apply(
        uow, event.participant_id, lambda r: apply_withdrawal(r, withdrawal), may_withdraw=True
    )


async def _apply(
    uow: TrainingUnitOfWork,
    participant_id: str,
    change: Callable[[ParticipantRecord], ParticipantRecord],
    *,
    may_withdraw: bool = False,
) -> None:
    repo = uow.repo
    # Sessions before participant, as every enrolment does: no lock cycles.
    locked: list[str] = []
    if may_withdraw:
        locked = await repo.open_enrollments_of(participant_id)
        await repo.lock_sessions(locked)
    record = await repo.lock_or_create_participant(participant_id, uow.now)
    changed = change(record)
    if changed != record:
        await repo.save_participant(changed, uow.now)
    if changed.consent_granted:
        return
    open_sessions = await repo.open_enrollments_of(participant_id)
    if not set(open_sessions) <= set(locked):
        # An enrolment committed between our look and our lock: start again, in lock order.
        raise Retry(f"participant {participant_id} enrolled meanwhile; withdrawing again")
    for session_id in open_sessions:
        session = await load_session(uow, session_id, allow_all, lock=True)
        enrollment = await repo.enrollment(session_id, participant_id)
        if enrollment is not None and enrollment.status.is_active:
            await withdraw_from_session(uow, session, enrollment, reason=CONSENT_WITHDRAWN)
            log.info(
                "enrolment cancelled: consent withdrawn",
                extra={
                    "participant_id": participant_id,
                    "session_id": session_id,
                    "event_id": uow.cause.causation_id,
                },
            )
