"""``purna dlq``: list and redrive dead letters."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from ..messaging.dead_letter import DeadLetters, RedriveRefusedError
from ..settings import PurnaSettings

T = TypeVar("T")

dlq_app = typer.Typer(no_args_is_help=True, help="Inspect and redrive dead-lettered entries.")


async def _with_dead_letters(work: Callable[[DeadLetters], Awaitable[T]]) -> T:
    settings = PurnaSettings()
    redis = Redis.from_url(settings.redis_url)
    try:
        return await work(DeadLetters(redis, settings.stream_prefix))
    finally:
        await redis.aclose()


@dlq_app.command("list")
def list_dead_letters(
    stream: str | None = typer.Option(None, help="only entries from this stream"),
    limit: int = typer.Option(100, help="at most this many"),
) -> None:
    """Show dead letters: id, original stream and entry, group, attempts, reason."""
    letters = asyncio.run(_with_dead_letters(lambda d: d.list(count=limit, stream=stream)))
    table = Table("dead letter", "stream", "entry", "group", "attempts", "failed at", "error")
    for letter in letters:
        table.add_row(
            letter.id,
            letter.stream,
            letter.entry_id,
            letter.group,
            str(letter.attempts),
            letter.failed_at,
            letter.error,
        )
    Console(width=240).print(table)
    typer.echo(f"{len(letters)} dead letter(s)")


@dlq_app.command("redrive")
def redrive(
    dead_letter_ids: list[str] = typer.Argument(None, help="ids shown by `purna dlq list`"),
    all_: bool = typer.Option(False, "--all", help="redrive every dead letter"),
) -> None:
    """Put entries back on the stream they came from, so their consumer group handles them
    again. Only a dead letter whose stream is in the catalog, whose group consumes it and whose
    entry is still on it unchanged is redriven; any other is reported and left in place."""
    if not dead_letter_ids and not all_:
        raise typer.BadParameter("name dead letter ids (see `purna dlq list`) or pass --all")

    async def work(dead_letters: DeadLetters) -> tuple[list[tuple[str, str]], list[str]]:
        ids = list(dead_letter_ids or [])
        if all_:
            ids += [d.id for d in await dead_letters.list(count=1_000_000)]
        moved: list[tuple[str, str]] = []
        refused: list[str] = []
        for dead_letter_id in dict.fromkeys(ids):
            try:
                moved.append((dead_letter_id, await dead_letters.redrive(dead_letter_id)))
            except (KeyError, RedriveRefusedError) as exc:
                refused.append(str(exc).strip("'\""))
        return moved, refused

    moved, refused = asyncio.run(_with_dead_letters(work))
    for old, new in moved:
        typer.echo(f"redriven {old} -> {new}")
    for reason in refused:
        typer.echo(reason, err=True)
    if not moved and not refused:
        typer.echo("no dead letters to redrive")
    if refused:
        raise typer.Exit(1)
