"""The one broker factory: every Purna process reaches Redis through it."""

from __future__ import annotations

from faststream.redis import RedisBroker
from redis.asyncio import Redis

from ..settings import PurnaSettings


def make_broker(settings: PurnaSettings) -> RedisBroker:
    """A FastStream ``RedisBroker`` for the settings' Redis."""
    return RedisBroker(settings.redis_url, health_check_interval=15, socket_keepalive=True)


async def connect(broker: RedisBroker) -> Redis:
    """Connect the broker and return its redis-py client, which Purna's relay and consumers use
    for the stream commands FastStream does not expose (pipelined XADD, XAUTOCLAIM, XPENDING)."""
    return await broker.connect()
