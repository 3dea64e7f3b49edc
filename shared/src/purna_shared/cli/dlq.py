"""``purna dlq``: list and redrive dead letters."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from ..messaging.dead_letter import DeadLetters
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
    """Put entries back on their original stream so their consumers handle them again."""

    async def work(dead_letters: DeadLetters) -> list[tuple[str, str]]:
        ids = list(dead_letter_ids or [])
        if all_:
            ids = [d.id for d in await dead_letters.list(count=1_000_000)]
        if not ids:
            raise typer.BadParameter("name dead letter ids or pass --all")
        return [(i, await dead_letters.redrive(i)) for i in ids]

    try:
        moved = asyncio.run(_with_dead_letters(work))
    except KeyError as exc:
        typer.echo(str(exc).strip("'\""), err=True)
        raise typer.Exit(1) from exc
    for old, new in moved:
        typer.echo(f"redriven {old} -> {new}")
