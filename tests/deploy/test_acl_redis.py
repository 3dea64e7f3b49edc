"""The generated ACL rules, tried on a real Redis: what a service's worker and api do is allowed,
everything else is refused. Users and streams are made unique per test and removed after."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import NoPermissionError, ResponseError

from purna import deploy
from purna_shared.contracts.catalog import (
    dead_letter_stream,
    streams_consumed_by,
    streams_produced_by,
)

pytestmark = pytest.mark.integration

PASSWORD = "acl-test-password-0123456789"


def setuser_args(rule: str) -> list[str]:
    """``user NAME rules...`` -> ACL SETUSER arguments (a selector stays one argument)."""
    tokens = re.findall(r"\([^)]*\)|\S+", rule)
    assert tokens[0] == "user"
    return [
        f">{PASSWORD}" if re.fullmatch(r"\$\{REDIS_PASSWORD_[A-Z0-9_]+\}", t) else t
        for t in tokens[1:]
    ]


@pytest.fixture
async def as_user(
    redis_client: Redis, redis_url: str
) -> AsyncIterator[Callable[[str], Awaitable[Redis]]]:
    created: list[str] = []
    clients: list[Redis] = []

    async def connect(rule: str) -> Redis:
        name, *rules = setuser_args(rule)
        await redis_client.execute_command("ACL", "SETUSER", name, "reset", *rules)
        created.append(name)
        client: Redis = Redis.from_url(redis_url, username=name, password=PASSWORD)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.aclose()
    if created:
        await redis_client.execute_command("ACL", "DELUSER", *created)


async def refused(call: Awaitable[Any]) -> bool:
    try:
        await call
    except NoPermissionError:
        return True
    return False


@pytest.mark.parametrize("service", ["training", "notification"])
async def test_a_consuming_service_can_do_its_work_and_nothing_else(
    service: str,
    redis_client: Redis,
    stream_prefix: str,
    as_user: Callable[[str], Awaitable[Redis]],
) -> None:
    user = f"acltest-{uuid.uuid4().hex[:8]}-{service}"
    client = await as_user(deploy.service_user(service, prefix=stream_prefix, user=user))
    own = streams_produced_by(service, stream_prefix)[0]
    consumed = streams_consumed_by(service, stream_prefix)[0]
    dead = dead_letter_stream(stream_prefix)
    other = streams_produced_by("credit", stream_prefix)[0]  # another service's stream

    # the relay and the api
    assert await client.ping()
    await client.xadd(own, {"data": "{}"}, maxlen=1000, approximate=True)
    # the consumer: group at 0, bounded reads, pending, reclaim, ack, dead letter + ack in MULTI
    entry = await redis_client.xadd(consumed, {"data": "{}"})
    await client.xgroup_create(consumed, service, id="0", mkstream=True)
    read = await client.xreadgroup(service, "c1", {consumed: ">"}, count=100, block=10)
    assert read[0][1][0][0] == entry
    assert await client.xpending_range(consumed, service, min="-", max="+", count=10)
    await client.xautoclaim(consumed, service, "c2", min_idle_time=0, start_id="0-0", count=10)
    async with client.pipeline(transaction=True) as pipe:
        pipe.xadd(dead, {"stream": consumed, "entry_id": entry})
        pipe.xack(consumed, service, entry)
        await pipe.execute()
    # what KEDA's redis-streams scaler reads with the worker's credentials
    groups = await client.xinfo_groups(consumed)
    assert groups[0]["name"].decode() == service and groups[0]["lag"] == 0
    await client.xinfo_stream(consumed)

    # and nothing else
    assert await refused(client.xadd(consumed, {"data": "{}"}))  # only its producer adds
    assert await refused(client.xadd(other, {"data": "{}"}))
    assert await refused(client.xrange(own))
    assert await refused(client.xrange(consumed))
    assert await refused(client.xrange(dead))
    assert await refused(client.xtrim(own, maxlen=0))
    assert await refused(client.xdel(consumed, entry))
    assert await refused(client.delete(own))
    assert await refused(client.execute_command("XGROUP", "DESTROY", consumed, service))
    assert await refused(client.keys("*"))
    assert await refused(client.execute_command("FLUSHALL"))
    assert await refused(client.config_get("*"))
    assert await refused(client.publish("channel", "x"))


async def test_a_subscriber_reads_with_its_own_group_and_cannot_write(
    redis_client: Redis, stream_prefix: str, as_user: Callable[[str], Awaitable[Redis]]
) -> None:
    name = f"acltest-{uuid.uuid4().hex[:8]}-sub"
    granted, refused_stream = streams_produced_by("training", stream_prefix)[-2:]
    client = await as_user(deploy.subscriber_user(name, [granted]))
    entry = await redis_client.xadd(granted, {"data": "{}"})
    await redis_client.xadd(refused_stream, {"data": "{}"})
    await client.xgroup_create(granted, "dukcapil", id="0", mkstream=True)
    assert (await client.xreadgroup("dukcapil", "c", {granted: ">"}, count=10))[0][1][0][0] == entry
    await client.xack(granted, "dukcapil", entry)
    assert [e[0] for e in await client.xrange(granted)] == [entry]
    assert await refused(client.xadd(granted, {"data": "{}"}))
    assert await refused(client.xdel(granted, entry))
    assert await refused(client.xrange(refused_stream))
    assert await refused(client.xrange(dead_letter_stream(stream_prefix)))


async def test_every_generated_service_rule_is_accepted_by_redis(
    redis_client: Redis, as_user: Callable[[str], Awaitable[Redis]]
) -> None:
    for line in deploy.acl_template().splitlines():
        name = line.split()[1]
        if name in ("default", "admin"):
            continue  # never touch the shared server's own users
        renamed = line.replace(f"user {name} ", f"user acltest-{uuid.uuid4().hex[:8]}-{name} ", 1)
        try:
            await as_user(renamed)
        except ResponseError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"Redis refused {line!r}: {exc}")
