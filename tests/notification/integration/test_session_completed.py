"""A SessionCompleted with 20 outcomes reaches exactly 20 recipients, once each, with the right
text for completers and non-completers, at a real SMTP server and a real HTTP gateway."""

from __future__ import annotations

import asyncio

import pytest

from purna_shared.contracts.events import NotificationSent

from .cohort import assert_twenty_recipients_once_each, registered_and_welcomed, session_completed
from .conftest import World

pytestmark = pytest.mark.integration


async def test_twenty_outcomes_reach_twenty_recipients_once_even_when_delivered_twice(
    world: World,
) -> None:
    await registered_and_welcomed(world)

    envelope = await world.publish(session_completed(), times=2)  # the same entry twice
    await world.consume()
    await world.publish_again(envelope)  # and once more after it was handled and acked
    await world.consume()

    rows = await world.rows(cause_event_id=envelope.id)
    assert len(rows) == 25
    assert {r.status for r in rows} == {"scheduled"}

    # two dispatchers at once (two worker processes): SKIP LOCKED keeps them apart
    first, second = world.dispatcher(), world.dispatcher()
    handled = await asyncio.gather(first.dispatch_due(), second.dispatch_due())
    assert sum(handled) == 25

    assert_twenty_recipients_once_each(world)
    assert len(world.smtp.messages) == 10  # in one process nothing is even resent
    assert [r.status for r in world.gateway.requests] == [200] * 15  # nothing sent twice
    rows = await world.rows(cause_event_id=envelope.id)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    assert all(r.sent_at is not None for r in rows)
    sms = [r for r in rows if r.channel == "sms"]
    assert all(r.segments in (1, 2) for r in sms)

    sent_events = await world.staged_events(NotificationSent.stream())
    ours = [e for e in sent_events if e["causationid"] == envelope.id]
    assert len(ours) == 25
    assert all(e["correlationid"] == envelope.correlationid for e in ours)
