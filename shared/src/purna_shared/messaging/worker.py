"""A service's worker process: its event consumer and its outbox relay, supervised together."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ..db import make_engine, make_sessionmaker
from ..settings import PurnaSettings
from ..unit_of_work import UnitOfWork, UnitOfWorkFactory
from .broker import connect, make_broker
from .consumer import EventConsumer
from .health import ConsumerHealth, ConsumerHealthCollector
from .outbox import OutboxRelay
from .retention import RetentionSweeper

log = logging.getLogger(__name__)

U = TypeVar("U", bound=UnitOfWork)

# Tracked (container) objects a consumed entry keeps alive until its batch commits: its Redis
# fields, envelope, validated payload and delivery. Measured at about 45 on the bench's
# ParticipantRegistered with two batches in flight; handlers that load rows keep more.
_OBJECTS_PER_BATCHED_ENTRY = 100


@contextlib.contextmanager
def young_generation_for_batches(batch: int) -> Iterator[None]:
    """Size the collector's youngest generation above a consumer's working set, for the worker's
    lifetime.

    A batch's objects die together, by reference counting, when the batch is done. With the
    default threshold (700) the collector ran several times per batch of 100 and traversed the
    live batch each time, promoting it to older generations that were traversed again: about 6%
    of the consumer's CPU on the transport bench. Above the working set it runs only as the
    objects reference counting cannot free (cycles) pile up: every few hundred batches there."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], batch * _OBJECTS_PER_BATCHED_ENTRY), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass
class WorkerResources(Generic[U]):
    """What a worker's handlers need; built once per process by :func:`open_worker`."""

    settings: PurnaSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    consumer: EventConsumer[U]
    relay: OutboxRelay
    extra_tasks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


@contextlib.asynccontextmanager
async def open_worker(
    settings: PurnaSettings,
    *,
    unit_of_work: UnitOfWorkFactory[U],
    group: str | None = None,
) -> AsyncIterator[WorkerResources[U]]:
    """Open the database and Redis for a worker and build its consumer (its handlers get
    ``unit_of_work``'s units of work) and its relay."""
    broker = make_broker(settings)
    redis = await connect(broker)
    # No pre-ping: on asyncpg it costs three round trips (BEGIN, ping, ROLLBACK) before every
    # transaction. A worker's loops retry instead: the consumer retries the batch at once on
    # a fresh connection, the relay and the service loops on their next pass.
    engine = make_engine(
        settings.resolved_database_url, pool_pre_ping=False, **settings.engine_options
    )
    sessionmaker = make_sessionmaker(engine)
    try:
        with young_generation_for_batches(settings.consumer_batch):
            yield WorkerResources(
                settings=settings,
                engine=engine,
                sessionmaker=sessionmaker,
                redis=redis,
                consumer=EventConsumer(
                    redis=redis,
                    sessionmaker=sessionmaker,
                    settings=settings,
                    unit_of_work=unit_of_work,
                    group=group,
                ),
                relay=OutboxRelay(
                    engine=engine, sessionmaker=sessionmaker, redis=redis, settings=settings
                ),
            )
    finally:
        await broker.stop()
        await engine.dispose()


async def supervise(tasks: Sequence[Callable[[], Awaitable[None]]]) -> None:
    """Run the tasks until SIGTERM/SIGINT (clean exit) or until one fails (re-raised, so the
    process exits non-zero and its supervisor restarts it)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    running: list[asyncio.Task[None]] = [asyncio.ensure_future(task()) for task in tasks]
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([*running, stopper], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopper and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in [*running, stopper]:
            task.cancel()
        await asyncio.gather(*running, stopper, return_exceptions=True)


async def run_worker(resources: WorkerResources[Any]) -> None:
    """Consume, relay and run the service's extra loops until stopped; serve health and
    metrics too when ``worker_http_port`` is set (probes and Prometheus need them)."""
    sweeper = RetentionSweeper(resources.sessionmaker, resources.settings)
    tasks = [resources.relay.run, sweeper.run, *resources.extra_tasks]
    if resources.consumer.streams:  # a service may subscribe to nothing (registration in v1)
        tasks.append(resources.consumer.run)
    if resources.settings.worker_http_port is not None:
        tasks.append(lambda: _serve_health(resources))
    await supervise(tasks)


def expose_consumer_health(app: Any, health: ConsumerHealth) -> None:
    """Show the consumer's state in the health app's ``/readyz`` and ``/metrics``."""
    app.state.readiness_details = {"consumer": health.detail}
    app.state.metrics_registry.register(ConsumerHealthCollector(health))


async def _serve_health(resources: WorkerResources[Any]) -> None:
    import uvicorn

    from ..http.app import ServiceResources, create_service_app

    @contextlib.asynccontextmanager
    async def same_resources(_settings: PurnaSettings) -> AsyncIterator[ServiceResources]:
        yield ServiceResources(resources.engine, resources.sessionmaker, resources.redis)

    settings = resources.settings
    app = create_service_app(
        settings,
        title=f"{settings.service} worker",
        version="1",
        lifespan_resources=same_resources,
    )
    expose_consumer_health(app, resources.consumer.health)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.worker_http_port or 0,
        log_config=None,
        access_log=False,
    )

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # supervise() owns SIGTERM/SIGINT for the whole process

    await _Server(config).serve()
