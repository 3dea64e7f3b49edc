"""Personal data in the credit API over real PostgreSQL and Redis (issue 15, items 2, 5, 10):
banks see only their own applicants, and no NIK or invisible character gets into free text
that leaves the service (events, messages, other roles' views)."""

from __future__ import annotations

from typing import Any

import pytest

from purna_shared.contracts.events import CreditApplicationSubmitted, CreditRejected

pytestmark = pytest.mark.integration

YEAR = 2026
#: a woman born 1 July 1990, registered in Lombok Tengah: a NIK by its shape
NIK = "5202064107900001"


def application(pid: str, pq: str, **overrides: Any) -> dict[str, Any]:
    return {
        "participant_id": pid,
        "prequalification_id": pq,
        "amount": 50_000_000,
        "tenor_months": 36,
        "purpose": "modal_kerja",
        "bank": "BRI",
        "business_description": "Produksi tas tenun untuk pasar Mataram",
    } | overrides


def refused_field(response: Any) -> str:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert NIK not in response.text
    assert NIK[:8] not in response.text
    return str(problem["errors"][0]["field"])


async def test_a_bank_sees_only_its_own_applicants_prequalifications(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered(p) for p in ("a", "b", "c")])
    async with world.api() as client:
        officer, bri, bni = client("credit_officer"), client("bank", "BRI"), client("bank", "BNI")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 10**9})
        assert (await officer.post("/applications", json=application("a", pqs["a"]))).is_success
        r = await officer.post("/applications", json=application("b", pqs["b"], bank="BNI"))
        assert r.is_success

        listed = (await bri.get("/prequalifications")).json()
        assert [i["participant_id"] for i in listed["items"]] == ["a"]
        assert listed["total"] == 1
        listed = (await bni.get("/prequalifications", params={"participant_id": "a"})).json()
        assert (listed["items"], listed["total"]) == ([], 0)
        assert (await bni.get("/prequalifications")).json()["total"] == 1
        # c applied nowhere: no bank sees it, nor another bank's applicant by id
        assert (await bri.get(f"/prequalifications/{pqs['c']}")).status_code == 404
        assert (await bri.get(f"/prequalifications/{pqs['b']}")).status_code == 404
        assert (await bri.get(f"/prequalifications/{pqs['a']}")).status_code == 200
        # roles that see every bank still see all three
        assert (await officer.get("/prequalifications")).json()["total"] == 3
        assert (await client("auditor").get("/prequalifications")).json()["total"] == 3


async def test_no_nik_in_free_text_that_leaves_credit(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered("a"), world.registered("b")])
    async with world.api() as client:
        officer, bri = client("credit_officer"), client("bank", "BRI")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 10**9})
        for text in (
            f"Usaha atas nama NIK {NIK}",
            "NIK 5202 0641 0790 0001 ditolak",  # grouped as on the card
            "5202.06.410790.0001",
            f"ref{NIK}99",  # inside a longer number
        ):
            r = await officer.post(
                "/applications", json=application("a", pqs["a"], business_description=text)
            )
            assert refused_field(r) == "business_description"

        submitted = await officer.post("/applications", json=application("a", pqs["a"]))
        assert submitted.status_code == 201
        app_id = submitted.json()["id"]
        r = await bri.post(
            f"/applications/{app_id}/decision",
            json={"decision": "reject", "reason": f"Data tidak cocok dengan NIK {NIK}"},
        )
        assert refused_field(r) == "reason"
        assert (await officer.get(f"/applications/{app_id}")).json()["status"] == "reserved"

        # numbers that are not NIK-shaped pass: amounts, phone numbers, a serial 0000
        r = await bri.post(
            f"/applications/{app_id}/decision",
            json={
                "decision": "reject",
                "reason": "Plafon Rp100.000.000 terlampaui; hubungi 081234567890 "
                "(5202064107900000)",
            },
        )
        assert r.status_code == 200, r.text

    await world.relay().publish_pending()
    rejected = await world.stream_entries(CreditRejected)
    assert len(rejected) == 1
    assert all(NIK not in str(e) for e in await world.stream_entries(CreditApplicationSubmitted))


async def test_control_and_zero_width_characters_are_refused(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered("a")])
    async with world.api() as client:
        officer = client("credit_officer")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 10**9})
        for bad in (
            "Tas\x00tenun",
            "Tas\x07tenun",
            "Tas\x1b[31mtenun",
            "Tas\u200btenun",
            "\ufeffTas",
        ):
            r = await officer.post(
                "/applications", json=application("a", pqs["a"], business_description=bad)
            )
            assert r.status_code == 422, (repr(bad), r.text)
            assert r.json()["errors"][0]["field"] == "business_description"
        r = await officer.post(
            "/applications",
            json=application("a", pqs["a"], business_description="Tas tenun\nuntuk pasar"),
        )
        assert r.status_code == 201, r.text
