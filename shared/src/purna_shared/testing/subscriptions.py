"""What a service's worker subscribes to, without Redis or a database (for the unit test that
a service's subscriptions equal ``catalog.CONSUMERS[service]``: a handler the catalog does not
list would be refused by the production Redis ACL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..contracts.base import IntegrationEvent
from ..messaging.consumer import EventConsumer
from ..settings import PurnaSettings
from ..unit_of_work import UnitOfWork, UnitOfWorkFactory


def subscribed_events(
    settings: PurnaSettings, register: Callable[[EventConsumer[Any]], None]
) -> set[type[IntegrationEvent]]:
    """The event types ``register`` subscribes a consumer of ``settings.service`` to."""
    consumer: EventConsumer[Any] = EventConsumer(
        redis=cast(Redis, None),  # never used: nothing is read
        sessionmaker=cast("async_sessionmaker[AsyncSession]", None),
        settings=settings,
        unit_of_work=UnitOfWorkFactory(UnitOfWork, settings.service),
    )
    register(consumer)
    return set(consumer.events)
