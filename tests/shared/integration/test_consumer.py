"""Inbox-guarded consumers: once-only effects, dead letters, redrive, hand-written entries."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from purna_shared.contracts.catalog import dead_letter_stream
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import SessionCompleted
from purna_shared.messaging.consumer import Delivery
from purna_shared.messaging.dead_letter import DeadLetters
from purna_shared.testing.probe import ProbeEvent, install_probe_handler, probe_effects
from purna_shared.testing.waiting import Condition, run_until

pytestmark = pytest.mark.integration


def entry(event: ProbeEvent) -> dict[str, str]:
    return Envelope.wrap(event, source="probe").to_fields()


def session_completed() -> SessionCompleted:
    example = SessionCompleted.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    return SessionCompleted.model_validate(example)


def all_acked(redis: Redis, stream: str, entries: int) -> Condition:
    """Condition: the group has read ``entries`` entries and none is still pending."""

    async def done() -> bool:
        groups = await redis.xinfo_groups(stream)
        return bool(groups) and groups[0]["pending"] == 0 and groups[0]["entries-read"] == entries

    return done


async def test_same_entry_delivered_twice_changes_state_once(probe_world) -> None:
    world = probe_world
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    fields = entry(ProbeEvent(n=1))
    await world.redis.xadd(stream, fields)
    await world.redis.xadd(stream, fields)  # the same event again (e.g. a relay retry)
    await world.redis.xadd(stream, entry(ProbeEvent(n=2)))
    consumer = world.consumer()
    install_probe_handler(consumer)

    await run_until(consumer, all_acked(world.redis, stream, 3))
    assert await world.effects() == {1: 1, 2: 1}


async def test_last_batch_of_a_burst_is_acknowledged_without_waiting_out_a_blocking_read(
    probe_world,
) -> None:
    # The acknowledgements ride on the next read. Were that read a blocking one (here it
    # would block ten minutes: nothing more arrives), the burst's entries would stay pending
    # until it timed out.
    world = probe_world
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    for n in range(3):
        await world.redis.xadd(stream, entry(ProbeEvent(n=n)))
    consumer = world.consumer(consumer_block_ms=600_000, reclaim_interval_ms=600_000)
    install_probe_handler(consumer)

    await run_until(consumer, all_acked(world.redis, stream, 3))
    assert await world.effects() == {0: 1, 1: 1, 2: 1}


async def test_duplicate_inside_one_batch_and_across_batches(probe_world) -> None:
    world = probe_world
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    fields = entry(ProbeEvent(n=5))
    for _ in range(3):
        await world.redis.xadd(stream, fields)
    consumer = world.consumer()
    install_probe_handler(consumer)
    await consumer.ensure_groups()
    # Deliver everything as one batch, then the same entries again as redelivery would.
    response = await world.redis.xreadgroup(consumer.group, "c", {stream: ">"}, count=10)
    from purna_shared.messaging.consumer import _Entry

    entries = [_Entry(eid.decode(), f, 1) for eid, f in response[0][1]]
    await consumer.handle(stream, entries)
    await consumer.handle(stream, entries)
    assert await world.effects() == {5: 1}


async def test_poison_entries_are_dead_lettered_and_the_consumer_goes_on(probe_world) -> None:
    world = probe_world
    prefix = world.settings.stream_prefix
    stream = ProbeEvent.stream(prefix)
    good_before = entry(ProbeEvent(n=1))
    bad_json = entry(ProbeEvent(n=2)) | {"data": "{not json"}
    bad_schema = entry(ProbeEvent(n=3)) | {"data": json.dumps({"n": "three"})}
    missing = {"hello": "world"}
    always_fails = entry(ProbeEvent(n=4, fail=True))
    good_after = entry(ProbeEvent(n=5))
    for fields in (good_before, bad_json, bad_schema, missing, always_fails, good_after):
        await world.redis.xadd(stream, fields)
    consumer = world.consumer()  # max_deliveries=3, reclaim after 300 ms
    install_probe_handler(consumer)
    dlq = dead_letter_stream(prefix)

    async def four_dead() -> bool:
        return await world.redis.xlen(dlq) == 4

    await run_until(consumer, four_dead, seconds=20)
    assert await world.effects() == {1: 1, 5: 1}

    letters = {d.entry_id: d for d in await DeadLetters(world.redis, prefix).list()}
    ids = [eid.decode() for eid, _ in await world.redis.xrange(stream)]
    assert "data is not valid JSON" in letters[ids[1]].error
    assert "n:" in letters[ids[2]].error and "integer" in letters[ids[2]].error
    assert "missing envelope field" in letters[ids[3]].error
    assert letters[ids[1]].attempts == 1
    assert "probe 4 asked to fail" in letters[ids[4]].error
    assert letters[ids[4]].attempts == 3
    assert {d.group for d in letters.values()} == {"probe"}
    assert letters[ids[4]].stream == stream
    assert letters[ids[4]].original == always_fails
    groups = await world.redis.xinfo_groups(stream)
    assert groups[0]["pending"] == 0


async def purna_command(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the real `purna` command line, as an operator would."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "purna",
        *args,
        env=os.environ | env | {"COLUMNS": "250"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_redrive_after_the_fault_is_fixed(probe_world) -> None:
    """A real catalog event (redrive refuses any other): credit's group fails on a
    SessionCompleted, the fault is fixed, `purna dlq redrive` brings it back once."""
    world = probe_world
    prefix = world.settings.stream_prefix
    stream = SessionCompleted.stream(prefix)
    await world.redis.xadd(
        stream, Envelope.wrap(session_completed(), source="training").to_fields()
    )
    healed: list[bool] = []
    consumer = world.consumer()
    consumer.group = "credit"  # the group the catalog says consumes SessionCompleted

    @consumer.handles(SessionCompleted)
    async def record(session: AsyncSession, delivery: Delivery[SessionCompleted]) -> None:
        if not healed:
            raise RuntimeError("credit rules asked to fail")
        await session.execute(
            probe_effects.insert().values(
                event_id=delivery.envelope.id,
                n=9,
                handled_by="credit",
                handled_at=datetime.now(UTC),
            )
        )

    dlq = dead_letter_stream(prefix)

    async def dead() -> bool:
        return bool(await world.redis.exists(dlq))

    await run_until(consumer, dead)
    assert await world.effects() == {}

    env = {"REDIS_URL": world.settings.redis_url, "STREAM_PREFIX": prefix}
    code, listed = await purna_command("dlq", "list", env=env)
    assert code == 0, listed
    letter_id = (await world.redis.xrange(dlq))[0][0].decode()
    assert letter_id in listed
    assert "credit rules asked to fail" in listed

    healed.append(True)  # the fault is fixed
    code, redriven = await purna_command("dlq", "redrive", letter_id, env=env)
    assert code == 0, redriven
    assert f"redriven {letter_id}" in redriven

    async def handled() -> bool:
        return await world.effects() == {9: 1}

    await run_until(consumer, handled)
    assert await world.redis.xlen(dlq) == 0


def redis_cli() -> str:
    found = shutil.which("redis-cli")
    if found:
        return found
    from purna.embedded_redis import redis_server_binary

    return redis_server_binary().replace("redis-server", "redis-cli")


async def test_entry_written_by_hand_with_redis_cli_is_consumed(probe_world) -> None:
    world = probe_world
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    url = world.settings.redis_url
    # The documented layout, typed as an operator would (see docs/integrating.md).
    subprocess.run(
        [
            redis_cli(),
            "-u",
            url,
            "XADD",
            stream,
            "*",
            "specversion",
            "1.0",
            "id",
            "0190f5c2-7a1e-7c3d-9b1a-3f2e4d5c6b7a",
            "type",
            "purna.probe.v1",
            "source",
            "purna/ministry-tester",
            "time",
            "2024-08-15T01:30:00Z",
            "subject",
            "42",
            "datacontenttype",
            "application/json",
            "data",
            '{"n": 42}',
        ],
        check=True,
        capture_output=True,
    )
    consumer = world.consumer()
    install_probe_handler(consumer)

    async def handled() -> bool:
        return await world.effects() == {42: 1}

    await run_until(consumer, handled)
