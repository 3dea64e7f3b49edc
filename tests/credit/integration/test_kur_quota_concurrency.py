"""100 simultaneous applications against an allocation that fits 37 (real PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from purna_credit.adapters.orm import AllocationPool, Application

pytestmark = pytest.mark.integration

AMOUNT = 20_000_000
FITS = 37
TOTAL = FITS * AMOUNT + AMOUNT - 1  # one rupiah short of a 38th


async def test_hundred_concurrent_applications_exactly_37_reserved(credit_world: Any) -> None:
    world = credit_world
    people = [world.registered(f"p-{i:03d}") for i in range(100)]
    pqs = await world.prequalify(people)
    assert len(pqs) == 100

    async def pool_never_over() -> int:
        """Watch the allocation row while the applications race; count the looks."""
        looks = 0
        while True:
            async with world.sessionmaker() as session:
                pool = await session.scalar(select(AllocationPool))
                assert pool is not None
                assert pool.reserved + pool.committed <= pool.total
            looks += 1
            await asyncio.sleep(0.005)

    async with world.api() as client:
        assert (
            await client("admin").put("/allocations/2026", json={"total": TOTAL})
        ).status_code == 200
        officers = [client("credit_officer") for _ in range(10)]
        watcher = asyncio.create_task(pool_never_over())

        async def apply(i: int) -> Any:
            pid = f"p-{i:03d}"
            return await officers[i % 10].post(
                "/applications",
                json={
                    "participant_id": pid,
                    "prequalification_id": pqs[pid],
                    "amount": AMOUNT,
                    "tenor_months": 24,
                    "purpose": "modal_kerja",
                    "bank": "BRI",
                    "business_description": "Gula semut aren",
                },
            )

        responses = await asyncio.gather(*(apply(i) for i in range(100)))
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher

        assert [r.status_code for r in responses] == [201] * 100, [
            r.text for r in responses if r.status_code != 201
        ][:3]
        statuses = [r.json()["status"] for r in responses]
        assert statuses.count("reserved") == FITS
        assert statuses.count("waitlisted") == 100 - FITS
        waitlisted = next(r.json() for r in responses if r.json()["status"] == "waitlisted")
        assert waitlisted["status_reason"].startswith("Alokasi tidak cukup untuk Rp20.000.000")

        quota = (await client("credit_officer").get("/allocations/2026")).json()
        assert quota["reserved"] == FITS * AMOUNT
        assert quota["available"] == AMOUNT - 1

    async with world.sessionmaker() as session:
        held = await session.scalar(select(func.sum(Application.reserved_amount)))
        assert held == FITS * AMOUNT
