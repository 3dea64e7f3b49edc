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

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import new_event_id
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
from purna_shared.reference import Zone

from ..adapters import repository as repo
from ..domain.messages import PlanningContext, plan
from ..domain.model import Contact, ContactField
from ..domain.schedule import QuietHours, ReminderRule, home_zone
from .unit_of_work import NotificationUnitOfWork

log = logging.getLogger(__name__)

#: messages about a seat in a session: stopped when the enrolment is cancelled
ENROLMENT_TEMPLATES = ("participant-enrolled", "participant-waitlisted", "session-reminder")


@dataclass(frozen=True, slots=True)
class MessagePolicy:
    """When messages may go out: quiet hours per channel and the reminder rule."""

    quiet_hours: QuietHours
    reminder: ReminderRule
    #: the zone of a recipient whose province and office are unknown
    home_zone: Zone = field(default_factory=home_zone)

    def zone(self, contact: Contact | None) -> Zone:
        """The recipient's zone: their address's, else their office's, else the home one."""
        return (contact.zone if contact else None) or self.home_zone


# -- the contact read model ---------------------------------------------------------------------


async def record_registration(
    uow: NotificationUnitOfWork, event: ParticipantRegistered, policy: MessagePolicy
) -> None:
    session = uow.session
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
    await repo.save_contact(session, contact, uow.now)
    await schedule_messages(uow, event, policy)


async def record_update(
    uow: NotificationUnitOfWork, event: ParticipantUpdated, policy: MessagePolicy
) -> None:
    session = uow.session
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
    await repo.save_contact(session, contact, uow.now)
    # A channel whose consent was taken back is refused by the dispatcher before sending.


async def withdraw_consent(
    uow: NotificationUnitOfWork, event: ConsentWithdrawn, policy: MessagePolicy
) -> None:
    """Withdrawal stops every message, including those already scheduled. It may overtake the
    registration itself: the contact is then created withdrawn, and stays so."""
    session = uow.session
    now = uow.now
    contact = await repo.get_contact(session, event.participant_id) or Contact(event.participant_id)
    contact.withdraw(version=event.version, at=event.withdrawn_at)
    await repo.save_contact(session, contact, now)
    stopped = await repo.cancel_scheduled(
        session, reason="consent withdrawn", now=now, participant_id=event.participant_id
    )
    await emit_failed(uow, stopped)


# -- training sessions ---------------------------------------------------------------------------


async def record_session(
    uow: NotificationUnitOfWork, event: SessionScheduled, policy: MessagePolicy
) -> None:
    """Keep the session's dates; when they changed, move its pending reminders and correct
    what its scheduled messages say."""
    session = uow.session
    now = uow.now
    dates = repo.SessionDates(event.start_date, event.end_date, event.venue)
    previous = await repo.get_session_dates(session, event.session_id)
    if not await repo.record_session(session, event.session_id, dates, event.scheduled_at):
        return
    if previous is None or previous == dates:
        return
    rows = await repo.scheduled_of_session(session, event.session_id)
    contacts = await repo.get_contacts(session, {row.participant_id for row in rows})
    for row in rows:
        zone = policy.zone(contacts.get(row.participant_id))
        context = {
            **row.context,
            "mulai": dates.start_date.isoformat(),
            "selesai": dates.end_date.isoformat(),
        }
        if "tempat" in context:
            context["tempat"] = dates.venue
        scheduled_for: datetime | None = None
        if row.template == "session-reminder":
            due = max(policy.reminder.reminder_time(dates.start_date, zone), now)
            scheduled_for = policy.quiet_hours.next_allowed(row.channel, due, zone)
        await repo.reschedule(
            session, row.id, context=context, scheduled_for=scheduled_for, now=now
        )


async def record_enrollment(
    uow: NotificationUnitOfWork, event: ParticipantEnrolled, policy: MessagePolicy
) -> None:
    session = uow.session
    current = await repo.record_enrollment(
        session, event.session_id, event.participant_id, event.status, event.enrolled_at
    )
    if not current:
        log.info(
            "enrolment overtaken by a later change; nothing to send",
            extra={"event_id": uow.cause.causation_id, "participant_id": event.participant_id},
        )
        return
    now = uow.now
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
        await emit_failed(uow, superseded)
    known = await repo.get_session_dates(session, event.session_id)
    if known is not None:  # a later SessionScheduled knows better than the enrolment's copy
        event = event.model_copy(
            update={
                "start_date": known.start_date,
                "end_date": known.end_date,
                "venue": known.venue,
            }
        )
    await schedule_messages(uow, event, policy)


async def cancel_enrollment(
    uow: NotificationUnitOfWork, event: EnrollmentCancelled, policy: MessagePolicy
) -> None:
    session = uow.session
    if not await repo.record_enrollment(
        session, event.session_id, event.participant_id, "cancelled", event.cancelled_at
    ):
        return  # an older cancellation than the enrolment we know of
    now = uow.now
    stopped = await repo.cancel_scheduled(
        session,
        reason="enrollment cancelled",
        now=now,
        participant_id=event.participant_id,
        session_id=event.session_id,
        templates=ENROLMENT_TEMPLATES,
    )
    await emit_failed(uow, stopped)


# -- messages -----------------------------------------------------------------------------------


async def schedule_messages(
    uow: NotificationUnitOfWork, event: IntegrationEvent, policy: MessagePolicy
) -> int:
    """Write one ``scheduled`` delivery per planned message and channel the participant may
    be reached on, due now or when quiet hours end. Returns how many were new.

    A participant not known yet (registration's event still on its way) makes the whole event
    wait (:class:`Retry`): it is redelivered, and its deliveries are then written once."""
    session = uow.session
    now = uow.now
    # Planning is pure: a first pass says whom the event concerns; once their contacts (and so
    # their zones) are known, the second places each reminder at the recipient's local hour.
    recipients = {p.participant_id for p in plan(event, PlanningContext(policy.reminder, now))}
    if not recipients:
        return 0
    contacts = await repo.get_contacts(session, recipients)
    unknown = recipients - contacts.keys()
    if unknown:
        raise Retry(f"{len(unknown)} participant(s) not registered yet")
    zones = {pid: policy.zone(contact) for pid, contact in contacts.items()}
    plans = plan(event, PlanningContext(policy.reminder, now, zone_of=zones.__getitem__))
    rows: list[dict[str, Any]] = []
    due_now = False
    for message in plans:
        zone = zones[message.participant_id]
        for channel in contacts[message.participant_id].channels_to_message():
            at = policy.quiet_hours.next_allowed(channel, max(message.not_before or now, now), zone)
            due_now = due_now or at <= now
            rows.append(
                {
                    "id": new_event_id(),
                    "participant_id": message.participant_id,
                    "channel": channel,
                    "zone": zone.value,
                    "template": message.template,
                    "cause_event_id": uow.cause.causation_id,
                    "cause_event_type": event.event_type(),
                    "correlation_id": uow.cause.correlation_id,
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


async def emit_failed(uow: NotificationUnitOfWork, rows: Iterable[Row[Any]]) -> None:
    """Stage a NotificationFailed for each delivery given up (audit and reporting)."""
    for row in rows:
        await uow.emit(
            NotificationFailed(
                notification_id=row.id,
                participant_id=row.participant_id,
                channel=row.channel,
                template=row.template,
                cause_event_id=row.cause_event_id,
                attempts=row.attempts,
                reason=(row.last_error or "failed")[:500],
                failed_at=row.failed_at or uow.now,
            )
        )
