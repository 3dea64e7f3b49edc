"""Attendance: only session days, only enrolled participants, only the session's trainer or
office; each refusal a precise 4xx naming what is wrong."""

from __future__ import annotations

from datetime import date

import pytest

from purna_shared.http.auth import Role

from .conftest import TrainingWorld, schedule, wita

pytestmark = pytest.mark.integration


@pytest.fixture
async def bonjeruk(training: TrainingWorld) -> str:
    """A 12-15 August 2024 session with p-1 and p-2 enrolled and p-3 waitlisted; today is the
    13th (WITA)."""
    await training.register(["p-1", "p-2", "p-3"])
    operator = training.client()
    session_id = await schedule(operator, capacity=2)
    for pid in ("p-1", "p-2", "p-3"):
        await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": pid})
    training.clock.moment = wita(date(2024, 8, 13), 10)
    return session_id


async def test_the_trainer_takes_attendance_and_the_session_starts(
    training: TrainingWorld, bonjeruk: str
) -> None:
    trainer = training.client(Role.TRAINER, subject="trainer-lalu")
    response = await trainer.put(
        f"/sessions/{bonjeruk}/attendance/2024-08-12", json={"present": ["p-2", "p-2"]}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "session_id": bonjeruk,
        "date": "2024-08-12",
        "present": ["p-2"],
        "absent": ["p-1"],
        "session_status": "in_progress",
    }
    # PUT replaces the day's record
    again = await trainer.put(
        f"/sessions/{bonjeruk}/attendance/2024-08-12", json={"present": ["p-1", "p-2"]}
    )
    assert again.json()["absent"] == []
    sheet = (await trainer.get(f"/sessions/{bonjeruk}/attendance")).json()
    assert sheet["days"] == [
        {"date": "2024-08-12", "recorded": True, "present": ["p-1", "p-2"]},
        {"date": "2024-08-13", "recorded": False, "present": []},
        {"date": "2024-08-14", "recorded": False, "present": []},
        {"date": "2024-08-15", "recorded": False, "present": []},
    ]


@pytest.mark.parametrize("day", ["2024-08-11", "2024-08-16", "2025-08-12"])
async def test_a_day_outside_the_session_is_refused_naming_the_session_days(
    training: TrainingWorld, bonjeruk: str, day: str
) -> None:
    response = await training.client().put(
        f"/sessions/{bonjeruk}/attendance/{day}", json={"present": ["p-1"]}
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "not_a_session_day"
    assert (problem["first_day"], problem["last_day"]) == ("2024-08-12", "2024-08-15")
    assert problem["errors"][0]["field"] == "date" and problem["errors"][0]["in"] == "path"
    assert f"{day} is not a day of this session" in problem["detail"]


async def test_someone_not_enrolled_is_refused_naming_each_entry(
    training: TrainingWorld, bonjeruk: str
) -> None:
    response = await training.client().put(
        f"/sessions/{bonjeruk}/attendance/2024-08-12",
        json={"present": ["p-1", "p-3", "stranger"]},  # p-3 only waits for a seat
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "not_enrolled"
    assert problem["participant_ids"] == ["p-3", "stranger"]
    assert [(e["field"], e["in"]) for e in problem["errors"]] == [
        ("present.1", "body"),
        ("present.2", "body"),
    ]
    # nothing was recorded
    sheet = (await training.client().get(f"/sessions/{bonjeruk}/attendance")).json()
    assert sheet["days"][0]["recorded"] is False


async def test_a_day_not_yet_come_and_malformed_requests_are_refused(
    training: TrainingWorld, bonjeruk: str
) -> None:
    operator = training.client()
    future = await operator.put(
        f"/sessions/{bonjeruk}/attendance/2024-08-14", json={"present": ["p-1"]}
    )
    assert future.status_code == 422 and future.json()["code"] == "day_not_yet_come"

    not_a_date = await operator.put(
        f"/sessions/{bonjeruk}/attendance/12-08-2024", json={"present": []}
    )
    assert not_a_date.status_code == 422
    assert not_a_date.json()["errors"][0]["field"] == "date"

    no_list = await operator.put(f"/sessions/{bonjeruk}/attendance/2024-08-12", json={})
    assert no_list.status_code == 422
    assert no_list.json()["errors"][0]["field"] == "present"

    unknown_session = await operator.put(
        "/sessions/nope/attendance/2024-08-12", json={"present": []}
    )
    assert unknown_session.status_code == 404


async def test_only_the_sessions_trainer_or_office_takes_attendance(
    training: TrainingWorld, bonjeruk: str
) -> None:
    url = f"/sessions/{bonjeruk}/attendance/2024-08-12"
    other_trainer = training.client(Role.TRAINER, subject="trainer-other")
    assert (await other_trainer.put(url, json={"present": []})).status_code == 404
    other_office = training.client(Role.OPERATOR, office="JATIM")
    assert (await other_office.put(url, json={"present": []})).status_code == 404
    auditor = training.client(Role.AUDITOR)
    assert (await auditor.put(url, json={"present": []})).status_code == 403
    assert (await auditor.get(f"/sessions/{bonjeruk}/attendance")).status_code == 200
    admin = training.client(Role.ADMIN)
    assert (await admin.put(url, json={"present": ["p-1"]})).status_code == 200
    # a trainer may not enrol
    trainer = training.client(Role.TRAINER, subject="trainer-lalu")
    enrol = await trainer.post(f"/sessions/{bonjeruk}/enrollments", json={"participant_id": "p-3"})
    assert enrol.status_code == 403


async def test_assessments_only_for_programmes_that_have_one(
    training: TrainingWorld, bonjeruk: str
) -> None:
    trainer = training.client(Role.TRAINER, subject="trainer-lalu")
    response = await trainer.put(f"/sessions/{bonjeruk}/assessments/p-1", json={"passed": True})
    assert response.status_code == 409
    assert response.json()["code"] == "assessment_not_required"
