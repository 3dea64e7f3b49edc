"""Issue 15 item 16: after Redis lost its data, ``purna outbox republish --since`` refills the
streams from the outbox, and nothing is done twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from purna.recovery import parse_since
from purna_shared.messaging.republish import republish_since
from purna_shared.testing.probe import ProbeEvent, install_probe_handler
from purna_shared.testing.waiting import run_until

pytestmark = pytest.mark.integration


async def test_republishing_after_a_loss_handles_the_lost_events_once_and_the_rest_never(
    probe_world,
) -> None:
    world = probe_world
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    before = datetime.now(UTC) - timedelta(seconds=1)
    relay = world.relay()

    async def publish(numbers: range) -> None:
        async with world.sessionmaker() as session, session.begin():
            for n in numbers:
                await world.outbox.add(session, ProbeEvent(n=n))
        await relay.publish_pending()

    await publish(range(1, 6))
    consumer = world.consumer()
    install_probe_handler(consumer)

    async def handled(count: int) -> bool:
        return len(await world.effects()) == count

    await run_until(consumer, lambda: handled(5))
    await publish(range(6, 9))  # published, then lost before any consumer read them
    await world.redis.delete(stream)

    result = await republish_since(world.sessionmaker, world.redis, world.settings, before)
    assert result.republished == 8
    assert not result.beyond_retention

    consumer = world.consumer()  # a restarted worker: finds its group gone and recreates it
    install_probe_handler(consumer)
    await run_until(consumer, lambda: handled(8))
    assert await world.effects() == {n: 1 for n in range(1, 9)}

    # run it again: still once each
    await republish_since(world.sessionmaker, world.redis, world.settings, before)
    consumer = world.consumer()
    install_probe_handler(consumer)

    async def all_read() -> bool:
        groups = await world.redis.xinfo_groups(stream)
        return bool(groups) and groups[0]["pending"] == 0 and groups[0]["lag"] == 0

    await run_until(consumer, all_read)
    assert await world.effects() == {n: 1 for n in range(1, 9)}


async def test_a_time_before_the_retention_window_is_flagged(probe_world) -> None:
    world = probe_world
    long_ago = datetime.now(UTC) - timedelta(hours=world.settings.outbox_retention_hours + 1)
    result = await republish_since(world.sessionmaker, world.redis, world.settings, long_ago)
    assert result.beyond_retention


def test_since_takes_a_time_or_a_duration_ago() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert parse_since("90m", now) == datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
    assert parse_since("2026-12-02T09:30:00Z", now) == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert parse_since("2026-12-02T09:30:00", now) == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
