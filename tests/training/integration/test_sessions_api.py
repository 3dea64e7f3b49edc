"""Programmes and sessions over HTTP: seeded programmes, scheduling with its validation and
Idempotency-Key, listings with filters and office scope, cancellation, assessments."""

from __future__ import annotations

from datetime import date

import pytest

from purna_shared.contracts.events import EnrollmentCancelled, SessionScheduled
from purna_shared.http.auth import Role

from .conftest import TrainingWorld, schedule, session_body, wita

pytestmark = pytest.mark.integration


async def test_the_2024_ntb_programmes_are_seeded(training: TrainingWorld) -> None:
    response = await training.client(Role.TRAINER, subject="t").get("/programmes")
    assert response.status_code == 200
    body = response.json()
    assert [p["code"] for p in body["items"]] == sorted(
        ["AREN", "TAS", "TERASI", "GARAM", "TENUN", "PRODUKTIVITAS"]
    )
    tenun = next(p for p in body["items"] if p["code"] == "TENUN")
    assert tenun == {
        "code": "TENUN",
        "name": "Menjahit Bahan Tenun",
        "category": "crafts",
        "description": tenun["description"],
        "default_days": 4,
        "default_capacity": 20,
        "completion_rule": {"min_attendance_share": 0.75, "assessment_required": False},
    }
    assert (await training.client().get("/programmes/NOPE")).status_code == 404
    assert (await training.client().get("/programmes")).status_code == 200


async def test_scheduling_a_session_emits_session_scheduled(training: TrainingWorld) -> None:
    operator = training.client()
    response = await operator.post("/sessions", json=session_body())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "scheduled"
    assert (created["days"], created["capacity"], created["seats"]["free"]) == (4, 20, 20)

    await training.relay().publish_pending()
    (entry,) = await training.stream(SessionScheduled)
    event = entry.payload(SessionScheduled)
    assert event.session_id == created["id"]
    assert event.programme.name == "Menjahit Bahan Tenun"
    assert (event.start_date, event.end_date) == (date(2024, 8, 12), date(2024, 8, 15))
    assert entry.source == "purna/training"


async def test_defaults_come_from_the_programme(training: TrainingWorld) -> None:
    body = session_body(programme_code="AREN")
    del body["end_date"], body["capacity"]
    created = (await training.client().post("/sessions", json=body)).json()
    assert (created["end_date"], created["capacity"]) == ("2024-08-15", 20)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2024-08-11"}, "end_date"),
        ({"end_date": "2024-10-01"}, "end_date"),  # more than 31 days
        ({"capacity": 0}, "capacity"),
        ({"regency_code": "52-02"}, "regency_code"),
        ({"programme_code": "MEMASAK"}, "programme_code"),
        ({"start_date": "15/08/2024"}, "start_date"),
        ({"village": "  "}, "village"),
        ({"venue": "Balai\x00Desa"}, "venue"),  # PostgreSQL would refuse the NUL
        ({"colour": "green"}, "colour"),
    ],
)
async def test_an_invalid_session_is_refused_naming_the_field(
    training: TrainingWorld, change: dict[str, object], field: str
) -> None:
    response = await training.client().post("/sessions", json=session_body(**change))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_scheduling_honours_idempotency_key_and_office_scope(
    training: TrainingWorld,
) -> None:
    operator = training.client()
    headers = {"Idempotency-Key": "bonjeruk-2024-tenun"}
    first = await operator.post("/sessions", json=session_body(), headers=headers)
    again = await operator.post("/sessions", json=session_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    listing = (await operator.get("/sessions")).json()
    assert listing["total"] == 1

    other = training.client(Role.OPERATOR, office="JATIM")
    refused = await other.post("/sessions", json=session_body())
    assert refused.status_code == 403
    assert (
        await training.client(Role.AUDITOR).post("/sessions", json=session_body())
    ).status_code == 403
    assert (await other.get("/sessions")).json()["total"] == 0
    assert (await other.get("/sessions", params={"office": "NTB"})).status_code == 403
    assert (await other.get(f"/sessions/{first.json()['id']}")).status_code == 404
    assert (await operator.get("/sessions/bad%00id")).status_code == 422


async def test_listing_filters_and_paginates(training: TrainingWorld) -> None:
    operator = training.client()
    await schedule(operator)
    await schedule(operator, programme_code="TAS", start_date="2024-09-02", end_date="2024-09-05")
    await schedule(
        operator,
        programme_code="GARAM",
        village="Pemongkong",
        district="Jerowaru",
        regency_code="5203",
        start_date="2024-08-19",
        end_date="2024-08-22",
        trainer="trainer-baiq",
    )
    everything = (await operator.get("/sessions")).json()
    assert everything["total"] == 3
    assert [s["start_date"] for s in everything["items"]] == [
        "2024-09-02",
        "2024-08-19",
        "2024-08-12",
    ]
    page = (await operator.get("/sessions", params={"limit": 1, "offset": 1})).json()
    assert (page["total"], [s["programme_code"] for s in page["items"]]) == (3, ["GARAM"])
    lotim = (await operator.get("/sessions", params={"regency_code": "5203"})).json()
    assert [s["village"] for s in lotim["items"]] == ["Pemongkong"]
    august = (
        await operator.get(
            "/sessions", params={"starts_from": "2024-08-01", "starts_until": "2024-08-31"}
        )
    ).json()
    assert august["total"] == 2
    # a trainer sees only their own sessions
    baiq = training.client(Role.TRAINER, subject="trainer-baiq")
    assert [s["village"] for s in (await baiq.get("/sessions")).json()["items"]] == ["Pemongkong"]
    bad = await operator.get("/sessions", params={"status": "finished", "limit": 0})
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["limit", "status"]


async def test_an_overlapping_seat_is_refused(training: TrainingWorld) -> None:
    await training.register(["p-1"])
    operator = training.client()
    first = await schedule(operator)
    second = await schedule(
        operator, programme_code="TAS", start_date="2024-08-15", end_date="2024-08-18"
    )
    third = await schedule(
        operator, programme_code="TAS", start_date="2024-08-16", end_date="2024-08-19"
    )
    assert (
        await operator.post(f"/sessions/{first}/enrollments", json={"participant_id": "p-1"})
    ).status_code == 201
    refused = await operator.post(f"/sessions/{second}/enrollments", json={"participant_id": "p-1"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "overlapping_session"
    assert refused.json()["other_session_id"] == first
    assert (
        await operator.post(f"/sessions/{third}/enrollments", json={"participant_id": "p-1"})
    ).status_code == 201


async def test_cancelling_a_session_tells_everyone_in_it(training: TrainingWorld) -> None:
    await training.register(["p-1", "p-2"])
    operator = training.client()
    session_id = await schedule(operator, capacity=1)
    for pid in ("p-1", "p-2"):
        await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": pid})
    response = await operator.post(f"/sessions/{session_id}/cancel", json={"reason": "banjir"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["seats"]["enrolled"] == 0
    closed = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-1"}
    )
    assert closed.status_code == 409 and closed.json()["code"] == "session_closed"
    await training.relay().publish_pending()
    cancellations = [
        e.payload(EnrollmentCancelled) for e in await training.stream(EnrollmentCancelled)
    ]
    assert sorted(c.participant_id for c in cancellations) == ["p-1", "p-2"]


async def test_a_programme_with_an_assessment(training: TrainingWorld) -> None:
    admin = training.client(Role.ADMIN)
    defined = await admin.put(
        "/programmes/KOPI",
        json={
            "name": "Pengolahan Kopi",
            "category": "agricultural_processing",
            "default_days": 2,
            "completion_rule": {"min_attendance_share": "0.5", "assessment_required": True},
        },
    )
    assert defined.status_code == 201, defined.text
    assert (await training.client().put("/programmes/KOPI", json={"name": "x"})).status_code == 403

    await training.register(["p-1", "p-2", "p-3"])
    operator = training.client()
    session_id = await schedule(
        operator, programme_code="KOPI", start_date="2024-08-12", end_date="2024-08-13"
    )
    for pid in ("p-1", "p-2", "p-3"):
        await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": pid})
    training.clock.moment = wita(date(2024, 8, 13), 16)
    await operator.put(
        f"/sessions/{session_id}/attendance/2024-08-12", json={"present": ["p-1", "p-2"]}
    )
    await operator.put(f"/sessions/{session_id}/attendance/2024-08-13", json={"present": ["p-1"]})
    missing = await operator.post(f"/sessions/{session_id}/complete")
    assert missing.status_code == 409
    assert missing.json()["participant_ids"] == ["p-1", "p-2"]  # p-3 never came
    trainer = training.client(Role.TRAINER, subject="trainer-lalu")
    await trainer.put(f"/sessions/{session_id}/assessments/p-1", json={"passed": True})
    await trainer.put(f"/sessions/{session_id}/assessments/p-2", json={"passed": False})
    stranger = await trainer.put(f"/sessions/{session_id}/assessments/p-9", json={"passed": True})
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["field"] == "participant_id"
    done = (await operator.post(f"/sessions/{session_id}/complete")).json()
    assert [
        (o["participant_id"], o["completed"], o["assessment_passed"]) for o in done["outcomes"]
    ] == [
        ("p-1", True, True),
        ("p-2", False, False),
        ("p-3", False, False),
    ]
    assert done["outcomes"][0]["certificate_no"] == "NTB/2024/KOPI/0001"


async def test_health_and_auth(training: TrainingWorld) -> None:
    import httpx

    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=training.app), base_url="http://test"
    )
    training.clients.append(anonymous)
    assert (await anonymous.get("/livez")).status_code == 200
    ready = await anonymous.get("/readyz")
    assert ready.status_code == 200, ready.text
    refused = await anonymous.get("/sessions")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
