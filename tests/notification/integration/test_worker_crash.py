"""The worker process killed with SIGKILL halfway through sending a SessionCompleted's 25
messages: a second worker finishes the job, and the 20 participants get each message once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from .cohort import (
    COMPLETED_TEMPLATES,
    assert_twenty_recipients_once_each,
    registered_and_welcomed,
    session_completed,
)
from .conftest import World, wait_for

pytestmark = pytest.mark.integration


def worker_env(world: World, name: str) -> dict[str, str]:
    s = world.settings
    return os.environ | {
        "NOTIFICATION_DATABASE_URL": world.database_url,
        "NOTIFICATION_REDIS_URL": s.redis_url,
        "NOTIFICATION_STREAM_PREFIX": s.stream_prefix,
        "NOTIFICATION_CONSUMER_NAME": name,
        "NOTIFICATION_CONSUMER_BLOCK_MS": "50",
        "NOTIFICATION_RECLAIM_IDLE_MS": "500",
        "NOTIFICATION_RECLAIM_INTERVAL_MS": "200",
        "NOTIFICATION_RELAY_POLL_MS": "100",
        "NOTIFICATION_DELIVERY": "gateway",
        "NOTIFICATION_SMTP_HOST": "127.0.0.1",
        "NOTIFICATION_SMTP_PORT": str(s.smtp_port),
        "NOTIFICATION_SMTP_TIMEOUT_SECONDS": "1",
        "NOTIFICATION_GATEWAY_URL": s.gateway_url,
        "NOTIFICATION_GATEWAY_SECRET": s.gateway_secret.get_secret_value(),
        "NOTIFICATION_GATEWAY_TIMEOUT_SECONDS": "1",
        "NOTIFICATION_DISPATCH_CONCURRENCY": "2",
        "NOTIFICATION_DISPATCH_LEASE_SECONDS": "2",
        "NOTIFICATION_DISPATCH_POLL_MS": "50",
        # the real clock decides here: switch quiet hours off so the test runs at any hour
        "NOTIFICATION_QUIET_HOURS_START": "00:00",
        "NOTIFICATION_QUIET_HOURS_END": "00:00",
        "NOTIFICATION_LOG_LEVEL": "WARNING",
    }


def start_worker(world: World, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "purna_notification.entrypoints.worker"],
        env=worker_env(world, name),
        stderr=subprocess.PIPE,
    )


def messages_out(world: World) -> int:
    phone = {m["id"] for m in world.gateway.delivered if m["template"] in COMPLETED_TEMPLATES}
    mail = {m.message_id for m in world.smtp.messages if m.template in COMPLETED_TEMPLATES}
    return len(phone) + len(mail)


async def test_sigkill_halfway_still_reaches_each_recipient_once(world: World) -> None:
    await registered_and_welcomed(world)
    # slow outside servers that take a message at once and confirm it 0.2 s later: the kill
    # lands while sends are in flight, some of them already taken by the servers
    world.gateway.delay = 0.2
    world.smtp.delay = 0.2
    envelope = await world.publish(session_completed(), times=2)

    victim = start_worker(world, "victim")
    try:
        for _ in range(600):
            if messages_out(world) >= 8:
                break
            assert victim.poll() is None, victim.stderr.read().decode() if victim.stderr else ""
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the first worker never got going")
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    assert victim.returncode == -signal.SIGKILL
    rows = await world.rows(cause_event_id=envelope.id)
    sent_before = sum(r.status == "sent" for r in rows)
    assert len(rows) == 25 and sent_before < 25, "the worker should have died half-way"
    assert any(r.claim_token is not None for r in rows), "it died holding claims"

    survivor = start_worker(world, "survivor")
    try:

        async def all_sent() -> bool:
            current = await world.rows(cause_event_id=envelope.id)
            return len(current) == 25 and all(r.status == "sent" for r in current)

        await wait_for(all_sent, timeout=60)
    finally:
        survivor.send_signal(signal.SIGTERM)
        try:
            survivor.wait(10)
        except subprocess.TimeoutExpired:
            survivor.kill()
            survivor.wait()

    assert_twenty_recipients_once_each(world)
    rows = await world.rows(cause_event_id=envelope.id)
    assert len(rows) == 25 and {r.status for r in rows} == {"sent"}
    # every request to the gateway for these messages carried its delivery's id as its key
    keys = {r.id for r in rows}
    requests = [r for r in world.gateway.requests if r.body.get("template") in COMPLETED_TEMPLATES]
    assert {r.idempotency_key for r in requests} <= keys
    assert all(r.signature_valid for r in requests)
    # the victim died with messages taken by the servers but not yet confirmed: the survivor
    # sent them again (the at-least-once window) under the same key / Message-ID, and they
    # still count once above
    emails = [m for m in world.smtp.messages if m.template in COMPLETED_TEMPLATES]
    resent = (len(requests) - len({r.idempotency_key for r in requests})) + (
        len(emails) - len({m.message_id for m in emails})
    )
    assert resent >= 1
