"""Retries, permanent failures, quiet hours and leases, with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from purna_notification.adapters.channels import SIGNATURE_HEADER
from purna_shared.contracts.events import NotificationFailed, NotificationSent
from purna_shared.reference import Zone

from .conftest import World

WITA = Zone.WITA.tz
pytestmark = pytest.mark.integration

PID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"


async def test_gateway_500_500_200_delivers_one_message_after_three_attempts(
    world: World,
) -> None:
    world.gateway.fail_next.extend([500, 500])
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.consume()
    dispatcher = world.dispatcher()

    assert await dispatcher.dispatch_due() == 1  # attempt 1: 500
    [row] = await world.rows(participant_id=PID)
    assert (row.status, row.attempts, row.last_error) == ("scheduled", 1, "gateway answered 500")
    # backoff 1 s base: the retry is due 0.5-1 s later, not before
    assert world.clock.now() + timedelta(seconds=0.5) <= row.scheduled_for
    assert row.scheduled_for <= world.clock.now() + timedelta(seconds=1)
    assert await dispatcher.dispatch_due() == 0  # not due yet

    world.clock.advance(timedelta(seconds=1))
    assert await dispatcher.dispatch_due() == 1  # attempt 2: 500
    world.clock.advance(timedelta(seconds=2))
    assert await dispatcher.dispatch_due() == 1  # attempt 3: 200

    [row] = await world.rows(participant_id=PID)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert row.sent_at == world.clock.now()
    attempts = await world.attempts(row.id)
    assert [(a.attempt, a.outcome) for a in attempts] == [
        (1, "transient"),
        (2, "transient"),
        (3, "accepted"),
    ]
    # one message delivered; the three requests carried the same key and valid signatures
    assert len(world.gateway.delivered) == 1
    assert [r.status for r in world.gateway.requests] == [500, 500, 200]
    assert {r.idempotency_key for r in world.gateway.requests} == {row.id}
    assert all(r.signature_valid for r in world.gateway.requests)
    assert world.gateway.delivered[0]["to"] == "+6281234567890"
    [sent] = await world.staged_events(NotificationSent.stream())
    assert '"attempts":3' in sent["data"]


async def test_attempts_run_out_then_notification_failed(world: World) -> None:
    world.gateway.fail_next.extend([503] * 10)
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.consume()
    dispatcher = world.dispatcher()
    for _ in range(4):  # retry_max_attempts=4 in the test settings
        assert await dispatcher.dispatch_due() == 1
        world.clock.advance(timedelta(minutes=1))
    assert await dispatcher.dispatch_due() == 0
    [row] = await world.rows(participant_id=PID)
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.last_error == "gave up after 4 attempts: gateway answered 503"
    [failed] = await world.staged_events(NotificationFailed.stream())
    assert '"attempts":4' in failed["data"] and "gave up" in failed["data"]
    assert len(world.gateway.requests) == 4 and not world.gateway.delivered


async def test_permanent_failures_are_not_retried(world: World) -> None:
    world.gateway.fail_next.append(400)
    world.smtp.refuse.add("hilang@example.org")
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.register(
        {
            "participant_id": "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e02",
            "email": "hilang@example.org",
            "channels": ("email",),
        }
    )
    await world.consume()
    assert await world.dispatcher().dispatch_due() == 2
    rows = {r.channel: r for r in await world.rows()}
    assert (rows["sms"].status, rows["sms"].attempts) == ("failed", 1)
    assert rows["sms"].last_error.startswith("gateway answered 400")
    assert (rows["email"].status, rows["email"].attempts) == ("failed", 1)
    assert rows["email"].last_error.startswith("SMTP 550")
    assert len(await world.staged_events(NotificationFailed.stream())) == 2


async def test_a_bad_signature_secret_is_refused_by_the_gateway(world: World) -> None:
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.consume()
    assert await world.dispatcher(gateway_secret=SecretStr("not-the-secret")).dispatch_due() == 1
    [request] = world.gateway.requests
    assert not request.signature_valid and request.status == 401
    assert SIGNATURE_HEADER == "X-Purna-Signature"
    [row] = await world.rows()
    assert row.status == "failed" and not world.gateway.delivered


async def test_an_event_at_22_wita_gives_an_sms_at_07_wita_next_morning(world: World) -> None:
    world.clock.set(datetime(2024, 8, 14, 22, 0, tzinfo=WITA))
    await world.register(
        {
            "participant_id": PID,
            "phone": "+6281234567890",
            "email": "baiq@example.org",
            "channels": ("sms", "email"),
        }
    )
    await world.consume()
    rows = {r.channel: r for r in await world.rows()}
    morning = datetime(2024, 8, 15, 7, 0, tzinfo=WITA)
    assert rows["sms"].scheduled_for == morning.astimezone(UTC)
    assert rows["email"].scheduled_for == world.clock.now()  # e-mail is not held

    assert await world.dispatcher().dispatch_due() == 1  # the e-mail only
    assert len(world.smtp.messages) == 1 and not world.gateway.requests

    # a restart in the night: a new dispatcher finds the schedule in the database
    world.clock.set(datetime(2024, 8, 15, 6, 59, 59, tzinfo=WITA))
    assert await world.dispatcher().dispatch_due() == 0
    assert not world.gateway.requests
    world.clock.set(morning)
    assert await world.dispatcher().dispatch_due() == 1
    [sms] = world.gateway.delivered
    assert sms["channel"] == "sms" and sms["to"] == "+6281234567890"
    [row] = await world.rows(channel="sms")
    assert row.status == "sent" and row.sent_at.astimezone(WITA) == morning


async def test_quiet_hours_follow_each_recipients_zone(world: World) -> None:
    """A message due at 21:30 WIB to someone in Jawa Timur is held to 07:00 WIB; the same
    message at the same instant (22:30 WITA) to someone in NTB is held to 07:00 WITA."""
    wib = Zone.WIB.tz
    world.clock.set(datetime(2024, 8, 14, 21, 30, tzinfo=wib))
    surabaya = {
        "province_code": "35",
        "regency_code": "3578",
        "district": "Wonocolo",
        "village": "Jemur Wonosari",
    }
    await world.register(
        {
            "participant_id": "p-jatim",
            "phone": "+6281200000035",
            "channels": ("sms",),
            "office": "JATIM",
            "address": surabaya,
        }
    )
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.consume()
    [jatim] = await world.rows(participant_id="p-jatim")
    [ntb] = await world.rows(participant_id=PID)
    assert jatim.scheduled_for == datetime(2024, 8, 15, 7, 0, tzinfo=wib).astimezone(UTC)
    assert ntb.scheduled_for == datetime(2024, 8, 15, 7, 0, tzinfo=WITA).astimezone(UTC)
    assert (jatim.zone, ntb.zone) == ("WIB", "WITA")

    world.clock.set(datetime(2024, 8, 15, 7, 0, tzinfo=WITA))  # 06:00 WIB
    assert await world.dispatcher().dispatch_due() == 1
    [first] = world.gateway.delivered
    assert first["to"] == "+6281234567890" and first["text"].startswith("BP3MI NTB:")
    world.clock.set(datetime(2024, 8, 15, 7, 0, tzinfo=wib))
    assert await world.dispatcher().dispatch_due() == 1
    second = world.gateway.delivered[1]
    assert second["to"] == "+6281200000035" and second["text"].startswith("BP3MI Jatim:")


async def test_a_due_sms_found_in_quiet_hours_waits(world: World) -> None:
    """A backlog that runs past 21:00 (the worker was down): the SMS is not sent at night."""
    world.clock.set(datetime(2024, 8, 14, 20, 30, tzinfo=WITA))
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.consume()
    world.clock.set(datetime(2024, 8, 14, 21, 30, tzinfo=WITA))
    assert await world.dispatcher().dispatch_due() == 0
    world.clock.set(datetime(2024, 8, 15, 7, 0, tzinfo=WITA))
    assert await world.dispatcher().dispatch_due() == 1
    assert len(world.gateway.delivered) == 1


async def test_a_dead_dispatchers_claims_expire_and_are_sent_by_another(world: World) -> None:
    await world.register({"participant_id": PID, "phone": "+6281234567890", "channels": ("sms",)})
    await world.consume()
    dead = world.dispatcher()
    [claimed] = await dead.claim(10)  # claimed, then the process "dies" before sending
    survivor = world.dispatcher()
    assert await survivor.dispatch_due() == 0  # the lease still holds
    world.clock.advance(timedelta(seconds=31))  # dispatch_lease_seconds=30
    assert await survivor.dispatch_due() == 1
    [row] = await world.rows()
    assert (row.status, row.attempts) == ("sent", 2)  # the lost claim counts as an attempt
    assert len(world.gateway.delivered) == 1
    # the dead dispatcher, back from a long pause, cannot record over the survivor's outcome
    await dead.process(claimed)
    [row] = await world.rows()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(world.gateway.delivered) == 1  # its resend carried the same key: deduplicated
    assert len(world.gateway.requests) == 2
