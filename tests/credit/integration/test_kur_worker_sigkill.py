"""A credit worker killed with SIGKILL in the middle of a session's assessments: another worker
finishes it, and there are still exactly 17 assessments and 17 CreditPrequalified events."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from typing import Any

import pytest

from purna_shared.contracts.events import (
    CreditPrequalified,
    ParticipantRegistered,
    SessionCompleted,
)

pytestmark = pytest.mark.integration

ASSESSED = b"participant pre-qualified"


def worker_env(world: Any, name: str, **extra: str) -> dict[str, str]:
    return os.environ | {
        "CREDIT_DATABASE_URL": world.database_url,
        "REDIS_URL": world.settings.redis_url,
        "STREAM_PREFIX": world.prefix,
        "CREDIT_CONSUMER_NAME": name,
        "CREDIT_CONSUMER_BLOCK_MS": "50",
        "CREDIT_RELAY_POLL_MS": "50",
        "LOG_LEVEL": "INFO",
        "LOG_JSON": "true",
        **extra,
    }


async def start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "purna_credit.entrypoints.worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop(process: asyncio.subprocess.Process, sig: int) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        await process.wait()


async def test_sigkilled_worker_mid_session_loses_and_doubles_nothing(credit_world: Any) -> None:
    world = credit_world
    outcomes = [(f"p-{i:02d}", i not in (3, 9, 15)) for i in range(20)]  # 17 completed
    for pid, _ in outcomes:
        await world.xadd(world.registered(pid), "registration")
    await world.consume_until(lambda: world.all_handled(ParticipantRegistered))
    await world.xadd(world.session_completed("s-kill", outcomes), "training")

    victim = await start_worker(
        worker_env(
            world,
            "victim",
            CREDIT_ASSESSMENT_DELAY_MS="150",  # test-only pause after each assessment
            CREDIT_RECLAIM_INTERVAL_MS="600000",
        )
    )
    seen = 0
    log_tail: list[bytes] = []
    try:
        assert victim.stderr is not None
        async with asyncio.timeout(30):
            while seen < 5:  # kill it five assessments into the session's seventeen
                line = await victim.stderr.readline()
                if not line:
                    raise AssertionError(
                        "victim exited early:\n" + b"".join(log_tail[-20:]).decode()
                    )
                log_tail.append(line)
                seen += ASSESSED in line
    finally:
        await stop(victim, signal.SIGKILL)
    assert victim.returncode == -signal.SIGKILL

    stream = SessionCompleted.stream(world.prefix)
    pending = await world.redis.xpending(stream, "credit")
    assert pending["pending"] == 1, "the victim died holding the SessionCompleted entry"
    assert [c["name"] for c in pending["consumers"]] == [b"victim"]
    assert await world.prequalification_count() == 0, "nothing of the open transaction stayed"
    assert await world.redis.xlen(CreditPrequalified.stream(world.prefix)) == 0

    survivor = await start_worker(
        worker_env(
            world,
            "survivor",
            CREDIT_RECLAIM_IDLE_MS="200",
            CREDIT_RECLAIM_INTERVAL_MS="100",
        )
    )
    try:
        async with asyncio.timeout(30):
            while True:
                published = await world.redis.xlen(CreditPrequalified.stream(world.prefix))
                info = await world.redis.xpending(stream, "credit")
                if published >= 17 and info["pending"] == 0:
                    break
                assert survivor.returncode is None, "survivor died"
                await asyncio.sleep(0.05)
    finally:
        await stop(survivor, signal.SIGTERM)

    assert await world.prequalification_count() == 17
    entries = await world.stream_entries(CreditPrequalified)
    assert len(entries) == 17
    ids = [CreditPrequalified.model_validate_json(e["data"]).participant_id for e in entries]
    assert sorted(ids) == sorted(pid for pid, done in outcomes if done)
