"""The credit API over real PostgreSQL: applications, allocation, bank decisions, reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from purna_credit.entrypoints.sweep import run_once
from purna_shared.contracts.events import (
    CreditApplicationSubmitted,
    CreditApproved,
    CreditRejected,
    LoanDisbursed,
)

pytestmark = pytest.mark.integration

YEAR = 2026


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


async def test_life_cycle_schedule_quota_and_events(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered("p-1")])
    async with world.api() as client:
        admin, officer, bri = client("admin"), client("credit_officer"), client("bank", "BRI")
        response = await admin.put(
            f"/allocations/{YEAR}",
            json={
                "total": 1_000_000_000,
                "provinces": {"52": 500_000_000},
                "banks": {"BRI": 300_000_000},
            },
        )
        assert response.status_code == 200, response.text

        listed = (await officer.get("/prequalifications", params={"participant_id": "p-1"})).json()
        assert listed["total"] == 1
        pq = listed["items"][0]
        assert {
            k: pq[k] for k in ("result", "scheme", "max_plafond", "interest_rate", "rules_version")
        } == {
            "result": "prequalified",
            "scheme": "mikro",
            "max_plafond": 100_000_000,
            "interest_rate": 6.0,
            "rules_version": "kur-2025.1",
        }
        assert pq["max_tenor_months"] == {"working_capital": 36, "investment": 60}
        assert pq["valid_until"] == "2027-02-25"
        assert pq["reasons"] and pq["session_id"] == "s-api"

        body = application("p-1", pqs["p-1"])
        headers = {"Idempotency-Key": "submit-p-1"}
        created = await officer.post("/applications", json=body, headers=headers)
        assert created.status_code == 201, created.text
        app = created.json()
        assert (app["status"], app["scheme"], app["interest_rate"], app["monthly_payment"]) == (
            "reserved",
            "mikro",
            6.0,
            1_521_097,
        )
        again = await officer.post("/applications", json=body, headers=headers)
        assert (again.status_code, again.json()["id"]) == (201, app["id"])
        assert again.headers.get("Idempotent-Replayed") == "true"

        quota = (await officer.get(f"/allocations/{YEAR}")).json()
        assert (quota["total"], quota["reserved"], quota["committed"], quota["available"]) == (
            1_000_000_000,
            50_000_000,
            0,
            950_000_000,
        )
        assert quota["provinces"] == [
            {
                "code": "52",
                "total": 500_000_000,
                "reserved": 50_000_000,
                "committed": 0,
                "available": 450_000_000,
            }
        ]
        assert quota["banks"][0]["reserved"] == 50_000_000

        schedule = (
            await bri.get(
                f"/applications/{app['id']}/schedule", params={"start_date": "2026-12-01"}
            )
        ).json()
        installments = schedule["installments"]
        assert len(installments) == 36
        for far in ("9999-12-31", "0001-01-01"):  # used to be a 500 (date overflow)
            response = await bri.get(
                f"/applications/{app['id']}/schedule", params={"start_date": far}
            )
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["field"] == "start_date"
        assert installments[0] == {
            "n": 1,
            "due_date": "2027-01-01",
            "payment": 1_521_097,
            "principal": 1_271_097,
            "interest": 250_000,
            "balance": 48_728_903,
        }
        assert sum(i["principal"] for i in installments) == 50_000_000
        assert installments[-1]["balance"] == 0

        approved = await bri.post(
            f"/applications/{app['id']}/decision",
            json={"decision": "approve", "amount": 40_000_000},
        )
        assert approved.status_code == 200, approved.text
        assert (approved.json()["status"], approved.json()["approved_amount"]) == (
            "approved",
            40_000_000,
        )
        quota = (await officer.get(f"/allocations/{YEAR}")).json()
        assert (quota["reserved"], quota["committed"], quota["available"]) == (
            0,
            40_000_000,
            960_000_000,
        )
        assert quota["banks"][0]["committed"] == 40_000_000

        disbursed = await bri.post(
            f"/applications/{app['id']}/disbursement", json={"disbursed_on": "2026-11-27"}
        )
        assert disbursed.status_code == 200, disbursed.text
        assert disbursed.json()["status"] == "disbursed"
        schedule = (await officer.get(f"/applications/{app['id']}/schedule")).json()
        assert (schedule["amount"], schedule["start_date"]) == (40_000_000, "2026-11-27")
        assert schedule["installments"][0]["due_date"] == "2026-12-27"
        twice = await bri.post(f"/applications/{app['id']}/disbursement")
        assert twice.status_code == 409
        assert twice.headers["content-type"].startswith("application/problem+json")

    await world.relay().publish_pending()
    submitted = await world.stream_entries(CreditApplicationSubmitted)
    assert [
        CreditApplicationSubmitted.model_validate_json(e["data"]).status for e in submitted
    ] == ["reserved"]
    approved_events = await world.stream_entries(CreditApproved)
    assert CreditApproved.model_validate_json(approved_events[0]["data"]).approved_amount == (
        40_000_000
    )
    disbursed_events = await world.stream_entries(LoanDisbursed)
    assert LoanDisbursed.model_validate_json(disbursed_events[0]["data"]).amount == 40_000_000


async def test_invalid_applications_get_precise_problems(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify(
        [world.registered("purna"), world.registered("keluarga", category="keluarga_pmi")]
    )
    async with world.api() as client:
        officer = client("credit_officer")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 10**9})

        def fields(response: Any) -> list[str]:
            assert response.headers["content-type"].startswith("application/problem+json")
            return [e["field"] for e in response.json()["errors"]]

        r = await officer.post(
            "/applications", json=application("keluarga", pqs["keluarga"], amount=20_000_000)
        )
        assert r.status_code == 422
        assert fields(r) == ["amount"]
        assert "Rp10.000.000" in r.json()["errors"][0]["message"]

        r = await officer.post(
            "/applications", json=application("purna", pqs["purna"], tenor_months=40)
        )
        assert (r.status_code, fields(r)) == (422, ["tenor_months"])
        ok = await officer.post(
            "/applications",
            json=application("purna", pqs["purna"], tenor_months=60, purpose="investasi"),
        )
        assert ok.status_code == 201, ok.text

        r = await officer.post("/applications", json=application("purna", pqs["purna"]))
        assert r.status_code == 409  # one active application per pre-qualification

        r = await officer.post("/applications", json=application("purna", "no-such-pq"))
        assert (r.status_code, fields(r)) == (422, ["prequalification_id"])
        r = await officer.post("/applications", json=application("keluarga", pqs["purna"]))
        assert (r.status_code, fields(r)) == (422, ["prequalification_id"])

        r = await officer.post(
            "/applications",
            content=b'{"participant_id": "x",',
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 400
        r = await officer.post(
            "/applications", json={"participant_id": "x", "amount": -5, "purpose": "konsumsi"}
        )
        assert r.status_code == 422
        assert {"amount", "purpose", "prequalification_id", "bank"} <= set(fields(r))

        app_id = ok.json()["id"]
        r = await client("bank", "BRI").post(
            f"/applications/{app_id}/decision", json={"decision": "reject"}
        )
        assert r.status_code == 422
        r = await client("bank", "BRI").post(
            f"/applications/{app_id}/decision", json={"decision": "approve", "amount": 60_000_000}
        )
        assert (r.status_code, fields(r)) == (422, ["amount"])
        r = await client("admin").put(f"/allocations/{YEAR}", json={"total": -1})
        assert r.status_code == 422


async def test_needs_review_goes_to_a_credit_officer(credit_world: Any) -> None:
    world = credit_world
    young = world.registered("young", birth_date=date(2007, 3, 1), marital_status="belum_kawin")
    pqs = await world.prequalify([young, world.registered("adult")])
    async with world.api() as client:
        officer, bri = client("credit_officer"), client("bank", "BRI")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 10**9})
        pq = (await officer.get(f"/prequalifications/{pqs['young']}")).json()
        assert (pq["result"], pq["may_apply"]) == ("needs_review", False)
        assert "under_age_unmarried" in pq["reason_codes"]

        r = await officer.post("/applications", json=application("young", pqs["young"]))
        assert r.status_code == 422
        assert "review" in r.json()["errors"][0]["message"]

        review = {"decision": "prequalified", "note": "Usaha keluarga, didampingi orang tua"}
        r = await bri.post(f"/prequalifications/{pqs['young']}/review", json=review)
        assert r.status_code == 403
        r = await officer.post(f"/prequalifications/{pqs['young']}/review", json=review)
        assert r.status_code == 200, r.text
        assert r.json()["review"]["decision"] == "prequalified"
        assert r.json()["may_apply"] is True
        r = await officer.post(f"/prequalifications/{pqs['young']}/review", json=review)
        assert r.status_code == 409
        r = await officer.post(f"/prequalifications/{pqs['adult']}/review", json=review)
        assert r.status_code == 409  # nothing to review

        r = await officer.post("/applications", json=application("young", pqs["young"]))
        assert r.status_code == 201, r.text
        pending = (await officer.get("/prequalifications", params={"reviewed": "true"})).json()
        assert [i["participant_id"] for i in pending["items"]] == ["young"]


async def test_a_bank_cannot_see_or_decide_another_banks_applications(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered("a"), world.registered("b")])
    async with world.api() as client:
        officer, bri, bni = client("credit_officer"), client("bank", "BRI"), client("bank", "BNI")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 10**9})
        to_bri = (await officer.post("/applications", json=application("a", pqs["a"]))).json()
        to_bni = (
            await bni.post("/applications", json=application("b", pqs["b"], bank="BNI"))
        ).json()
        assert to_bni["status"] == "reserved"

        listed = (await bni.get("/applications")).json()
        assert [i["id"] for i in listed["items"]] == [to_bni["id"]]
        assert listed["total"] == 1
        listed = (await bni.get("/applications", params={"bank": "BRI"})).json()
        assert listed["items"] == []
        assert (await officer.get("/applications")).json()["total"] == 2

        other = to_bri["id"]
        assert (await bni.get(f"/applications/{other}")).status_code == 404
        assert (await bni.get(f"/applications/{other}/schedule")).status_code == 404
        r = await bni.post(f"/applications/{other}/decision", json={"decision": "approve"})
        assert r.status_code == 404
        r = await bni.post(
            f"/applications/{other}/decision", json={"decision": "reject", "reason": "x"}
        )
        assert r.status_code == 404
        assert (await bni.post(f"/applications/{other}/disbursement")).status_code == 404
        r = await bni.post("/applications", json=application("a", pqs["a"], bank="BRI"))
        assert r.status_code == 403

        r = await bri.post(f"/applications/{other}/decision", json={"decision": "approve"})
        assert r.status_code == 200
        assert (await bri.get(f"/applications/{to_bni['id']}")).status_code == 404

        no_bank = client("bank")
        assert (await no_bank.get("/applications")).status_code == 403
        assert (await bri.put(f"/allocations/{YEAR}", json={"total": 1})).status_code == 403
        assert (await bri.get("/reports/pipeline")).status_code == 403
        assert (await client("auditor").get("/applications")).json()["total"] == 2
        r = await client("auditor").post(f"/applications/{other}/disbursement")
        assert r.status_code == 403


async def test_exhausted_quota_waitlists_and_freed_quota_promotes(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered(p) for p in ("a", "b", "c")])
    async with world.api() as client:
        officer, bri = client("credit_officer"), client("bank", "BRI")
        waiting = (await officer.post("/applications", json=application("c", pqs["c"]))).json()
        assert (waiting["status"], waiting["status_reason"]) == (
            "waitlisted",
            "Alokasi KUR 2026 belum ditetapkan",
        )
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 60_000_000})
        first = (await officer.post("/applications", json=application("a", pqs["a"]))).json()
        second = (
            await officer.post("/applications", json=application("b", pqs["b"], amount=20_000_000))
        ).json()
        assert (first["status"], second["status"]) == ("reserved", "waitlisted")
        assert second["status_reason"] == (
            "Alokasi tidak cukup untuk Rp20.000.000: alokasi KUR 2026 tersisa Rp10.000.000"
        )
        r = await client("admin").put(f"/allocations/{YEAR}", json={"total": 40_000_000})
        assert r.status_code == 409
        assert r.json()["errors"][0]["field"] == "total"

        r = await bri.post(
            f"/applications/{first['id']}/decision",
            json={"decision": "reject", "reason": "Usaha belum berjalan"},
        )
        assert r.json()["status"] == "rejected"
        quota = (await officer.get(f"/allocations/{YEAR}")).json()
        assert quota["reserved"] == 0

        result = await run_once(world.settings, world.now)
        # oldest first: c (50m, waiting since before the allocation existed) now fits; b (20m)
        # no longer does
        assert (result.expired, result.promoted) == (0, 1)
        promoted = (await officer.get(f"/applications/{waiting['id']}")).json()
        assert (promoted["status"], promoted["status_reason"]) == ("reserved", None)
        still = (await officer.get(f"/applications/{second['id']}")).json()
        assert still["status"] == "waitlisted"
        assert still["status_reason"].endswith("tersisa Rp10.000.000")
        quota = (await officer.get(f"/allocations/{YEAR}")).json()
        assert (quota["reserved"], quota["available"]) == (50_000_000, 10_000_000)

    await world.relay().publish_pending()
    statuses = [
        (p.participant_id, p.status)
        for p in (
            CreditApplicationSubmitted.model_validate_json(e["data"])
            for e in await world.stream_entries(CreditApplicationSubmitted)
        )
    ]
    assert statuses == [
        ("c", "waitlisted"),
        ("a", "reserved"),
        ("b", "waitlisted"),
        ("c", "reserved"),
    ]
    rejected = await world.stream_entries(CreditRejected)
    assert CreditRejected.model_validate_json(rejected[0]["data"]).reason == "Usaha belum berjalan"


async def test_lapsed_prequalification_releases_its_reservation(credit_world: Any) -> None:
    world = credit_world
    pqs = await world.prequalify([world.registered("a")])
    async with world.api() as client:
        officer, bri = client("credit_officer"), client("bank", "BRI")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 100_000_000})
        app = (await officer.post("/applications", json=application("a", pqs["a"]))).json()
        valid_until = date.fromisoformat(app["valid_until"])

        # on the last valid day nothing lapses
        world.now = world.now.replace(year=2027, month=2, day=25)
        assert (await run_once(world.settings, world.now)).expired == 0
        world.now += timedelta(days=1)
        assert valid_until < date(2027, 2, 26)
        r = await bri.post(f"/applications/{app['id']}/decision", json={"decision": "approve"})
        assert r.status_code == 409  # lapsed: the bank can no longer approve on it
        result = await run_once(world.settings, world.now)
        assert result.expired == 1
        expired = (await officer.get(f"/applications/{app['id']}")).json()
        assert expired["status"] == "expired"
        assert "dilepas" in expired["status_reason"]
        quota = (await officer.get(f"/allocations/{YEAR}")).json()
        assert (quota["reserved"], quota["available"]) == (0, 100_000_000)
        assert (await run_once(world.settings, world.now)).expired == 0


async def test_pipeline_report_by_regency_and_programme(credit_world: Any) -> None:
    world = credit_world
    tenun = await world.prequalify([world.registered("a"), world.registered("b")], "s-tenun")
    await world.prequalify(
        [
            world.registered("c"),
            world.registered("d", birth_date=date(2008, 1, 1), marital_status="belum_kawin"),
        ],
        "s-terasi",
        programme_code="TERASI",
        category="fisheries_processing",
        regency_code="5203",
    )
    async with world.api() as client:
        officer = client("credit_officer")
        await client("admin").put(f"/allocations/{YEAR}", json={"total": 10**9})
        app = (await officer.post("/applications", json=application("a", tenun["a"]))).json()
        await client("bank", "BRI").post(
            f"/applications/{app['id']}/decision",
            json={"decision": "approve", "amount": 30_000_000},
        )
        report = (await officer.get("/reports/pipeline", params={"year": YEAR})).json()
        stages = {s["stage"]: (s["count"], s["amount"]) for s in report["stages"]}
        assert stages["prequalified"] == (3, 300_000_000)
        assert stages["needs_review"] == (1, 100_000_000)
        assert stages["approved"] == (1, 30_000_000)
        assert stages["reserved"] == (0, 0)
        rows = {
            (r["regency_code"], r["programme_code"], r["stage"]): r["count"] for r in report["rows"]
        }
        assert rows == {
            ("5202", "TENUN-TAS", "prequalified"): 2,
            ("5202", "TENUN-TAS", "approved"): 1,
            ("5203", "TERASI", "prequalified"): 1,
            ("5203", "TERASI", "needs_review"): 1,
        }
        only = (await officer.get("/reports/pipeline", params={"regency_code": "5203"})).json()
        assert {r["programme_code"] for r in only["rows"]} == {"TERASI"}
        r = await officer.get("/reports/pipeline", params={"regency_code": "52"})
        assert r.status_code == 422


async def test_an_allocation_with_too_many_sub_limits_is_refused_early(credit_world: Any) -> None:
    # Issue 15 item 11: 600,000 bank sub-limits took the API to 1.97 GB and stalled it 21 s.
    async with credit_world.api() as client:
        admin = client("admin")
        huge = await admin.put(
            f"/allocations/{YEAR}",
            json={"total": 10**12, "banks": {f"B{i}": 1 for i in range(600_000)}},
        )
        assert huge.status_code == 413, huge.text[:300]
        too_many = await admin.put(
            f"/allocations/{YEAR}",
            json={"total": 10**12, "banks": {f"BANK{i}": 1 for i in range(101)}},
        )
        assert too_many.status_code == 422, too_many.text[:300]
        assert too_many.json()["errors"][0]["field"] == "banks"
        fine = await admin.put(
            f"/allocations/{YEAR}",
            json={"total": 10**12, "banks": {f"BANK{i}": 1 for i in range(100)}},
        )
        assert fine.status_code == 200, fine.text[:300]
