"""Consent: after ConsentWithdrawn no message of any kind; contact changes apply by version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from purna_notification.adapters import repository as repo
from purna_notification.domain.messages import TEMPLATES
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    CreditPrequalified,
    NotificationFailed,
    ParticipantEnrolled,
    ParticipantUpdated,
    SessionCompleted,
)

from .conftest import World

pytestmark = pytest.mark.integration

PID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"
CONTACT = {
    "participant_id": PID,
    "phone": "+6281234567890",
    "email": "baiq@example.org",
    "channels": ("sms", "whatsapp", "email"),
}


def withdrawn(version: int = 2) -> ConsentWithdrawn:
    return ConsentWithdrawn(
        participant_id=PID, version=version, withdrawn_at=datetime(2024, 8, 1, 3, tzinfo=UTC)
    )


def sample(name: str, **overrides: object) -> dict[str, object]:
    return {**TEMPLATES[name].sample_payload(), **overrides}


async def test_after_consent_withdrawn_no_message_of_any_kind(world: World) -> None:
    world.clock.set(datetime(2024, 7, 20, 3, 0, tzinfo=UTC))
    await world.register(CONTACT)
    await world.publish(
        ParticipantEnrolled.model_validate(
            sample("participant-enrolled", participant_id=PID, status="enrolled", position=None)
        )
    )
    await world.consume()
    scheduled = await world.rows(participant_id=PID)
    # welcome and enrolment (WhatsApp + e-mail each) and the eve reminder (WhatsApp + e-mail)
    assert len(scheduled) == 6 and {r.status for r in scheduled} == {"scheduled"}

    await world.publish(withdrawn())
    await world.consume()
    # what happens next still names the participant: none of it may reach them
    outcome = {
        "participant_id": PID,
        "completed": True,
        "attendance_rate": 1.0,
        "certificate_no": "NTB/2024/TENUN-TAS/0001",
    }
    await world.publish(
        SessionCompleted.model_validate(sample("session-completed-completer", outcomes=[outcome]))
    )
    await world.publish(
        CreditPrequalified.model_validate(sample("credit-prequalified", participant_id=PID))
    )
    await world.consume()

    dispatcher = world.dispatcher()
    await dispatcher.dispatch_due()
    world.clock.set(datetime(2024, 8, 11, 2, 0, tzinfo=UTC))  # past the reminder time
    await dispatcher.dispatch_due()

    assert world.smtp.messages == [] and world.gateway.requests == []
    rows = await world.rows(participant_id=PID)
    assert len(rows) == 6  # the later events scheduled nothing
    assert {(r.status, r.last_error, r.attempts) for r in rows} == {
        ("failed", "consent withdrawn", 0)
    }
    failed = await world.staged_events(NotificationFailed.stream())
    assert len(failed) == 6 and all("consent withdrawn" in e["data"] for e in failed)
    async with world.sessionmaker() as session:
        contact = await repo.get_contact(session, PID)
    assert contact is not None and contact.withdrawn
    assert contact.phone is None and contact.email is None and contact.full_name is None


async def test_a_withdrawal_overtaking_the_registration_still_stops_everything(
    world: World,
) -> None:
    await world.publish(withdrawn())
    await world.consume()
    await world.register(CONTACT)
    await world.consume()
    assert await world.rows() == []
    assert await world.dispatcher().dispatch_due() == 0
    assert world.smtp.messages == [] and world.gateway.requests == []


async def test_withdrawn_while_a_send_is_in_flight_that_attempt_is_the_last(
    world: World,
) -> None:
    world.gateway.fail_next.append(500)
    await world.register({**CONTACT, "email": None, "channels": ("sms",)})
    await world.consume()
    dispatcher = world.dispatcher()
    [in_flight] = await dispatcher.claim(10)
    await world.publish(withdrawn())
    await world.consume()
    [row] = await world.rows()
    assert row.status == "scheduled"  # held by the dispatcher: only marked
    await dispatcher.process(in_flight)  # the gateway answers 500: no retry after withdrawal
    [row] = await world.rows()
    assert (row.status, row.last_error) == ("failed", "consent withdrawn")
    world.clock.advance(timedelta(hours=1))
    assert await dispatcher.dispatch_due() == 0
    assert not world.gateway.delivered


async def test_a_channel_consent_taken_back_is_refused_before_sending(world: World) -> None:
    await world.register(CONTACT)
    await world.consume()
    await world.publish(
        ParticipantUpdated(
            participant_id=PID,
            version=2,
            changed=("consent",),
            consent={"granted": True, "channels": ["email"], "granted_at": "2024-08-02T01:00:00Z"},
            updated_at=datetime(2024, 8, 2, 1, tzinfo=UTC),
        )
    )
    await world.consume()
    await world.dispatcher().dispatch_due()
    assert world.gateway.requests == []
    assert len(world.smtp.messages) == 1
    rows = {r.channel: r for r in await world.rows()}
    assert (rows["whatsapp"].status, rows["whatsapp"].last_error) == (
        "failed",
        "no consent for whatsapp",
    )
    assert rows["email"].status == "sent"


async def test_an_update_before_its_registration_waits_and_the_newest_phone_is_used(
    world: World,
) -> None:
    new_phone = "+6287765432109"
    await world.publish(
        ParticipantUpdated(
            participant_id=PID,
            version=2,
            changed=("phone",),
            phone=new_phone,
            updated_at=datetime(2024, 8, 2, 1, tzinfo=UTC),
        )
    )
    await world.register({**CONTACT, "email": None, "channels": ("sms",)})
    await world.consume()  # the update is retried through the pending list until it applies
    await world.dispatcher().dispatch_due()
    [message] = world.gateway.delivered
    assert message["to"] == new_phone
