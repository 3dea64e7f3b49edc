"""The audit trail of reads and changes of personal data (who, when, what; never values)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.orm import audit_log
from ..adapters.repository import as_utc
from .actor import Actor

AuditAction = Literal[
    "nik_read", "nik_lookup", "registered", "updated", "consent_withdrawn", "imported"
]


async def record(
    session: AsyncSession,
    actor: Actor,
    action: AuditAction,
    participant_ids: Sequence[str | None],
    *,
    purpose: str | None = None,
    detail: dict[str, object] | None = None,
    at: datetime | None = None,
) -> None:
    """Write one audit row per participant, in the caller's transaction."""
    if not participant_ids:
        return
    moment = at or datetime.now(UTC)
    text = json.dumps(detail, sort_keys=True) if detail else None
    await session.execute(
        audit_log.insert(),
        [
            {
                "at": moment,
                "actor": actor.subject,
                "actor_role": actor.main_role,
                "actor_office": actor.office,
                "action": action,
                "participant_id": pid,
                "purpose": purpose,
                "route": actor.route,
                "request_id": actor.request_id,
                "detail": text,
            }
            for pid in participant_ids
        ],
    )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    actor_role: str
    actor_office: str | None
    action: str
    participant_id: str | None
    purpose: str | None
    route: str | None
    request_id: str | None
    detail: Any | None


async def read_log(
    session: AsyncSession,
    *,
    participant_id: str | None,
    action: str | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEntry], int]:
    """The trail, newest first, optionally for one participant and one kind of action."""
    query = select(audit_log)
    count = select(func.count()).select_from(audit_log)
    if participant_id:
        query = query.where(audit_log.c.participant_id == participant_id)
        count = count.where(audit_log.c.participant_id == participant_id)
    if action:
        query = query.where(audit_log.c.action == action)
        count = count.where(audit_log.c.action == action)
    total = (await session.execute(count)).scalar_one()
    rows = await session.execute(
        query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit).offset(offset)
    )
    return [
        AuditEntry(
            at=as_utc(r.at),
            actor=r.actor,
            actor_role=r.actor_role,
            actor_office=r.actor_office,
            action=r.action,
            participant_id=r.participant_id,
            purpose=r.purpose,
            route=r.route,
            request_id=r.request_id,
            detail=json.loads(r.detail) if r.detail else None,
        )
        for r in rows
    ], int(total)
