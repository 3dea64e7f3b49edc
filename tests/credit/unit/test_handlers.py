"""Credit's event handlers on the fast tier: the real unit of work, repository and SQL, on an
in-memory SQLite database (``purna_shared.testing.unit_of_work``), no Redis, no PostgreSQL."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import pytest

from purna_credit.adapters.orm import Participant
from purna_credit.adapters.orm import metadata as credit_metadata
from purna_credit.bootstrap import build_unit_of_work
from purna_credit.domain.rules import DEFAULT_RULES
from purna_credit.service_layer.assessments import assess_completed_session
from purna_credit.service_layer.read_model import apply_participant_event
from purna_credit.service_layer.unit_of_work import CreditUnitOfWork
from purna_shared.clock import FixedClock
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    CreditPrequalified,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
)
from purna_shared.messaging.consumer import Retry
from purna_shared.testing.events import example
from purna_shared.testing.unit_of_work import InMemoryDatabase
from purna_shared.unit_of_work import Cause, Transactions

pytestmark = pytest.mark.unit

PID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
MOVED = {"province_code": "53", "regency_code": "5301", "district": "D", "village": "V"}


def registered() -> ParticipantRegistered:
    return example(ParticipantRegistered, participant_id=PID, version=1, birth_date="1990-04-17")


def moved(version: int) -> ParticipantUpdated:
    return example(
        ParticipantUpdated,
        participant_id=PID,
        version=version,
        changed=["address"],
        address=MOVED,
        phone=None,
        consent=None,
    )


def completed() -> SessionCompleted:
    return example(
        SessionCompleted,
        programme={"code": "TENUN-TAS", "name": "Tenun dan tas", "category": "crafts"},
        outcomes=[
            {
                "participant_id": PID,
                "completed": True,
                "attendance_rate": 1.0,
                "certificate_no": "NTB/2026/TENUN/0001",
            }
        ],
    )


async def copy_of(run: Transactions[CreditUnitOfWork]) -> Participant | None:
    return await run(lambda uow: uow.repo.participant(PID))


@pytest.fixture
async def db() -> Any:
    async with InMemoryDatabase(credit_metadata) as database:
        yield database


async def test_an_update_ahead_of_its_registration_waits_on_a_placeholder(db: Any) -> None:
    run = db.transactions(build_unit_of_work(FixedClock(NOW)))
    await run(lambda uow: apply_participant_event(uow, moved(2)))
    placeholder = await copy_of(run)
    assert placeholder is not None
    assert not placeholder.registered
    assert placeholder.province_code == "53"

    await run(lambda uow: apply_participant_event(uow, registered()))
    participant = await copy_of(run)
    assert participant is not None
    assert participant.registered
    assert participant.version == 2
    assert participant.province_code == "53"  # the newer address stays
    assert participant.category == registered().category  # the rest from the registration


async def test_a_withdrawal_wins_over_an_older_registration_in_any_order(db: Any) -> None:
    run = db.transactions(build_unit_of_work(FixedClock(NOW)))
    withdrawal = example(ConsentWithdrawn, participant_id=PID, version=3)
    for event in (withdrawal, registered(), moved(2), registered()):
        await run(functools.partial(apply_participant_event, event=event))
    participant = await copy_of(run)
    assert participant is not None
    assert (participant.consent, participant.version) == (False, 3)
    assert participant.consent_withdrawn_at == withdrawal.withdrawn_at


async def test_a_graduate_is_assessed_once_and_announced_with_its_cause(db: Any) -> None:
    run = db.transactions(build_unit_of_work(FixedClock(NOW)))
    event = completed()
    assess = functools.partial(assess_completed_session, event=event, rules=DEFAULT_RULES)
    with pytest.raises(Retry):  # not registered here yet: the delivery waits
        await run(assess, cause=Cause("corr-1", "evt-1"))
    await run(lambda uow: apply_participant_event(uow, registered()))

    assert await run(assess, cause=Cause("corr-1", "evt-1")) == 1
    assert await run(assess, cause=Cause("corr-2", "evt-2")) == 0  # again: nothing doubled
    [announced] = await db.emitted()
    assert announced.type == CreditPrequalified.event_type()
    assert (announced.correlationid, announced.causationid) == ("corr-1", "evt-1")
    assert announced.payload(CreditPrequalified).participant_id == PID
