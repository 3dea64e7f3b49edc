"""The participant read model under duplicates and out-of-order delivery, and what withdrawn
consent does to enrolments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from purna_shared.contracts.catalog import dead_letter_stream
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import (
    Consent,
    ConsentWithdrawn,
    EnrollmentCancelled,
    ParticipantEnrolled,
    ParticipantUpdated,
)
from purna_training.adapters.orm import participants

from .conftest import TrainingWorld, registered, schedule

pytestmark = pytest.mark.integration

T = datetime(2024, 8, 2, 1, tzinfo=UTC)


async def _rows(training: TrainingWorld) -> list[dict[str, object]]:
    async with training.sessionmaker() as db:
        result = await db.execute(select(participants).order_by(participants.c.participant_id))
        return [dict(row._mapping) for row in result]


async def test_a_registration_delivered_twice_leaves_one_right_record(
    training: TrainingWorld,
) -> None:
    event = registered("p-1", "Baiq Nurul Aini")
    envelope = Envelope.wrap(event, source="registration")
    # the same entry twice (a redelivery), then the same event re-published under a new id
    await training.deliver(envelope, envelope, event)

    (row,) = await _rows(training)
    assert row["participant_id"] == "p-1"
    assert row["registered"] is True
    assert row["full_name"] == "Baiq Nurul Aini"
    assert (row["version"], row["office"], row["consent_granted"]) == (1, "NTB", True)


async def test_an_update_before_its_registration_leaves_the_newest_state(
    training: TrainingWorld,
) -> None:
    update = ParticipantUpdated(
        participant_id="p-1",
        version=2,
        changed=("full_name",),
        full_name="Baiq Nurul Aini Hadi",
        updated_at=T,
    )
    await training.deliver(update)
    (stub,) = await _rows(training)
    assert stub["registered"] is False and stub["version"] == 2

    operator = training.client()
    session_id = await schedule(operator)
    early = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-1"}
    )
    assert early.status_code == 409
    assert early.json()["code"] == "participant_not_known"
    assert "not known yet" in early.json()["detail"]
    assert early.headers["retry-after"] == "2"

    await training.deliver(registered("p-1", "Baiq Nurul Aini"))
    (row,) = await _rows(training)
    assert row["registered"] is True
    assert row["full_name"] == "Baiq Nurul Aini Hadi"  # version 2 beats the registration's 1
    assert (row["version"], row["consent_granted"]) == (2, True)
    # and a stale copy of version 2's predecessor changes nothing
    await training.deliver(registered("p-1", "Baiq Nurul Aini"))
    assert (await _rows(training))[0]["full_name"] == "Baiq Nurul Aini Hadi"

    late = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-1"}
    )
    assert late.status_code == 201


async def test_withdrawn_consent_cancels_enrolments_and_frees_the_seat(
    training: TrainingWorld,
) -> None:
    await training.register(["p-1", "p-2", "p-3"])
    operator = training.client()
    session_id = await schedule(operator, capacity=2)
    for pid in ("p-1", "p-2", "p-3"):
        await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": pid})

    await training.deliver(ConsentWithdrawn(participant_id="p-1", version=2, withdrawn_at=T))

    roster = (await operator.get(f"/sessions/{session_id}/enrollments")).json()["items"]
    assert [(i["participant_id"], i["status"]) for i in roster] == [
        ("p-1", "cancelled"),
        ("p-2", "enrolled"),
        ("p-3", "enrolled"),
    ]
    assert roster[0]["full_name"] is None  # no longer shown
    refused = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-1"}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "consent_withdrawn"

    await training.relay().publish_pending()
    (cancelled,) = [
        e.payload(EnrollmentCancelled) for e in await training.stream(EnrollmentCancelled)
    ]
    assert (cancelled.participant_id, cancelled.reason, cancelled.promoted_participant_id) == (
        "p-1",
        "consent withdrawn",
        "p-3",
    )
    promoted = (await training.stream(ParticipantEnrolled))[-1]
    assert promoted.payload(ParticipantEnrolled).participant_id == "p-3"
    assert promoted.payload(ParticipantEnrolled).status == "enrolled"
    # the events caused by the withdrawal say so
    withdrawal_entries = await training.redis.xrange(ConsentWithdrawn.stream(training.prefix))
    withdrawal = Envelope.from_fields(withdrawal_entries[0][1])
    assert (await training.stream(EnrollmentCancelled))[0].causationid == withdrawal.id


async def test_an_update_withdrawing_consent_acts_like_a_withdrawal(
    training: TrainingWorld,
) -> None:
    await training.register(["p-1"])
    operator = training.client()
    session_id = await schedule(operator)
    await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": "p-1"})
    await training.deliver(
        ParticipantUpdated(
            participant_id="p-1",
            version=2,
            changed=("consent",),
            consent=Consent(granted=False, channels=(), granted_at=T),
            updated_at=T,
        )
    )
    (row,) = await _rows(training)
    assert row["consent_granted"] is False
    roster = (await operator.get(f"/sessions/{session_id}/enrollments")).json()["items"]
    assert roster[0]["status"] == "cancelled"


async def test_a_malformed_event_is_dead_lettered_and_the_rest_go_on(
    training: TrainingWorld,
) -> None:
    good = Envelope.wrap(registered("p-1"), source="registration")
    bad = Envelope(type=good.type, source="purna/registration", data='{"participant_id": "p-2"}')
    await training.publish(bad, good)
    dead_letters = dead_letter_stream(training.prefix)

    async def both_dealt_with() -> bool:
        return await training.handled() == 1 and await training.redis.xlen(dead_letters) == 1

    await training.consume_until(both_dealt_with)
    assert [r["participant_id"] for r in await _rows(training)] == ["p-1"]
