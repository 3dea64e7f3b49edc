"""Issue 15 items 15 and 16 on the consumer side.

* An outage of the database longer than the dead-letter threshold ends with no dead letters
  and every event handled once: a delivery that failed because a dependency was unavailable
  is not an attempt.
* A consumer whose group and stream vanish (Redis flushed) recreates them and says so (error
  log, metric, ``/readyz``) instead of exiting.
* Dead letters are recorded in the service's database too, and come back on the stream after
  Redis lost them.

The outage and the flush happen on private servers (``purna_shared.testing.servers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from prometheus_client import generate_latest
from redis.asyncio import Redis

from purna_shared.contracts.catalog import dead_letter_stream
from purna_shared.contracts.envelope import Envelope
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.http.app import ServiceResources, create_service_app
from purna_shared.messaging.consumer import EventConsumer
from purna_shared.messaging.dead_letter_log import recorded_dead_letters, restore_dead_letters
from purna_shared.messaging.worker import expose_consumer_health
from purna_shared.testing.plugin import DatabaseFactory
from purna_shared.testing.probe import (
    ProbeEvent,
    ProbeSettings,
    create_tables,
    effect_counts,
    install_probe_handler,
    probe_unit_of_work,
)
from purna_shared.testing.servers import ThrowawayPostgres, ThrowawayRedis
from purna_shared.testing.waiting import until

pytestmark = pytest.mark.integration


def entry(event: ProbeEvent) -> dict[str, str]:
    return Envelope.wrap(event, source="probe").to_fields()


@pytest.fixture
def private_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def private_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    try:
        yield server
    finally:
        server.close()


def fast_settings(**values: object) -> ProbeSettings:
    """Thresholds short enough that an outage of a few seconds is many times the time after
    which entries used to be dead-lettered (3 deliveries, reclaimed after 300 ms)."""
    return ProbeSettings(
        consumer_block_ms=50,
        reclaim_idle_ms=300,
        reclaim_interval_ms=100,
        max_deliveries=3,
        outage_backoff_initial_ms=50,
        outage_backoff_max_ms=300,
        **values,  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def running(*consumers: EventConsumer) -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks = [asyncio.create_task(c.run()) for c in consumers]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_database_outage_beyond_the_dead_letter_threshold_leaves_no_dead_letter(
    private_postgres: ThrowawayPostgres, redis_client: Redis, redis_url: str, stream_prefix: str
) -> None:
    admin = await asyncpg.connect(private_postgres.url)
    await admin.execute("CREATE DATABASE probe")
    await admin.close()
    url = private_postgres.database_url("probe")
    engine = make_engine(url, pool_pre_ping=False)
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    settings = fast_settings(redis_url=redis_url, database_url=url, stream_prefix=stream_prefix)
    stream = ProbeEvent.stream(stream_prefix)
    # two replicas, as deployed: each one's reclaimer would take the other's idle entries
    consumers = [
        EventConsumer(
            redis=redis_client,
            sessionmaker=sessionmaker,
            settings=settings.model_copy(update={"consumer_name": name}),
            unit_of_work=probe_unit_of_work(),
        )
        for name in ("replica-a", "replica-b")
    ]
    for consumer in consumers:
        install_probe_handler(consumer)
    try:
        async with running(*consumers) as tasks:
            for n in range(1, 11):
                await redis_client.xadd(stream, entry(ProbeEvent(n=n)))

            async def first_ten_handled() -> bool:
                async with sessionmaker() as session:
                    return len(await effect_counts(session)) == 10

            await until(first_ten_handled, 20)

            private_postgres.stop()  # an immediate stop: connections die mid-use
            for n in range(11, 41):
                await redis_client.xadd(stream, entry(ProbeEvent(n=n)))
            # 4 s: more than ten times the old dead-letter threshold (3 x 300 ms + reclaims)
            await asyncio.sleep(4)
            assert await redis_client.xlen(dead_letter_stream(stream_prefix)) == 0
            assert all(c.health.waiting_since is not None for c in consumers)
            private_postgres.start()

            async def all_handled() -> bool:
                with contextlib.suppress(Exception):
                    async with sessionmaker() as session:
                        return len(await effect_counts(session)) == 40
                return False

            await until(all_handled, 30, interval=0.2)
            assert not any(task.done() for task in tasks)

        async with sessionmaker() as session:
            assert await effect_counts(session) == {n: 1 for n in range(1, 41)}
        assert await redis_client.xlen(dead_letter_stream(stream_prefix)) == 0
        assert sum(c.health.outage_waits for c in consumers) >= 1
        assert all(c.health.waiting_since is None for c in consumers)
        groups = await redis_client.xinfo_groups(stream)
        assert groups[0]["pending"] == 0
    finally:
        await engine.dispose()


async def test_a_consumer_whose_group_and_stream_vanish_recreates_them_and_says_so(
    private_redis: ThrowawayRedis,
    database_factory: DatabaseFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = await database_factory.create()
    engine = make_engine(url)
    await create_tables(engine)
    redis = Redis.from_url(private_redis.url)
    settings = fast_settings(redis_url=private_redis.url, database_url=url)
    consumer = EventConsumer(
        redis=redis,
        sessionmaker=make_sessionmaker(engine),
        settings=settings,
        unit_of_work=probe_unit_of_work(),
    )
    install_probe_handler(consumer)
    stream = ProbeEvent.stream()

    async def handled(count: int) -> bool:
        async with make_sessionmaker(engine)() as session:
            return len(await effect_counts(session)) == count

    try:
        async with running(consumer) as (task,):
            for n in range(1, 4):
                await redis.xadd(stream, entry(ProbeEvent(n=n)))
            await until(lambda: handled(3), 10, watching=task)

            with caplog.at_level(logging.ERROR, logger="purna_shared.messaging.consumer"):
                await redis.flushall()  # Redis lost its data: streams, groups, pending lists
                await asyncio.sleep(0.3)
                for n in range(4, 7):  # published after the loss
                    await redis.xadd(stream, entry(ProbeEvent(n=n)))
                await until(lambda: handled(6), 10, watching=task)
            assert not task.done()  # it used to exit on NOGROUP and stay down
        assert any("recreated" in r.getMessage() for r in caplog.records)
        assert consumer.health.groups_recreated == {stream: 1}

        # the worker's health app shows it in /readyz and /metrics
        app = create_service_app(settings, title="probe worker", version="1")
        app.state.resources = ServiceResources(engine, make_sessionmaker(engine), redis)
        expose_consumer_health(app, consumer.health)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            ready = (await client.get("/readyz")).json()
        assert ready["consumer"]["groups_recreated"] == {stream: 1}
        assert "purna outbox republish" in ready["consumer"]["status"]
        metrics = generate_latest(app.state.metrics_registry).decode()
        assert (
            f'purna_consumer_groups_recreated_total{{group="probe",stream="{stream}"}} 1.0'
            in metrics
        )
    finally:
        await redis.aclose()
        await engine.dispose()


async def test_dead_letters_are_kept_in_the_database_and_restored_after_redis_lost_them(
    probe_world,  # type: ignore[no-untyped-def]
) -> None:
    world = probe_world
    prefix = world.settings.stream_prefix
    stream = ProbeEvent.stream(prefix)
    await world.redis.xadd(stream, entry(ProbeEvent(n=1, fail=True)))
    await world.redis.xadd(stream, entry(ProbeEvent(n=2)) | {"data": "{not json"})
    consumer = world.consumer()
    install_probe_handler(consumer)
    dlq = dead_letter_stream(prefix)

    async def two_dead() -> bool:
        return await world.redis.xlen(dlq) == 2

    async with running(consumer) as (task,):
        await until(two_dead, 20, watching=task)

    async with world.sessionmaker() as session:
        recorded = await recorded_dead_letters(session)
    assert len(recorded) == 2
    assert {r["consumer_group"] for r in recorded} == {"probe"}
    assert {r["stream"] for r in recorded} == {stream}
    assert "probe 1 asked to fail" in recorded[0]["error"] or "probe 1" in recorded[1]["error"]

    await world.redis.delete(dlq)  # Redis lost its data
    async with world.sessionmaker() as session:
        assert await restore_dead_letters(session, world.redis, prefix=prefix) == 2
        assert await restore_dead_letters(session, world.redis, prefix=prefix) == 0  # idempotent
    restored = await world.redis.xrange(dlq)
    assert {fields[b"stream"].decode() for _, fields in restored} == {stream}
