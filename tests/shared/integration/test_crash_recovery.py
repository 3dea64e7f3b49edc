"""A consumer killed with SIGKILL while holding unacknowledged entries loses and doubles nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from purna_shared.contracts.envelope import Envelope
from purna_shared.testing.probe import ProbeEvent, install_probe_handler

pytestmark = pytest.mark.integration

TOTAL = 300


async def test_sigkilled_consumer_entries_are_finished_by_another(probe_world) -> None:
    world = probe_world
    stream = ProbeEvent.stream(world.settings.stream_prefix)
    pipe = world.redis.pipeline(transaction=False)
    for n in range(TOTAL):
        pipe.xadd(stream, Envelope.wrap(ProbeEvent(n=n), source="probe").to_fields())
    await pipe.execute()

    env = os.environ | {
        "PROBE_REDIS_URL": world.settings.redis_url,
        "PROBE_DATABASE_URL": world.database_url,
        "PROBE_STREAM_PREFIX": world.settings.stream_prefix,
        "PROBE_CONSUMER_NAME": "victim",
        "PROBE_CONSUMER_BATCH": "10",
        "PROBE_RECLAIM_INTERVAL_MS": "600000",
        "PROBE_DELAY": "0.02",
    }
    victim = subprocess.Popen(
        [sys.executable, "-m", "purna_shared.testing.probe"], env=env, stderr=subprocess.PIPE
    )
    try:
        for _ in range(300):
            if sum((await world.effects()).values()) >= 40:
                break
            assert victim.poll() is None, victim.stderr.read().decode() if victim.stderr else ""
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the victim consumer never got going")
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()

    pending = await world.redis.xpending(stream, "probe")
    assert pending["pending"] > 0, "the victim should have died holding entries"
    assert {c["name"].decode() for c in pending["consumers"]} == {"victim"}
    handled_by_victim = sum((await world.effects()).values())
    assert handled_by_victim < TOTAL

    survivor = world.consumer(consumer_name="survivor")
    install_probe_handler(survivor)
    task = asyncio.create_task(survivor.run())
    try:
        for _ in range(400):
            if sum((await world.effects()).values()) >= TOTAL:
                info = await world.redis.xpending(stream, "probe")
                if info["pending"] == 0:
                    break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    effects = await world.effects()
    assert effects == {n: 1 for n in range(TOTAL)}, "every entry exactly once"
    assert (await world.redis.xpending(stream, "probe"))["pending"] == 0
