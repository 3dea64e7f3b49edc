"""Training's participant handlers on the fast tier: the real unit of work, repository and SQL,
on an in-memory SQLite database (``purna_shared.testing.unit_of_work``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from purna_shared.clock import FixedClock
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
)
from purna_shared.testing.events import example
from purna_shared.testing.unit_of_work import InMemoryDatabase
from purna_training.adapters.orm import metadata as training_metadata
from purna_training.bootstrap import build_unit_of_work
from purna_training.entrypoints.consumers import SUBSCRIPTIONS

pytestmark = pytest.mark.unit

PID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"
NOW = datetime(2024, 8, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> Any:
    async with InMemoryDatabase(training_metadata) as database:
        yield database


async def handle(db: Any, event: Any) -> None:
    use_case = SUBSCRIPTIONS[type(event)]
    await db.transactions(build_unit_of_work(FixedClock(NOW)))(lambda uow: use_case(uow, event))


async def record(db: Any) -> Any:
    run = db.transactions(build_unit_of_work(FixedClock(NOW)))
    return await run(lambda uow: uow.repo.participant(PID))


async def test_the_copy_ends_in_the_newest_state_whatever_the_order(db: Any) -> None:
    renamed = example(
        ParticipantUpdated,
        participant_id=PID,
        version=2,
        changed=["full_name"],
        full_name="Baiq Nurul",
        phone=None,
        consent=None,
    )
    withdrawn = example(ConsentWithdrawn, participant_id=PID, version=3)
    for event in (withdrawn, renamed, example(ParticipantRegistered, participant_id=PID)):
        await handle(db, event)
    participant = await record(db)
    assert participant is not None
    assert participant.registered
    assert participant.full_name == "Baiq Nurul"
    assert not participant.consent_granted
    assert participant.withdrawn_at == withdrawn.withdrawn_at
