"""A notification world for integration tests: real PostgreSQL and Redis, a real local SMTP
server (aiosmtpd) and a real local HTTP gateway, and a controlled clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_notification.adapters.channels import ChannelSender
from purna_notification.adapters.orm import MIGRATIONS_DIR, deliveries, delivery_attempts
from purna_notification.bootstrap import (
    build_channels,
    build_dispatcher,
    build_message_policy,
    build_unit_of_work,
)
from purna_notification.domain.clock import ControlledClock
from purna_notification.entrypoints.consumers import register
from purna_notification.service_layer.dispatcher import Dispatcher
from purna_notification.settings import NotificationSettings
from purna_notification.testing.gateway import FakeGateway, serve_in_thread
from purna_notification.testing.smtp import SmtpSink, smtp_sink
from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.messaging.consumer import EventConsumer
from purna_shared.messaging.outbox import OutboxRelay
from purna_shared.messaging.tables import outbox
from purna_shared.reference import Zone
from purna_shared.testing.plugin import DatabaseFactory

WITA = Zone.WITA.tz
GATEWAY_SECRET = "test-gateway-secret"
#: a Thursday noon in Lombok: outside quiet hours
NOON_WITA = datetime(2024, 8, 15, 12, 0, tzinfo=WITA)


# -- a real SMTP server -------------------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpSink, int]]:
    with smtp_sink() as server:
        yield server


@pytest.fixture
def gateway_server() -> Iterator[tuple[FakeGateway, str]]:
    gateway = FakeGateway(secret=GATEWAY_SECRET)
    with serve_in_thread(gateway) as base_url:
        yield gateway, f"{base_url}/v1/messages"


# -- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    settings: NotificationSettings
    database_url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    clock: ControlledClock
    smtp: SmtpSink
    gateway: FakeGateway
    _senders: list[ChannelSender] = field(default_factory=list)

    def consumer(self, **overrides: Any) -> EventConsumer[Any]:
        settings = self.settings.model_copy(update=overrides)
        consumer = EventConsumer(
            redis=self.redis,
            sessionmaker=self.sessionmaker,
            settings=settings,
            unit_of_work=build_unit_of_work(self.clock),
        )
        register(consumer, build_message_policy(settings))
        return consumer

    def dispatcher(self, **overrides: Any) -> Dispatcher:
        settings = self.settings.model_copy(update=overrides)
        channels = build_channels(settings)
        dispatcher = build_dispatcher(
            settings,
            engine=self.engine,
            sessionmaker=self.sessionmaker,
            channels=channels,
            clock=self.clock,
        )
        self._senders.extend({id(c): c for c in channels.values()}.values())
        return dispatcher

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            engine=self.engine,
            sessionmaker=self.sessionmaker,
            redis=self.redis,
            settings=self.settings,
        )

    async def publish(self, event: IntegrationEvent, *, times: int = 1) -> Envelope:
        """XADD ``event`` as its producer would (``times`` > 1: the same entry again)."""
        envelope = Envelope.wrap(event, source=event.producer)
        for _ in range(times):
            await self.redis.xadd(event.stream(self.settings.stream_prefix), envelope.to_fields())
        return envelope

    async def publish_again(self, envelope: Envelope) -> None:
        """XADD an envelope already published (a relay retry, a redrive)."""
        stream = f"{self.settings.stream_prefix}{envelope.type}"
        await self.redis.xadd(stream, envelope.to_fields())

    async def consume(self, consumer: EventConsumer | None = None) -> None:
        """Run a consumer until every entry on the streams it reads is handled and acked."""
        consumer = consumer or self.consumer()
        await run_until(consumer.run, lambda: all_handled(self.redis, consumer))

    async def register(self, participant: dict[str, Any]) -> Envelope:
        return await self.publish(participant_registered(**participant))

    async def rows(self, **where: Any) -> list[Any]:
        query = select(deliveries).order_by(deliveries.c.created_at, deliveries.c.id)
        for key, value in where.items():
            query = query.where(deliveries.c[key] == value)
        async with self.sessionmaker() as session:
            return list((await session.execute(query)).all())

    async def attempts(self, delivery_id: str) -> list[Any]:
        async with self.sessionmaker() as session:
            return list(
                (
                    await session.execute(
                        select(delivery_attempts)
                        .where(delivery_attempts.c.delivery_id == delivery_id)
                        .order_by(delivery_attempts.c.attempt)
                    )
                ).all()
            )

    async def staged_events(self, stream_name: str) -> list[dict[str, Any]]:
        """Outbox rows of one event type (their stream entries), oldest first."""
        import json

        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(outbox.c.entry)
                .where(outbox.c.stream == stream_name)
                .order_by(outbox.c.position)
            )
            return [json.loads(row.entry) for row in rows]

    async def close(self) -> None:
        for sender in self._senders:
            await sender.aclose()


async def all_handled(redis: Redis, consumer: EventConsumer) -> bool:
    for stream in consumer.streams:
        if not await redis.exists(stream):
            continue
        groups = await redis.xinfo_groups(stream)
        group = next((g for g in groups if g["name"].decode() == consumer.group), None)
        length = await redis.xlen(stream)
        if group is None or group["pending"] or (group["entries-read"] or 0) < length:
            return False
    return True


async def run_until(
    task_factory: Callable[[], Awaitable[None]],
    condition: Callable[[], Awaitable[bool]],
    timeout: float = 20.0,
) -> None:
    task = asyncio.ensure_future(task_factory())
    try:
        for _ in range(int(timeout / 0.02)):
            if task.done():
                task.result()
            if await condition():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("condition not met in time")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_for(condition: Callable[[], Awaitable[bool] | bool], timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.02)):
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def participant_registered(
    participant_id: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    channels: tuple[str, ...] = ("sms",),
    full_name: str = "Baiq Nurul Aini",
    gender: str = "P",
    office: str = "NTB",
    version: int = 1,
    address: dict[str, str] | None = None,
) -> ParticipantRegistered:
    example = ParticipantRegistered.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    return ParticipantRegistered.model_validate(
        {
            **example,
            "participant_id": participant_id,
            "phone": phone,
            "email": email,
            "consent": {**example["consent"], "channels": list(channels)},
            "full_name": full_name,
            "gender": gender,
            "office": office,
            "version": version,
            "address": address or example["address"],
        }
    )


def make_settings(
    database_url: str, redis_url: str, prefix: str, smtp_port: int, gateway_url: str
) -> NotificationSettings:
    return NotificationSettings(
        database_url=database_url,
        redis_url=redis_url,
        stream_prefix=prefix,
        consumer_name="test-notification",
        consumer_block_ms=20,
        reclaim_idle_ms=200,
        reclaim_interval_ms=50,
        relay_poll_ms=20,
        max_deliveries=3,
        delivery="gateway",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_timeout_seconds=2,
        gateway_url=gateway_url,
        gateway_secret=GATEWAY_SECRET,
        gateway_timeout_seconds=2,
        dispatch_poll_ms=20,
        dispatch_lease_seconds=30,
        retry_base_seconds=1,
        retry_max_delay_seconds=60,
        retry_max_attempts=4,
        quiet_hours_start=time(21, 0),
        quiet_hours_end=time(7, 0),
    )


@pytest.fixture
async def world(
    database_factory: DatabaseFactory,
    redis_client: Redis,
    redis_url: str,
    stream_prefix: str,
    smtp_server: tuple[SmtpSink, int],
    gateway_server: tuple[FakeGateway, str],
) -> AsyncIterator[World]:
    url = await database_factory.create(MIGRATIONS_DIR)
    engine = make_engine(url)
    sink, smtp_port = smtp_server
    gateway, gateway_url = gateway_server
    settings = make_settings(url, redis_url, stream_prefix, smtp_port, gateway_url)
    world = World(
        settings=settings,
        database_url=url,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        redis=redis_client,
        clock=ControlledClock(NOON_WITA.astimezone(UTC)),
        smtp=sink,
        gateway=gateway,
    )
    yield world
    await world.close()
    await engine.dispose()
