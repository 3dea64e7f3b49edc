"""The worker process: consumer, relay and health endpoints run together."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from purna_shared.contracts.envelope import Envelope
from purna_shared.messaging.worker import open_worker, run_worker
from purna_shared.net import free_port
from purna_shared.testing.probe import ProbeEvent, effect_counts, install_probe_handler

pytestmark = pytest.mark.integration


async def test_worker_relays_consumes_and_answers_probes(probe_world) -> None:
    world = probe_world
    port = free_port()
    settings = world.settings.model_copy(update={"worker_http_port": port})
    async with world.sessionmaker() as session, session.begin():
        await world.outbox.add(session, ProbeEvent(n=11))  # relayed by the worker, then consumed

    async with open_worker(settings) as worker:
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
    async with world.sessionmaker() as session:
        assert await effect_counts(session) == {11: 1}
    stream = ProbeEvent.stream(settings.stream_prefix)
    [(_, fields)] = await world.redis.xrange(stream)
    assert Envelope.from_fields(fields).payload(ProbeEvent).n == 11
