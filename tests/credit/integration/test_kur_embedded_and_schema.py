"""The migrations match the models on PostgreSQL, and the service runs on embedded SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from purna_credit.adapters.orm import metadata
from purna_credit.entrypoints.sweep import run_once
from purna_shared.contracts.events import CreditApplicationSubmitted, CreditPrequalified
from purna_shared.messaging.tables import metadata as messaging_metadata

pytestmark = pytest.mark.integration


async def test_migrations_match_the_models_on_postgresql(credit_world: Any) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, [metadata, messaging_metadata]))

    async with credit_world.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_embedded_sqlite_assesses_applies_and_sweeps(credit_world_sqlite: Any) -> None:
    world = credit_world_sqlite
    pqs = await world.prequalify([world.registered("a"), world.registered("b")])
    await world.relay().publish_pending()
    assert len(await world.stream_entries(CreditPrequalified)) == 2
    async with world.api() as client:
        officer = client("credit_officer")
        await client("admin").put("/allocations/2026", json={"total": 60_000_000})
        body = {
            "amount": 50_000_000,
            "tenor_months": 36,
            "purpose": "modal_kerja",
            "bank": "BRI",
            "business_description": "Tenun",
        }
        first = (
            await officer.post(
                "/applications",
                json=body | {"participant_id": "a", "prequalification_id": pqs["a"]},
                headers={"Idempotency-Key": "a-1"},
            )
        ).json()
        second = (
            await officer.post(
                "/applications",
                json=body | {"participant_id": "b", "prequalification_id": pqs["b"]},
            )
        ).json()
        assert (first["status"], second["status"]) == ("reserved", "waitlisted")
        r = await client("bank", "BRI").post(
            f"/applications/{first['id']}/decision", json={"decision": "reject", "reason": "x"}
        )
        assert r.status_code == 200, r.text
        assert (await run_once(world.settings, world.now)).promoted == 1
        assert (await officer.get(f"/applications/{second['id']}")).json()["status"] == "reserved"
    await world.relay().publish_pending()
    submitted = await world.stream_entries(CreditApplicationSubmitted)
    assert [
        CreditApplicationSubmitted.model_validate_json(e["data"]).status for e in submitted
    ] == [
        "reserved",
        "waitlisted",
        "reserved",
    ]
