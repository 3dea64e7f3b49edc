"""The outbox: an event leaves only with a committed transaction, and survives a Redis outage."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from purna.embedded_redis import EmbeddedRedis
from purna_shared.contracts.envelope import Envelope
from purna_shared.messaging.tables import outbox
from purna_shared.net import free_port
from purna_shared.testing.probe import ProbeEvent

pytestmark = pytest.mark.integration


async def test_rolled_back_event_is_never_published(probe_world) -> None:
    world = probe_world
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    with contextlib.suppress(RuntimeError):
        async with world.sessionmaker() as session, session.begin():
            await world.outbox.add(session, ProbeEvent(n=1))
            raise RuntimeError("business rule failed after the event was staged")
    async with world.sessionmaker() as session, session.begin():
        committed = await world.outbox.add(session, ProbeEvent(n=2))

    assert await world.relay().publish_pending() == 1
    entries = await world.redis.xrange(stream)
    assert [Envelope.from_fields(fields).id for _, fields in entries] == [committed.id]
    assert [Envelope.from_fields(f).payload(ProbeEvent).n for _, f in entries] == [2]


async def test_event_committed_while_redis_is_down_is_published_when_it_returns(
    probe_world, tmp_path: Path
) -> None:
    world = probe_world
    port = free_port()
    server = EmbeddedRedis(tmp_path / "redis", port, persist=False)
    flaky: Redis = Redis(port=port, socket_connect_timeout=0.2, socket_timeout=0.5)
    relay = world.relay(flaky)
    stream = ProbeEvent.stream(world.settings.stream_prefix)

    async with world.sessionmaker() as session, session.begin():
        staged = await world.outbox.add(session, ProbeEvent(n=7))
    relay_task = asyncio.create_task(relay.run())  # Redis is not running yet
    try:
        await asyncio.sleep(0.5)
        async with world.sessionmaker() as session:
            unpublished = await session.scalar(
                select(func.count()).where(outbox.c.published_at.is_(None))
            )
        assert unpublished == 1

        await asyncio.to_thread(server.start)
        for _ in range(100):
            if await flaky.exists(stream):
                break
            await asyncio.sleep(0.1)
        entries = await flaky.xrange(stream)
        assert [Envelope.from_fields(f).id for _, f in entries] == [staged.id]
        async with world.sessionmaker() as session:
            assert (
                await session.scalar(select(func.count()).where(outbox.c.published_at.is_(None)))
                == 0
            )
    finally:
        relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay_task
        await flaky.aclose()
        server.stop()


async def test_notify_wakes_the_relay_within_the_poll_interval(probe_world) -> None:
    world = probe_world
    # Poll only every 30 s: a publish well before that proves LISTEN/NOTIFY woke the relay.
    world.settings = world.settings.model_copy(update={"relay_poll_ms": 30_000})
    relay = world.relay()
    task = asyncio.create_task(relay.run())
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    try:
        await asyncio.sleep(0.3)  # let the relay LISTEN
        async with world.sessionmaker() as session, session.begin():
            await world.outbox.add(session, ProbeEvent(n=3))
        for _ in range(50):
            if await world.redis.exists(stream):
                break
            await asyncio.sleep(0.1)
        assert await world.redis.xlen(stream) == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_two_relays_publish_each_row_once(probe_world) -> None:
    world = probe_world
    async with world.sessionmaker() as session, session.begin():
        for n in range(300):
            await world.outbox.add(session, ProbeEvent(n=n))
    world.settings = world.settings.model_copy(update={"relay_batch": 20})
    first, second = world.relay(), world.relay()
    await asyncio.gather(first.publish_pending(), second.publish_pending())
    entries = await world.redis.xrange(ProbeEvent.stream(world.settings.stream_prefix))
    numbers = [Envelope.from_fields(f).payload(ProbeEvent).n for _, f in entries]
    assert sorted(numbers) == list(range(300))
