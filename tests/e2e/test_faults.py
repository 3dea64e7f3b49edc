"""Issue 15, "Must show": a campaign through every service while PostgreSQL is stopped for
longer than the dead-letter threshold would allow, and while Redis is flushed and then
recovered by the commands of the runbook docs/runbooks/redis-data-loss.md, read from it.

Must hold: every effect exactly once, 0 dead letters, 0 answers 500 (the APIs answer 503 while
the database is down; the demo's client retries them with the same Idempotency-Key, as any
client should).

The PostgreSQL and Redis are private to this test (``purna_shared.testing.servers``): stopping
and flushing them disturbs no other test. Thresholds are short so the test stays short: an
entry used to become a dead letter after 2 deliveries reclaimed 1 s apart (about 3 s); the
database stays down for 12 s.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis as sync_redis
from typer.testing import CliRunner

from purna.cli import app as purna_cli
from purna.demo import Api, VillageResult, run_demo
from purna.runner import System
from purna.services import SERVICES
from purna_notification.testing.gateway import FakeGateway
from purna_notification.testing.smtp import SmtpSink
from purna_shared.contracts.catalog import dead_letter_stream
from purna_shared.db import migrate_async
from purna_shared.net import free_port
from purna_shared.testing.servers import ThrowawayPostgres, ThrowawayRedis

from .conftest import RunningSystem, system_env
from .test_campaign import (
    VILLAGES,
    assert_funnel,
    expected_completion_messages,
    received_completion_messages,
    wait_for_messages,
)

pytestmark = pytest.mark.e2e

RUNBOOK = Path(__file__).parents[2] / "docs" / "runbooks" / "redis-data-loss.md"
OUTAGE_SECONDS = 8.0


def runbook_commands() -> list[list[str]]:
    """The ``purna ...`` lines of the runbook's shell blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", RUNBOOK.read_text(encoding="utf-8"), re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line.split() for line in lines if line.startswith("purna ")]


@pytest.fixture
def private_servers() -> Iterator[tuple[ThrowawayPostgres, ThrowawayRedis]]:
    postgres, redis = ThrowawayPostgres(), ThrowawayRedis()
    try:
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        redis.close()
        postgres.close()


@pytest.fixture
async def faulty_system(
    private_servers: tuple[ThrowawayPostgres, ThrowawayRedis],
    mailbox: tuple[SmtpSink, int],
    gateway: tuple[FakeGateway, str],
    tmp_path: Path,
) -> AsyncIterator[RunningSystem]:
    postgres, redis = private_servers
    env = system_env(redis.url, "", mailbox[1], gateway[1]) | {
        "RECLAIM_IDLE_MS": "1000",
        "RECLAIM_INTERVAL_MS": "300",
        "MAX_DELIVERIES": "2",
        "OUTAGE_BACKOFF_INITIAL_MS": "100",
        "OUTAGE_BACKOFF_MAX_MS": "1000",
        "DB_POOL_SIZE": "3",
        "DB_MAX_OVERFLOW": "5",
    }
    admin = await asyncpg.connect(postgres.url)
    try:
        for service in SERVICES:
            await admin.execute(f'CREATE DATABASE "{service.name}"')
    finally:
        await admin.close()
    urls = {service.name: postgres.database_url(service.name) for service in SERVICES}
    # one after another: Alembic's `context` is process-global, so migrations in parallel
    # threads configure each other's environments
    for service in SERVICES:
        await migrate_async(service.migrations_dir(), urls[service.name])
    for service in SERVICES:
        env[f"{service.env_prefix}DATABASE_URL"] = urls[service.name]
    system = System(tmp_path, env=env, ports={service.name: free_port() for service in SERVICES})
    system.start_services()
    try:
        await asyncio.to_thread(system.wait_ready, 90)
        yield RunningSystem(system, mailbox[0], gateway[0])
    finally:
        system.stop()


async def dead_letters_everywhere(
    postgres: ThrowawayPostgres, redis: ThrowawayRedis
) -> tuple[int, int]:
    """(entries on the dead-letter stream, rows in the four dead_letters tables)."""
    client = sync_redis.Redis.from_url(redis.url)
    try:
        on_stream = int(client.xlen(dead_letter_stream("")))
    finally:
        client.close()
    in_databases = 0
    for service in SERVICES:
        conn = await asyncpg.connect(postgres.url.rsplit("/", 1)[0] + f"/{service.name}")
        try:
            in_databases += int(await conn.fetchval("SELECT count(*) FROM dead_letters"))
        finally:
            await conn.close()
    return on_stream, in_databases


async def test_a_campaign_through_a_database_outage_and_a_redis_data_loss(
    faulty_system: RunningSystem,
    private_servers: tuple[ThrowawayPostgres, ThrowawayRedis],
) -> None:
    postgres, redis = private_servers
    running = faulty_system
    system = running.system
    commands = runbook_commands()
    assert [c[:3] for c in commands] == [
        ["purna", "outbox", "republish"],
        ["purna", "dlq", "restore"],
        ["purna", "dlq", "list"],
    ]
    api = Api(running.ports)
    demo = asyncio.create_task(
        asyncio.to_thread(run_demo, seed=21, ports=running.ports, trainings=VILLAGES[:1], api=api)
    )
    outage_done = flushed = False
    runbook_output: list[str] = []
    while not demo.done():
        registered = api.statuses[201]
        if not outage_done and registered >= 6:
            # registrations and their events in flight: the database goes away
            await asyncio.to_thread(postgres.stop)
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(postgres.start)
            outage_done = True
        if outage_done and not flushed and received_completion_messages(running).total() >= 3:
            # completions, pre-qualifications and their messages in flight: Redis loses all
            sync_redis.Redis.from_url(redis.url).flushall()
            flushed = True
            await asyncio.sleep(1)  # the workers notice and recreate their groups
            for command in commands:
                # the `purna` command itself, in-process (its start-up costs seconds)
                done = await asyncio.to_thread(
                    CliRunner().invoke, purna_cli, command[1:], env=system.env
                )
                assert done.exit_code == 0, done.output
                runbook_output.append(done.output)
        system.check_children()
        await asyncio.sleep(0.1)
    results: list[VillageResult] = demo.result()
    assert outage_done and flushed
    assert_funnel(results)

    expected = expected_completion_messages(results)
    received = await wait_for_messages(running, expected)
    assert received == expected  # every message once: nothing lost, nothing doubled
    keys = [(b["channel"], b["to"], b["template"]) for b in running.gateway.delivered]
    assert len(keys) == len(set(keys))
    emails = [(m.to, m.template) for m in running.mailbox.messages]
    assert len(emails) == len(set(emails))

    # the outage reached the APIs as 503s, never as 500s
    assert api.statuses[503] >= 1
    assert [s for s in api.statuses if s >= 500 and s != 503] == []
    # no dead letters: not on the stream, not in any service's database
    assert await dead_letters_everywhere(postgres, redis) == (0, 0)
    # the workers recreated their groups instead of exiting, and said so
    assert all(system.child(f"{s.name}-worker").restarts == 0 for s in SERVICES)
    logs = "".join(
        system.child(f"{s.name}-worker").log_path.read_text(errors="replace") for s in SERVICES
    )
    assert "consumer group was gone and has been recreated" in logs
    assert "re-published" in runbook_output[0]
