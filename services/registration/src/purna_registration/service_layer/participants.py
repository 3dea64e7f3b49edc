"""Participant use cases. Each runs inside the caller's transaction: state, outbox rows and
audit rows commit together or not at all."""

from __future__ import annotations

import uuid_utils
from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.errors import ForbiddenError, NotFoundError, PreconditionFailedError

from ..adapters import repository as repo
from ..adapters.nik_vault import NikVault
from ..domain.access import OFFICE_WIDE_ROLES, may_read_nik
from ..domain.errors import ValidationFailed
from ..domain.nik import NikError, parse_nik
from ..domain.participant import (
    Participant,
    ParticipantChanges,
    Registration,
    RegistrationForm,
    validate_registration,
)
from . import audit, events
from .actor import Actor
from .unit_of_work import RegistrationUnitOfWork

SERVICE = "registration"


class AlreadyRegistered(Exception):  # noqa: N818 - a fact, not a failure
    """The NIK belongs to a registered participant; no second record was made."""

    def __init__(self, participant_id: str) -> None:
        super().__init__(participant_id)
        self.participant_id = participant_id


class NotFound(NotFoundError):  # noqa: N818
    """Nothing with that id, or nothing the caller's office may know exists (the answer never
    says which, nor echoes the id)."""

    def __init__(self, _what: str = "") -> None:
        super().__init__("No such resource.")


class Forbidden(ForbiddenError):  # noqa: N818
    def __init__(self, _what: str = "") -> None:
        super().__init__("Your role or office does not allow this.")


class VersionMismatch(PreconditionFailedError):  # noqa: N818
    def __init__(self, current: int) -> None:
        super().__init__(
            f"The record changed: it is at version {current}. Read it again.",
            current_version=current,
        )
        self.current = current


def new_id() -> str:
    """UUIDv7: unique across processes and sortable by creation time."""
    return str(uuid_utils.uuid7())


async def check_campaign(session: AsyncSession, registration: Registration) -> None:
    if registration.campaign_id is None:
        return
    campaign = await repo.get_campaign(session, registration.campaign_id)
    if campaign is None:
        raise ValidationFailed.single("campaign_id", "no campaign has this id")
    if campaign.office != registration.office:
        raise ValidationFailed.single(
            "campaign_id",
            f"the campaign belongs to office {campaign.office}, not {registration.office}",
        )


async def register(
    uow: RegistrationUnitOfWork, form: RegistrationForm, actor: Actor, *, vault: NikVault
) -> Participant:
    """Register a person once. Raises :class:`ValidationFailed` (every broken rule) or
    :class:`AlreadyRegistered` (with the existing participant's id)."""
    session = uow.session
    registration = validate_registration(form, today=uow.today)
    await check_campaign(session, registration)
    participant = Participant.register(registration, participant_id=new_id(), now=uow.now)
    digest = vault.digest(registration.nik.value)
    row = repo.participant_values(
        participant,
        nik_digest=digest,
        nik_sealed=vault.seal(registration.nik.value),
        registered_by=actor.subject,
    )
    if not await repo.insert_unless_registered(session, [row]):
        existing = await repo.find_by_digests(session, [digest])
        raise AlreadyRegistered(existing[digest].participant_id)
    uow.collect(events.integration_events(participant))
    await audit.record(session, actor, "registered", [participant.id])
    return participant


def _ensure_scope(participant: Participant, actor: Actor) -> None:
    if actor.roles & OFFICE_WIDE_ROLES:
        return
    if actor.office is None or actor.office.casefold() != participant.office.casefold():
        # Another office's participant: answer as if it did not exist.
        raise NotFound(participant.id)


async def load(
    session: AsyncSession, participant_id: str, actor: Actor, *, for_update: bool = False
) -> Participant:
    participant = await repo.get_participant(session, participant_id, for_update=for_update)
    if participant is None:
        raise NotFound(participant_id)
    _ensure_scope(participant, actor)
    return participant


async def read_nik(
    session: AsyncSession,
    participant: Participant,
    actor: Actor,
    *,
    purpose: str,
    vault: NikVault,
) -> str:
    """The NIK in clear, for a role allowed to read it; the read is audited in the caller's
    transaction (no audit row, no NIK)."""
    if not may_read_nik(actor.roles, actor.office, participant.office):
        raise Forbidden(participant.id)
    sealed = await repo.get_sealed_nik(session, participant.id)
    if sealed is None:
        raise NotFound(participant.id)
    nik = vault.open(sealed)
    await audit.record(session, actor, "nik_read", [participant.id], purpose=purpose)
    return nik


async def change(
    uow: RegistrationUnitOfWork,
    participant_id: str,
    changes: ParticipantChanges,
    actor: Actor,
    *,
    expected_version: int | None = None,
) -> Participant:
    """Apply a correction under a row lock; emits ParticipantUpdated when anything changed."""
    session = uow.session
    participant = await load(session, participant_id, actor, for_update=True)
    if expected_version is not None and expected_version != participant.version:
        raise VersionMismatch(participant.version)
    changed = participant.change(changes, today=uow.today, now=uow.now)
    if changed:
        await repo.save_changes(session, participant)
        uow.collect(events.integration_events(participant))
        await audit.record(
            session, actor, "updated", [participant.id], detail={"changed": list(changed)}
        )
    return participant


async def withdraw_consent(
    uow: RegistrationUnitOfWork, participant_id: str, actor: Actor
) -> Participant:
    """Record withdrawal (once); emits ConsentWithdrawn so every service stops processing."""
    session = uow.session
    participant = await load(session, participant_id, actor, for_update=True)
    if participant.withdraw_consent(now=uow.now):
        await repo.save_changes(session, participant)
        uow.collect(events.integration_events(participant))
        await audit.record(session, actor, "consent_withdrawn", [participant.id])
    return participant


def listing_office(actor: Actor, requested: str | None) -> str | None:
    """The office a listing is limited to: an operator's own; admin/auditor any (or one)."""
    if actor.roles & OFFICE_WIDE_ROLES:
        return requested
    if actor.office is None:
        raise Forbidden("no office in token")
    if requested is not None and requested.casefold() != actor.office.casefold():
        raise Forbidden(requested)
    return actor.office


def nik_digest_for_search(nik: str, vault: NikVault) -> str:
    """Digest of a NIK typed into a search; a malformed NIK is a 422 on ``nik``."""
    try:
        return vault.digest(parse_nik(nik).value)
    except NikError as exc:
        raise ValidationFailed.single("nik", str(exc)) from exc
