"""SQL for contacts, enrolments, sessions and deliveries, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, and_, false, func, not_, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.db import is_postgres

from ..domain.delivery import DeliveryStatus
from ..domain.model import Channel, Contact, Gender
from .orm import contacts, deliveries, delivery_attempts, enrollments, sessions

#: PostgreSQL NOTIFY channel that wakes dispatchers when something is due now
DUE_CHANNEL = "purna_notification_due"


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if is_postgres(session) else sqlite.insert


# -- contacts -----------------------------------------------------------------------------------


def _contact(row: Row[Any]) -> Contact:
    return Contact(
        participant_id=row.participant_id,
        office=row.office,
        province_code=row.province_code,
        full_name=row.full_name,
        gender=cast(Gender | None, row.gender),
        phone=row.phone,
        email=row.email,
        channels=frozenset(row.channels),
        field_versions=dict(row.field_versions),
        version=row.version,
        registered=row.registered,
        withdrawn_at=row.withdrawn_at,
    )


async def get_contact(session: AsyncSession, participant_id: str) -> Contact | None:
    """Load one contact and lock it until commit: events of one participant arrive on several
    streams and may be handled at once by different workers."""
    row = (
        await session.execute(
            select(contacts).where(contacts.c.participant_id == participant_id).with_for_update()
        )
    ).first()
    return _contact(row) if row is not None else None


async def get_contacts(
    session: AsyncSession, participant_ids: Collection[str]
) -> dict[str, Contact]:
    if not participant_ids:
        return {}
    rows = await session.execute(
        select(contacts).where(contacts.c.participant_id.in_(list(participant_ids)))
    )
    return {row.participant_id: _contact(row) for row in rows}


async def save_contact(session: AsyncSession, contact: Contact, now: datetime) -> None:
    values = {
        "participant_id": contact.participant_id,
        "office": contact.office,
        "province_code": contact.province_code,
        "full_name": contact.full_name,
        "gender": contact.gender,
        "phone": contact.phone,
        "email": contact.email,
        "channels": sorted(contact.channels),
        "field_versions": contact.field_versions,
        "version": contact.version,
        "registered": contact.registered,
        "withdrawn_at": contact.withdrawn_at,
        "updated_at": now,
    }
    statement = _insert(session)(contacts).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["participant_id"],
            set_={k: statement.excluded[k] for k in values if k != "participant_id"},
        )
    )


# -- enrolments and sessions -------------------------------------------------------------------


async def record_enrollment(
    session: AsyncSession, session_id: str, participant_id: str, status: str, at: datetime
) -> bool:
    """Record the enrolment state as of ``at``; False when a later change is already known
    (an enrolment overtaken by its own cancellation must not schedule anything)."""
    statement = _insert(session)(enrollments).values(
        session_id=session_id, participant_id=participant_id, status=status, changed_at=at
    )
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id", "participant_id"],
            set_={"status": statement.excluded.status, "changed_at": statement.excluded.changed_at},
            where=enrollments.c.changed_at < statement.excluded.changed_at,
        ).returning(enrollments.c.session_id)
    )
    return result.first() is not None


@dataclass(frozen=True, slots=True)
class SessionDates:
    start_date: date
    end_date: date
    venue: str


async def get_session_dates(session: AsyncSession, session_id: str) -> SessionDates | None:
    row = (
        await session.execute(select(sessions).where(sessions.c.session_id == session_id))
    ).first()
    return SessionDates(row.start_date, row.end_date, row.venue) if row is not None else None


async def record_session(
    session: AsyncSession, session_id: str, dates: SessionDates, scheduled_at: datetime
) -> bool:
    """Keep the latest schedule of a session; False when this one is not newer."""
    statement = _insert(session)(sessions).values(
        session_id=session_id,
        start_date=dates.start_date,
        end_date=dates.end_date,
        venue=dates.venue,
        scheduled_at=scheduled_at,
    )
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id"],
            set_={
                k: statement.excluded[k]
                for k in ("start_date", "end_date", "venue", "scheduled_at")
            },
            where=sessions.c.scheduled_at < statement.excluded.scheduled_at,
        ).returning(sessions.c.session_id)
    )
    return result.first() is not None


# -- deliveries ---------------------------------------------------------------------------------


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert new deliveries; one that exists for the same (cause event, participant,
    template, channel) is left alone. Returns how many were new."""
    if not rows:
        return 0
    statement = _insert(session)(deliveries).values(list(rows))
    result = await session.execute(
        statement.on_conflict_do_nothing(
            index_elements=["cause_event_id", "participant_id", "template", "channel"]
        ).returning(deliveries.c.id)
    )
    return len(result.all())


async def notify_due(session: AsyncSession) -> None:
    """Wake the dispatchers at commit (PostgreSQL); elsewhere they poll."""
    if is_postgres(session):
        await session.execute(text("SELECT pg_notify(:c, '')"), {"c": DUE_CHANNEL})


_FAILED_COLUMNS = (
    deliveries.c.id,
    deliveries.c.participant_id,
    deliveries.c.channel,
    deliveries.c.template,
    deliveries.c.cause_event_id,
    deliveries.c.cause_event_type,
    deliveries.c.correlation_id,
    deliveries.c.attempts,
    deliveries.c.last_error,
    deliveries.c.failed_at,
)


async def cancel_scheduled(
    session: AsyncSession,
    *,
    reason: str,
    now: datetime,
    participant_id: str,
    session_id: str | None = None,
    templates: Collection[str] | None = None,
) -> list[Row[Any]]:
    """Stop scheduled deliveries of a participant (optionally of one session and templates).

    Those a dispatcher holds right now are only marked: their attempt in flight is the last
    one (a message already with the gateway cannot be called back). Returns the rows failed
    now, for their NotificationFailed events."""
    scope = [deliveries.c.status == "scheduled", deliveries.c.participant_id == participant_id]
    if session_id is not None:
        scope.append(deliveries.c.session_id == session_id)
    if templates is not None:
        scope.append(deliveries.c.template.in_(list(templates)))
    await session.execute(
        update(deliveries).where(*scope).values(cancel_reason=reason, updated_at=now)
    )
    result = await session.execute(
        update(deliveries)
        .where(*scope, or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until <= now))
        .values(status="failed", failed_at=now, last_error=reason, updated_at=now)
        .returning(*_FAILED_COLUMNS)
    )
    return list(result.all())


async def scheduled_of_session(session: AsyncSession, session_id: str) -> list[Row[Any]]:
    result = await session.execute(
        select(
            deliveries.c.id,
            deliveries.c.participant_id,
            deliveries.c.template,
            deliveries.c.channel,
            deliveries.c.context,
        )
        .where(deliveries.c.session_id == session_id, deliveries.c.status == "scheduled")
        .with_for_update()
    )
    return cast(list[Row[Any]], list(result.all()))


async def reschedule(
    session: AsyncSession,
    delivery_id: str,
    *,
    context: dict[str, Any],
    scheduled_for: datetime | None,
    now: datetime,
) -> None:
    values: dict[str, Any] = {"context": context, "updated_at": now}
    if scheduled_for is not None:
        values["scheduled_for"] = scheduled_for
    await session.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(values))


# -- the dispatcher's side ----------------------------------------------------------------------


async def claim_due(
    session: AsyncSession,
    *,
    token: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    max_attempts: int,
    channels: Collection[Channel],
    quiet: Collection[Channel] = (),
    quiet_zones: Collection[str] = (),
    home_zone: str | None = None,
) -> list[Row[Any]]:
    """Claim up to ``limit`` due deliveries on ``channels`` for this dispatcher: rows locked by
    another dispatcher are skipped, and a claim lasts ``lease`` (a crashed dispatcher's claims
    expire and are taken again). Each claim counts as an attempt: it may reach the gateway.

    Deliveries on a ``quiet`` channel (the phone channels) are left alone while their
    recipient's zone is one of ``quiet_zones``; a delivery without a zone counts as
    ``home_zone``'s."""
    if not channels:
        return []
    silent = list(quiet_zones)
    in_quiet_zone = or_(
        deliveries.c.zone.in_(silent),
        deliveries.c.zone.is_(None) if home_zone in silent else false(),
    )
    due = (
        select(deliveries.c.id)
        .where(
            deliveries.c.status == "scheduled",
            deliveries.c.scheduled_for <= now,
            or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until <= now),
            deliveries.c.cancel_reason.is_(None),
            deliveries.c.attempts < max_attempts,
            deliveries.c.channel.in_(list(channels)),
            or_(deliveries.c.channel.not_in(list(quiet) or [""]), not_(in_quiet_zone)),
        )
        .order_by(deliveries.c.scheduled_for)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(due.scalar_subquery()))
        .values(
            claim_token=token,
            claimed_until=now + lease,
            attempts=deliveries.c.attempts + 1,
            updated_at=now,
        )
        .returning(*deliveries.c)
    )
    return list(result.all())


async def fail_abandoned(
    session: AsyncSession, *, now: datetime, max_attempts: int
) -> list[Row[Any]]:
    """Fail deliveries whose last allowed attempt, or whose cancellation, was held by a
    dispatcher that never came back (its lease ran out)."""
    result = await session.execute(
        update(deliveries)
        .where(
            deliveries.c.status == "scheduled",
            deliveries.c.claimed_until.is_not(None),
            deliveries.c.claimed_until <= now,
            or_(deliveries.c.attempts >= max_attempts, deliveries.c.cancel_reason.is_not(None)),
        )
        .values(
            status="failed",
            failed_at=now,
            last_error=func.coalesce(
                deliveries.c.cancel_reason,
                "attempts exhausted; the last one's outcome is unknown (dispatcher lost)",
            ),
            claim_token=None,
            claimed_until=None,
            updated_at=now,
        )
        .returning(*_FAILED_COLUMNS)
    )
    return list(result.all())


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest scheduled delivery is due (the dispatcher sleeps until then)."""
    return cast(
        datetime | None,
        (
            await session.execute(
                select(func.min(deliveries.c.scheduled_for)).where(
                    deliveries.c.status == "scheduled"
                )
            )
        ).scalar(),
    )


async def finish_claim(
    session: AsyncSession,
    delivery_id: str,
    token: str,
    *,
    status: DeliveryStatus,
    now: datetime,
    values: dict[str, Any],
) -> Row[Any] | None:
    """Record the outcome of a claim, if this dispatcher still holds it; returns the row (with
    ``cancel_reason``) or None when the lease was lost to another dispatcher."""
    result = await session.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.claim_token == token)
        .values(status=status, claim_token=None, claimed_until=None, updated_at=now, **values)
        .returning(deliveries.c.cancel_reason, deliveries.c.attempts)
    )
    return result.first()


async def fail_delivery(
    session: AsyncSession, delivery_id: str, *, reason: str, now: datetime
) -> None:
    await session.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.status == "scheduled")
        .values(status="failed", failed_at=now, last_error=reason[:500], updated_at=now)
    )


async def add_attempts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Record attempts (delivery_id, attempt, started_at, finished_at, outcome, detail)."""
    if rows:
        await session.execute(delivery_attempts.insert(), list(rows))


# -- reading the log ----------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession,
    *,
    participant_id: str | None = None,
    status: DeliveryStatus | None = None,
    offices: Collection[str] | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    """A page of the delivery log, oldest first, and the total matching. ``offices`` limits it
    to participants registered by those BP3MI offices (an operator's scope)."""
    conditions = []
    if participant_id is not None:
        conditions.append(deliveries.c.participant_id == participant_id)
    if status is not None:
        conditions.append(deliveries.c.status == status)
    if offices is not None:
        conditions.append(
            deliveries.c.participant_id.in_(
                select(contacts.c.participant_id).where(contacts.c.office.in_(list(offices)))
            )
        )
    where = and_(*conditions) if conditions else and_(True)
    total = (
        await session.execute(select(func.count()).select_from(deliveries).where(where))
    ).scalar_one()
    rows = await session.execute(
        select(deliveries)
        .where(where)
        .order_by(deliveries.c.created_at, deliveries.c.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total)
