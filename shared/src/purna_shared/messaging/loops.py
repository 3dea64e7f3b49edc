"""The one form of a worker's periodic loop (sweeps, purges): run a step, wait, again; an
outage of the database or Redis is logged and waited out with backoff, and a bug in the step is
logged without stopping the consumers that share the process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

#: errors of a dependency being down: retried sooner, with backoff
OUTAGES = (SQLAlchemyError, RedisError, OSError)


class Backoff:
    """Doubling waits between ``first`` and ``limit`` seconds; :meth:`reset` after a success."""

    def __init__(self, first: float = 0.1, limit: float = 5.0) -> None:
        self.first, self.limit = first, limit
        self._next = first

    def reset(self) -> None:
        self._next = self.first

    async def wait(self) -> None:
        await asyncio.sleep(self._next)
        self._next = min(self._next * 2, self.limit)


async def every(seconds: float, step: Callable[[], Awaitable[object]], *, name: str) -> None:
    """Run ``step`` every ``seconds`` until cancelled."""
    backoff = Backoff(first=min(seconds, 1.0), limit=max(seconds, 5.0))
    while True:
        try:
            await step()
        except OUTAGES as exc:
            log.warning(f"{name} failed, will retry", extra={"error": str(exc)})
            await backoff.wait()
            continue
        except Exception:
            log.exception(f"{name} failed unexpectedly, will retry")
        backoff.reset()
        await asyncio.sleep(seconds)
