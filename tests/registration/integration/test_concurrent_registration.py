"""The same NIK posted 20 times at once, through two API instances (as two scaled-out
processes would): one participant, one event; the others get 409 with its id."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from purna_registration.entrypoints.api import create_app
from purna_registration.settings import RegistrationSettings
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.messaging.outbox import OutboxRelay

pytestmark = pytest.mark.integration


async def test_twenty_concurrent_posts_of_one_nik_make_one_participant_and_one_event(
    settings: RegistrationSettings,
    ntb: dict[str, str],
    body_for: Callable[..., dict[str, Any]],
    relay: OutboxRelay,
    store: Any,
) -> None:
    apps = [create_app(settings), create_app(settings)]  # each with its own engine and pool
    async with (
        apps[0].router.lifespan_context(apps[0]),
        apps[1].router.lifespan_context(apps[1]),
    ):
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://test")
            for a in apps
        ]
        start = asyncio.Event()

        async def post(i: int) -> httpx.Response:
            await start.wait()
            # Different names and idempotency keys: these are 20 different requests.
            return await clients[i % 2].post(
                "/participants",
                json=body_for(7, full_name=f"Baiq Nurul Aini {'I' * (i % 3 + 1)}"),
                headers={**ntb, "Idempotency-Key": f"attempt-{i}"},
            )

        tasks = [asyncio.create_task(post(i)) for i in range(20)]
        start.set()
        responses = await asyncio.gather(*tasks)
        for c in clients:
            await c.aclose()

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 19}
    [created] = [r.json() for r in responses if r.status_code == 201]
    assert {r.json()["participant_id"] for r in responses if r.status_code == 409} == {
        created["id"]
    }
    assert await store.participants() == 1
    assert await relay.publish_pending() == 1
    events = await store.events(ParticipantRegistered)
    assert [e.participant_id for _, e in events] == [created["id"]]
