"""Dead letters kept in the owning service's database, so they survive Redis losing its data.

The consumer writes each dead letter here first (the ``dead_letters`` table of every service's
database), then to the ``purna.dead-letter`` stream. After Redis lost its data,
:func:`restore_dead_letters` puts back on the stream every recorded dead letter the stream no
longer has, so ``purna dlq list`` / ``redrive`` work as before (runbook: docs/operations.md).
A redrive that already happened before the loss may be offered again; redriving it twice is
harmless (the consumers' inboxes skip events they handled).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..contracts.catalog import dead_letter_stream
from .tables import dead_letters


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def record_dead_letter(session: AsyncSession, fields: Mapping[str, str]) -> None:
    """Insert a dead letter (the fields of :func:`.dead_letter.dead_letter_fields`)."""
    original = fields.get("original", "{}")
    try:
        event_id = json.loads(original).get("id")
    except (ValueError, AttributeError):
        event_id = None
    await session.execute(
        dead_letters.insert().values(
            consumer_group=fields["group"][:100],
            stream=fields["stream"][:200],
            entry_id=fields["entry_id"][:40],
            event_id=event_id[:36] if isinstance(event_id, str) else None,
            attempts=int(fields.get("attempts", "0") or 0),
            error=fields.get("error", ""),
            original=original,
            failed_at=_parse_time(fields.get("failed_at", "")),
        )
    )


async def recorded_dead_letters(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(dead_letters).order_by(dead_letters.c.id))
    return [dict(row._mapping) for row in rows]


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


async def restore_dead_letters(session: AsyncSession, redis: Redis, *, prefix: str = "") -> int:
    """Put back on the dead-letter stream the recorded dead letters it lacks (not redriven).
    Returns how many were restored."""
    stream = dead_letter_stream(prefix)
    present: set[tuple[str, str, str]] = set()
    for _, fields in await redis.xrange(stream):
        f = {_text(k): _text(v) for k, v in fields.items()}
        present.add((f.get("group", ""), f.get("stream", ""), f.get("entry_id", "")))
    restored = 0
    rows = await session.execute(
        select(dead_letters).where(dead_letters.c.redriven_at.is_(None)).order_by(dead_letters.c.id)
    )
    for row in rows:
        if (row.consumer_group, row.stream, row.entry_id) in present:
            continue
        await redis.xadd(
            stream,
            {
                "stream": row.stream,
                "entry_id": row.entry_id,
                "group": row.consumer_group,
                "attempts": str(row.attempts),
                "error": row.error,
                "failed_at": row.failed_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "original": row.original,
            },
        )
        restored += 1
    return restored
