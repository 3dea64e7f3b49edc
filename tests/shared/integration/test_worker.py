"""The worker process: consumer, relay and health endpoints run together."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest
from sqlalchemy import text

from purna_shared.contracts.catalog import dead_letter_stream
from purna_shared.contracts.envelope import Envelope
from purna_shared.messaging.worker import open_worker, run_worker
from purna_shared.net import free_port
from purna_shared.testing.probe import (
    ProbeEvent,
    effect_counts,
    install_probe_handler,
    probe_unit_of_work,
)

pytestmark = pytest.mark.integration


async def test_worker_relays_consumes_and_answers_probes(probe_world) -> None:
    world = probe_world
    port = free_port()
    settings = world.settings.model_copy(update={"worker_http_port": port})
    async with world.sessionmaker() as session, session.begin():
        await world.outbox.add(session, ProbeEvent(n=11))  # relayed by the worker, then consumed

    threshold_before = gc.get_threshold()
    async with open_worker(settings, unit_of_work=probe_unit_of_work()) as worker:
        assert gc.get_threshold()[0] >= settings.consumer_batch * 100  # see the unit tests
        install_probe_handler(worker.consumer)
        task = asyncio.create_task(run_worker(worker))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(100):
                    await asyncio.sleep(0.05)
                    async with world.sessionmaker() as session:
                        if await effect_counts(session) == {11: 1}:
                            break
                assert (await client.get("/livez")).status_code == 200
                ready = await client.get("/readyz")
                assert ready.status_code == 200, ready.text
                assert "process_cpu_seconds_total" in (await client.get("/metrics")).text
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert gc.get_threshold() == threshold_before
    async with world.sessionmaker() as session:
        assert await effect_counts(session) == {11: 1}
    stream = ProbeEvent.stream(settings.stream_prefix)
    [(_, fields)] = await world.redis.xrange(stream)
    assert Envelope.from_fields(fields).payload(ProbeEvent).n == 11


async def test_worker_goes_on_at_once_after_its_database_connections_are_dropped(
    probe_world,
) -> None:
    """Workers don't pre-ping pooled connections; a database restart or failover must still
    cost no entry and no wait for the reclaimer (set far beyond this test here)."""
    world = probe_world
    settings = world.settings.model_copy(update={"reclaim_idle_ms": 600_000})
    stream = ProbeEvent.stream(settings.stream_prefix)

    async def handled(expected: dict[int, int]) -> None:
        for _ in range(200):
            async with world.sessionmaker() as session:
                if await effect_counts(session) == expected:
                    return
            await asyncio.sleep(0.05)
        async with world.sessionmaker() as session:
            assert await effect_counts(session) == expected

    async with open_worker(settings, unit_of_work=probe_unit_of_work()) as worker:
        install_probe_handler(worker.consumer)
        task = asyncio.create_task(run_worker(worker))
        try:
            await world.redis.xadd(stream, Envelope.wrap(ProbeEvent(n=1), source="p").to_fields())
            await handled({1: 1})
            async with world.engine.connect() as conn:  # what a restart does to the pool
                dropped = await conn.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            assert dropped >= 1  # the worker's pooled connection was among them
            # One entry alone: its batch has no other entries to fall back to.
            await world.redis.xadd(stream, Envelope.wrap(ProbeEvent(n=2), source="p").to_fields())
            await handled({1: 1, 2: 1})
            async with world.sessionmaker() as session, session.begin():
                await world.outbox.add(session, ProbeEvent(n=3))  # the relay reconnects too
            await handled({1: 1, 2: 1, 3: 1})
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert await world.redis.xlen(dead_letter_stream(settings.stream_prefix)) == 0
