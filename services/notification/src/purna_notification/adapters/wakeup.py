"""Wake-ups over PostgreSQL ``LISTEN``: a commit that makes deliveries due wakes dispatchers in
every worker within milliseconds; they also poll as a fallback (and on SQLite)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


async def listen_forever(engine: AsyncEngine, channel: str, wake: Callable[[], None]) -> None:
    """Call ``wake`` on every NOTIFY on ``channel``; reconnect when the connection drops.
    Returns at once on databases without NOTIFY."""
    if engine.dialect.name != "postgresql":
        return
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while True:
        conn: Any = None
        try:
            conn = await asyncpg.connect(dsn)
            await conn.add_listener(channel, lambda *_: wake())
            wake()  # something may have become due while we were not listening
            while not conn.is_closed():  # noqa: ASYNC110 - asyncpg has no "closed" event
                await asyncio.sleep(5)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("LISTEN failed, polling meanwhile", extra={"error": str(exc)})
            await asyncio.sleep(2)
        finally:
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(OSError, asyncpg.PostgresError):
                    await conn.close()
