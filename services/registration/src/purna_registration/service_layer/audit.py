"""The audit trail of reads and changes of personal data (who, when, what; never values)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.orm import audit_log
from .actor import Actor

AuditAction = Literal["nik_read", "registered", "updated", "consent_withdrawn", "imported"]


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
