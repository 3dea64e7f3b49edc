"""Waiting in async tests: poll for a condition, run a consumer until something has happened,
and stop a background task for certain.

    await run_until(world.consumer(), lambda: world.all_handled(ParticipantRegistered))
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Condition = Callable[[], Awaitable[bool]]


class Runnable(Protocol):
    """Anything with a long-running ``run()``: an ``EventConsumer``, an ``OutboxRelay``."""

    async def run(self) -> None: ...


async def until(
    done: Condition,
    seconds: float = 20.0,
    *,
    interval: float = 0.02,
    watching: asyncio.Task[Any] | None = None,
) -> None:
    """Poll ``done`` until it is true; fail after ``seconds``. When ``watching`` ends
    first with an error, that error is raised at once instead of waiting out the time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await done():
        if watching is not None and watching.done():
            watching.result()
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(interval)


async def stop(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait for it to end, cancelling again if a cancellation got lost
    in a library's cleanup (a consumer must never outlive the test); re-raise its error."""
    for _ in range(100):
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=0.1)
        if done:
            break
    else:
        raise AssertionError("the task did not stop")
    if not task.cancelled() and (error := task.exception()) is not None:
        raise error


async def run_until(
    runnable: Runnable, done: Condition, seconds: float = 20.0, *, interval: float = 0.02
) -> None:
    """Run ``runnable.run()`` in the background until ``done`` is true, then stop it."""
    task = asyncio.create_task(runnable.run())
    try:
        await until(done, seconds, interval=interval, watching=task)
    finally:
        await stop(task)
