"""Recovery commands for when Redis lost its data (runbook: docs/runbooks/redis-data-loss.md).

``purna outbox republish --since T`` refills the streams from every service's outbox;
``purna dlq restore`` puts back the dead letters recorded in the services' databases.
Both are safe to run twice: consumers skip events they handled (inbox), and a dead letter
already on the stream is not added again.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import typer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_shared.cli.dlq import dlq_app
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.messaging.dead_letter_log import restore_dead_letters
from purna_shared.messaging.republish import RepublishResult, republish_since
from purna_shared.settings import PurnaSettings

from .services import SERVICES, Service

T = TypeVar("T")

outbox_app = typer.Typer(no_args_is_help=True, help="Re-publish events kept in the outboxes.")

_AGO = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 time (UTC when it has no offset) or a duration ago: ``90m``, ``2h``, ``1d``."""
    now = now or datetime.now(UTC)
    if match := _AGO.match(value.strip()):
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r}: give an ISO 8601 time (2026-12-02T09:30:00Z) or a duration ago (2h)"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _chosen(names: list[str] | None) -> list[Service]:
    known = {s.name: s for s in SERVICES}
    if not names:
        return list(SERVICES)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise typer.BadParameter(f"unknown service(s) {', '.join(unknown)}; known: {list(known)}")
    return [known[n] for n in names]


Sessions = async_sessionmaker[AsyncSession]


async def _with_service(
    settings: PurnaSettings, work: Callable[[PurnaSettings, Redis, Sessions], Awaitable[T]]
) -> T:
    engine = make_engine(settings.resolved_database_url, pool_pre_ping=False)
    redis = Redis.from_url(settings.redis_url)
    try:
        return await work(settings, redis, make_sessionmaker(engine))
    finally:
        await redis.aclose()
        await engine.dispose()


@outbox_app.command("republish")
def republish(
    since: str = typer.Option(
        ..., help="re-publish events created at or after this: ISO 8601 time, or 2h, 90m, 1d ago"
    ),
    service: list[str] = typer.Option(None, help="only these services (default: all)"),
) -> None:
    """Re-publish to Redis every event the services published since a point in time.

    Choose a time safely before Redis lost its data: events consumers already handled are
    skipped by their inboxes, so going back too far costs only time, never a double effect."""
    when = parse_since(since)
    failed = False
    for svc in _chosen(service):
        settings = svc.settings()

        async def work(
            settings: PurnaSettings, redis: Redis, sessions: Sessions
        ) -> RepublishResult:
            return await republish_since(sessions, redis, settings, when)

        result = asyncio.run(_with_service(settings, work))
        typer.echo(
            f"{svc.name}: re-published {result.republished} event(s) "
            f"created since {when.isoformat(timespec='seconds')}"
        )
        if result.beyond_retention:
            failed = True
            typer.echo(
                f"{svc.name}: WARNING {when.isoformat(timespec='seconds')} is older than the "
                f"outbox retention ({settings.outbox_retention_hours:g} h): events older than "
                f"{result.oldest_kept} are no longer kept and cannot be re-published",
                err=True,
            )
    if failed:
        raise typer.Exit(2)


@dlq_app.command("restore")
def restore(
    service: list[str] = typer.Option(None, help="only these services (default: all)"),
) -> None:
    """Put back on the dead-letter stream the dead letters recorded in the services'
    databases that Redis no longer has (after it lost its data)."""
    for svc in _chosen(service):

        async def work(settings: PurnaSettings, redis: Redis, sessions: Sessions) -> int:
            async with sessions() as session:
                return await restore_dead_letters(session, redis, prefix=settings.stream_prefix)

        restored = asyncio.run(_with_service(svc.settings(), work))
        typer.echo(f"{svc.name}: restored {restored} dead letter(s)")
