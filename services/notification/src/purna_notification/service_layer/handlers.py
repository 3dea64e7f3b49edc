"""What the notification service does with each event it consumes.

Every function runs inside the consumer's inbox transaction: the contact change, the delivery
records and any outgoing events commit together with the inbox row, or not at all. Nothing is
sent here; the dispatcher sends after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import Envelope, new_event_id
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    EnrollmentCancelled,
    NotificationFailed,
    ParticipantEnrolled,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionScheduled,
)
from purna_shared.messaging.consumer import Retry
from purna_shared.messaging.outbox import Outbox
from purna_shared.reference import Zone

from ..adapters import repository as repo
from ..domain.clock import Clock
from ..domain.messages import PlanningContext, plan
from ..domain.model import Contact, ContactField
from ..domain.schedule import QuietHours, ReminderRule, home_zone

log = logging.getLogger(__name__)

#: messages about a seat in a session: stopped when the enrolment is cancelled
ENROLMENT_TEMPLATES = ("participant-enrolled", "participant-waitlisted", "session-reminder")


@dataclass(frozen=True, slots=True)
class Scheduling:
    """What the handlers need besides the database session."""

    clock: Clock
    quiet_hours: QuietHours
    reminder: ReminderRule
    outbox: Outbox
    #: the zone of a recipient whose province and office are unknown
    home_zone: Zone = field(default_factory=home_zone)

    def zone(self, contact: Contact | None) -> Zone:
        """The recipient's zone: their address's, else their office's, else the home one."""
        return (contact.zone if contact else None) or self.home_zone


# -- the contact read model ---------------------------------------------------------------------


async def record_registration(
    session: AsyncSession, event: ParticipantRegistered, cause: Envelope, deps: Scheduling
) -> None:
    contact = await repo.get_contact(session, event.participant_id) or Contact(event.participant_id)
    contact.register(
        version=event.version,
        office=event.office,
        full_name=event.full_name,
        gender=event.gender,
        phone=event.phone,
        email=event.email,
        channels=frozenset(event.consent.channels),
        province_code=event.address.province_code,
    )
    await repo.save_contact(session, contact, deps.clock.now())
    await schedule_messages(session, event, cause, deps)


async def record_update(
    session: AsyncSession, event: ParticipantUpdated, cause: Envelope, deps: Scheduling
) -> None:
    contact = await repo.get_contact(session, event.participant_id)
    if contact is None:
        raise Retry(f"participant {event.participant_id} not registered yet")
    changes: dict[ContactField, object] = {}
    for name in event.changed:
        if name == "full_name":
            changes["full_name"] = event.full_name
        elif name == "phone":
            changes["phone"] = event.phone
        elif name == "email":
            changes["email"] = event.email
        elif name == "consent" and event.consent is not None:
            granted = event.consent.granted
            changes["consent"] = frozenset(event.consent.channels) if granted else frozenset()
        elif name == "address" and event.address is not None:
            changes["province_code"] = event.address.province_code  # their zone may change
        # marital status does not change how or when we reach someone
    contact.update(version=event.version, changes=changes)
    await repo.save_contact(session, contact, deps.clock.now())
    # A channel whose consent was taken back is refused by the dispatcher before sending.


async def withdraw_consent(
    session: AsyncSession, event: ConsentWithdrawn, cause: Envelope, deps: Scheduling
) -> None:
    """Withdrawal stops every message, including those already scheduled. It may overtake the
    registration itself: the contact is then created withdrawn, and stays so."""
    now = deps.clock.now()
    contact = await repo.get_contact(session, event.participant_id) or Contact(event.participant_id)
    contact.withdraw(version=event.version, at=event.withdrawn_at)
    await repo.save_contact(session, contact, now)
    stopped = await repo.cancel_scheduled(
        session, reason="consent withdrawn", now=now, participant_id=event.participant_id
    )
    await emit_failed(session, stopped, deps.outbox, cause=cause, now=now)


# -- training sessions ---------------------------------------------------------------------------


async def record_session(
    session: AsyncSession, event: SessionScheduled, cause: Envelope, deps: Scheduling
) -> None:
    """Keep the session's dates; when they changed, move its pending reminders and correct
    what its scheduled messages say."""
    now = deps.clock.now()
    dates = repo.SessionDates(event.start_date, event.end_date, event.venue)
    previous = await repo.get_session_dates(session, event.session_id)
    if not await repo.record_session(session, event.session_id, dates, event.scheduled_at):
        return
    if previous is None or previous == dates:
        return
    rows = await repo.scheduled_of_session(session, event.session_id)
    contacts = await repo.get_contacts(session, {row.participant_id for row in rows})
    for row in rows:
        zone = deps.zone(contacts.get(row.participant_id))
        context = {
            **row.context,
            "mulai": dates.start_date.isoformat(),
            "selesai": dates.end_date.isoformat(),
        }
        if "tempat" in context:
            context["tempat"] = dates.venue
        scheduled_for: datetime | None = None
        if row.template == "session-reminder":
            due = max(deps.reminder.reminder_time(dates.start_date, zone), now)
            scheduled_for = deps.quiet_hours.next_allowed(row.channel, due, zone)
        await repo.reschedule(
            session, row.id, context=context, scheduled_for=scheduled_for, now=now
        )


async def record_enrollment(
    session: AsyncSession, event: ParticipantEnrolled, cause: Envelope, deps: Scheduling
) -> None:
    current = await repo.record_enrollment(
        session, event.session_id, event.participant_id, event.status, event.enrolled_at
    )
    if not current:
        log.info(
            "enrolment overtaken by a later change; nothing to send",
            extra={"event_id": cause.id, "participant_id": event.participant_id},
        )
        return
    now = deps.clock.now()
    if event.status == "enrolled":
        # promoted from the waitlist: the "you are waitlisted" message still waiting is moot
        superseded = await repo.cancel_scheduled(
            session,
            reason="superseded: enrolled",
            now=now,
            participant_id=event.participant_id,
            session_id=event.session_id,
            templates=("participant-waitlisted",),
        )
        await emit_failed(session, superseded, deps.outbox, cause=cause, now=now)
    known = await repo.get_session_dates(session, event.session_id)
    if known is not None:  # a later SessionScheduled knows better than the enrolment's copy
        event = event.model_copy(
            update={
                "start_date": known.start_date,
                "end_date": known.end_date,
                "venue": known.venue,
            }
        )
    await schedule_messages(session, event, cause, deps)


async def cancel_enrollment(
    session: AsyncSession, event: EnrollmentCancelled, cause: Envelope, deps: Scheduling
) -> None:
    if not await repo.record_enrollment(
        session, event.session_id, event.participant_id, "cancelled", event.cancelled_at
    ):
        return  # an older cancellation than the enrolment we know of
    now = deps.clock.now()
    stopped = await repo.cancel_scheduled(
        session,
        reason="enrollment cancelled",
        now=now,
        participant_id=event.participant_id,
        session_id=event.session_id,
        templates=ENROLMENT_TEMPLATES,
    )
    await emit_failed(session, stopped, deps.outbox, cause=cause, now=now)


# -- messages -----------------------------------------------------------------------------------


async def schedule_messages(
    session: AsyncSession, event: IntegrationEvent, cause: Envelope, deps: Scheduling
) -> int:
    """Write one ``scheduled`` delivery per planned message and channel the participant may
    be reached on, due now or when quiet hours end. Returns how many were new.

    A participant not known yet (registration's event still on its way) makes the whole event
    wait (:class:`Retry`): it is redelivered, and its deliveries are then written once."""
    now = deps.clock.now()
    # Planning is pure: a first pass says whom the event concerns; once their contacts (and so
    # their zones) are known, the second places each reminder at the recipient's local hour.
    recipients = {p.participant_id for p in plan(event, PlanningContext(deps.reminder, now))}
    if not recipients:
        return 0
    contacts = await repo.get_contacts(session, recipients)
    unknown = recipients - contacts.keys()
    if unknown:
        raise Retry(f"{len(unknown)} participant(s) not registered yet")
    zones = {pid: deps.zone(contact) for pid, contact in contacts.items()}
    plans = plan(event, PlanningContext(deps.reminder, now, zone_of=zones.__getitem__))
    rows: list[dict[str, Any]] = []
    due_now = False
    for message in plans:
        zone = zones[message.participant_id]
        for channel in contacts[message.participant_id].channels_to_message():
            at = deps.quiet_hours.next_allowed(channel, max(message.not_before or now, now), zone)
            due_now = due_now or at <= now
            rows.append(
                {
                    "id": new_event_id(),
                    "participant_id": message.participant_id,
                    "channel": channel,
                    "zone": zone.value,
                    "template": message.template,
                    "cause_event_id": cause.id,
                    "cause_event_type": cause.type,
                    "correlation_id": cause.correlationid or cause.id,
                    "session_id": message.session_id,
                    "context": message.context,
                    "status": "scheduled",
                    "attempts": 0,
                    "scheduled_for": at,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    added = await repo.add_deliveries(session, rows)
    if due_now and added:
        await repo.notify_due(session)
    return added


async def emit_failed(
    session: AsyncSession,
    rows: Iterable[Row[Any]],
    outbox: Outbox,
    *,
    cause: Envelope,
    now: datetime,
) -> None:
    """Stage a NotificationFailed for each delivery given up (audit and reporting)."""
    for row in rows:
        await outbox.add(
            session,
            NotificationFailed(
                notification_id=row.id,
                participant_id=row.participant_id,
                channel=row.channel,
                template=row.template,
                cause_event_id=row.cause_event_id,
                attempts=row.attempts,
                reason=(row.last_error or "failed")[:500],
                failed_at=row.failed_at or now,
            ),
            cause=cause,
        )
