"""SessionCompleted -> one assessment and one CreditPrequalified per completer, exactly once."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from purna_credit.adapters.orm import Participant, Prequalification
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    CreditPrequalified,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
)

pytestmark = pytest.mark.integration

PARTICIPANT_EVENTS = (ParticipantRegistered, ParticipantUpdated, ConsentWithdrawn)


def twenty_outcomes() -> list[tuple[str, bool]]:
    # 17 completed, 3 did not (every 7th participant dropped out)
    return [(f"p-{i:02d}", i not in (0, 7, 14)) for i in range(20)]


async def register_all(world: Any, ids: list[str]) -> None:
    for pid in ids:
        await world.xadd(world.registered(pid), "registration")


async def test_twenty_outcomes_seventeen_completed_delivered_twice(
    credit_world: Any,
) -> None:
    world = credit_world
    outcomes = twenty_outcomes()
    await register_all(world, [pid for pid, _ in outcomes])
    event = world.session_completed("s-1", outcomes)
    envelope = Envelope.wrap(event, source="training")
    await world.xadd_envelope(SessionCompleted, envelope)
    await world.xadd_envelope(SessionCompleted, envelope)  # the same event delivered twice
    # ... and the same session completed again under a new envelope id (a re-publication)
    await world.xadd(event, "training")

    await world.consume_until(lambda: world.all_handled(ParticipantRegistered, SessionCompleted))
    assert await world.relay().publish_pending() == 17
    assert await world.prequalification_count() == 17

    entries = await world.stream_entries(CreditPrequalified)
    assert len(entries) == 17
    payloads = [CreditPrequalified.model_validate_json(e["data"]) for e in entries]
    completed = {pid for pid, done in outcomes if done}
    assert {p.participant_id for p in payloads} == completed
    assert all(e["causationid"] == envelope.id for e in entries)
    first = payloads[0]
    assert (first.result, first.scheme, first.max_plafond, first.interest_rate) == (
        "prequalified",
        "mikro",
        100_000_000,
        6.0,
    )
    assert (first.max_tenor_months.working_capital, first.max_tenor_months.investment) == (36, 60)
    assert first.rules_version == "kur-2025.1"
    assert first.business_sector == "Industri kerajinan"
    assert first.valid_until == date(2027, 2, 25)
    assert "nik" not in json.dumps([e["data"] for e in entries]).lower()

    async with world.sessionmaker() as session:
        rows = list(await session.scalars(select(Prequalification)))
    assert {(r.regency_code, r.programme_code) for r in rows} == {("5202", "TENUN-TAS")}


async def test_completer_not_registered_yet_is_retried_then_nothing_lost_or_doubled(
    credit_world: Any,
) -> None:
    world = credit_world
    outcomes = twenty_outcomes()
    ids = [pid for pid, _ in outcomes]
    late = ["p-05", "p-06"]  # their ParticipantRegistered is still on its way
    await register_all(world, [pid for pid in ids if pid not in late])
    await world.xadd(world.session_completed("s-2", outcomes), "training")

    async def first_attempt_failed() -> bool:
        groups = await world.redis.xinfo_groups(SessionCompleted.stream(world.prefix))
        return bool(groups) and groups[0]["entries-read"] == 1 and groups[0]["pending"] == 1

    await world.consume_until(first_attempt_failed)
    assert await world.prequalification_count() == 0  # the whole event waits, nothing half-done

    await register_all(world, late)

    async def assessed() -> bool:
        return await world.prequalification_count() >= 17 and await world.all_handled(
            ParticipantRegistered, SessionCompleted
        )

    await world.consume_until(assessed)
    assert await world.relay().publish_pending() == 17
    assert await world.prequalification_count() == 17
    assert len(await world.stream_entries(CreditPrequalified)) == 17


async def test_conditions_not_met_give_needs_review_with_reasons(
    credit_world: Any,
) -> None:
    world = credit_world
    await world.xadd(
        world.registered("young", birth_date=date(2006, 1, 1), marital_status="belum_kawin"),
        "registration",
    )
    await world.xadd(world.registered("withdrawn"), "registration")
    await world.xadd(world.registered("keluarga", category="keluarga_pmi"), "registration")
    await world.xadd(
        ConsentWithdrawn.model_validate(
            {"participant_id": "withdrawn", "version": 2, "withdrawn_at": "2026-11-01T00:00:00Z"}
        ),
        "registration",
    )
    await world.consume_until(lambda: world.all_handled(*PARTICIPANT_EVENTS))
    await world.xadd(
        world.session_completed(
            "s-3",
            [("young", True), ("withdrawn", True), ("keluarga", True)],
            programme_code="GULA-SEMUT-AREN",
            category="agricultural_processing",
        ),
        "training",
    )
    await world.consume_until(lambda: world.all_handled(SessionCompleted))
    async with world.sessionmaker() as session:
        rows = {r.participant_id: r for r in await session.scalars(select(Prequalification))}
    assert rows["young"].result == "needs_review"
    assert "under_age_unmarried" in [r["code"] for r in rows["young"].reasons]
    assert rows["withdrawn"].result == "needs_review"
    assert "consent_missing" in [r["code"] for r in rows["withdrawn"].reasons]
    keluarga = rows["keluarga"]
    assert (keluarga.result, keluarga.scheme, keluarga.max_plafond) == (
        "prequalified",
        "super_mikro",
        10_000_000,
    )
    assert keluarga.business_sector == "industri_pengolahan_hasil_pertanian"


async def test_participant_updates_apply_in_version_order(credit_world: Any) -> None:
    world = credit_world
    await world.xadd(world.registered("p-x", marital_status="belum_kawin"), "registration")
    await world.consume_until(lambda: world.all_handled(ParticipantRegistered))

    def update(version: int, **changes: object) -> ParticipantUpdated:
        return ParticipantUpdated.model_validate(
            {
                "participant_id": "p-x",
                "version": version,
                "changed": list(changes),
                "updated_at": "2026-11-02T00:00:00Z",
                **changes,
            }
        )

    address = {"province_code": "53", "regency_code": "5301", "district": "D", "village": "V"}
    # version 3 arrives before version 2: it must wait rather than skip version 2's change
    await world.xadd(update(3, address=address), "registration")
    await world.xadd(update(2, marital_status="kawin"), "registration")
    await world.xadd(update(2, marital_status="kawin"), "registration")  # replayed: ignored

    async def at_version_3() -> bool:
        async with world.sessionmaker() as session:
            p = await session.get(Participant, "p-x")
            return p is not None and p.version == 3 and await world.all_handled(ParticipantUpdated)

    await world.consume_until(at_version_3)
    async with world.sessionmaker() as session:
        p = await session.get(Participant, "p-x")
        assert p is not None
        assert (p.marital_status, p.province_code, p.regency_code) == ("kawin", "53", "5301")
