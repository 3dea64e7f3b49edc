"""The reminder on the eve of a session: scheduled at enrolment, moved, cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from purna_notification.domain.messages import TEMPLATES
from purna_shared.contracts.events import (
    EnrollmentCancelled,
    ParticipantEnrolled,
    SessionScheduled,
)
from purna_shared.reference import Zone

from .conftest import World

WITA = Zone.WITA.tz
pytestmark = pytest.mark.integration

PID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"
SID = "0191f0b7-1a2b-7c3d-8e4f-5a6b7c8d9e02"
EVE_0900 = datetime(2024, 8, 11, 9, 0, tzinfo=WITA)  # the session starts Monday 12 August


def enrolled(**overrides: object) -> ParticipantEnrolled:
    payload = {
        **TEMPLATES["participant-enrolled"].sample_payload(),
        "participant_id": PID,
        "session_id": SID,
        **overrides,
    }
    return ParticipantEnrolled.model_validate(payload)


def scheduled(**overrides: object) -> SessionScheduled:
    example = SessionScheduled.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    return SessionScheduled.model_validate({**example, "session_id": SID, **overrides})


@pytest.fixture
async def enrolled_participant(world: World) -> World:
    world.clock.set(datetime(2024, 7, 20, 10, 0, tzinfo=WITA))
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.publish(scheduled())
    await world.publish(enrolled())
    await world.consume()
    await world.dispatcher().dispatch_due()  # welcome and enrolment confirmation
    assert sorted(m["template"] for m in world.gateway.delivered) == [
        "participant-enrolled",
        "participant-registered",
    ]
    world.gateway.reset()
    return world


async def test_the_reminder_goes_at_09_wita_on_the_eve(enrolled_participant: World) -> None:
    world = enrolled_participant
    [reminder] = await world.rows(template="session-reminder")
    assert reminder.scheduled_for == EVE_0900.astimezone(UTC)
    world.clock.set(datetime(2024, 8, 11, 8, 59, tzinfo=WITA))
    assert await world.dispatcher().dispatch_due() == 0
    world.clock.set(EVE_0900)
    assert await world.dispatcher().dispatch_due() == 1
    [message] = world.gateway.delivered
    assert message["template"] == "session-reminder"
    assert "dimulai Senin, 12 Agustus 2024 di Balai Desa Bonjeruk" in message["text"]


async def test_a_cancelled_enrolment_gets_no_reminder(enrolled_participant: World) -> None:
    world = enrolled_participant
    await world.publish(
        EnrollmentCancelled(
            session_id=SID,
            participant_id=PID,
            reason="sakit",
            cancelled_at=datetime(2024, 8, 5, 2, tzinfo=UTC),
        )
    )
    await world.consume()
    [reminder] = await world.rows(template="session-reminder")
    assert (reminder.status, reminder.last_error) == ("failed", "enrollment cancelled")
    world.clock.set(EVE_0900)
    assert await world.dispatcher().dispatch_due() == 0
    assert world.gateway.requests == []


async def test_a_cancellation_overtaking_its_enrolment_still_wins(world: World) -> None:
    world.clock.set(datetime(2024, 7, 20, 10, 0, tzinfo=WITA))
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.publish(
        EnrollmentCancelled(
            session_id=SID, participant_id=PID, cancelled_at=datetime(2024, 7, 21, tzinfo=UTC)
        )
    )
    await world.consume()
    await world.publish(enrolled())  # enrolled_at 2024-07-20T03:30Z: older than the cancel
    await world.consume()
    assert {r.template for r in await world.rows()} == {"participant-registered"}


async def test_a_moved_session_moves_its_reminder(enrolled_participant: World) -> None:
    world = enrolled_participant
    await world.publish(
        scheduled(
            start_date="2024-08-19",
            end_date="2024-08-22",
            scheduled_at="2024-08-01T01:00:00Z",
        )
    )
    await world.consume()
    [reminder] = await world.rows(template="session-reminder")
    assert reminder.scheduled_for == datetime(2024, 8, 18, 9, 0, tzinfo=WITA).astimezone(UTC)
    assert reminder.context["mulai"] == date(2024, 8, 19).isoformat()
    world.clock.set(datetime(2024, 8, 18, 9, 0, tzinfo=WITA))
    assert await world.dispatcher().dispatch_due() == 1
    assert "Senin, 19 Agustus 2024" in world.gateway.delivered[0]["text"]
