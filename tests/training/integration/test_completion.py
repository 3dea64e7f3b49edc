"""Completion: exactly the right outcomes from mixed attendance, announced exactly once, and a
certificate per completer."""

from __future__ import annotations

import asyncio
import re
import zlib
from datetime import date, timedelta

import pytest

from purna_shared.contracts.events import SessionCompleted
from purna_shared.http.auth import Role

from .conftest import TrainingWorld, schedule, wita

pytestmark = pytest.mark.integration

DAYS = [date(2024, 8, 12) + timedelta(days=n) for n in range(4)]  # 12-15 August 2024
# days present per participant (index into DAYS); 3 of 4 is exactly the 75% minimum
ATTENDANCE = {
    "ani": [0, 1, 2, 3],
    "budi": [0, 1, 2],
    "citra": [1, 2, 3],
    "dewi": [0, 3],  # misses half: more than a quarter
    "eko": [2],
    "fitri": [],
    "gita": [0, 2, 3],
    "hadi": [0, 1],
}
EXPECTED = {  # participant: (completed, attendance_rate)
    "ani": (True, 1.0),
    "budi": (True, 0.75),
    "citra": (True, 0.75),
    "dewi": (False, 0.5),
    "eko": (False, 0.25),
    "fitri": (False, 0.0),
    "gita": (True, 0.75),
    "hadi": (False, 0.5),
}


async def _run_bonjeruk(training: TrainingWorld, **session: str) -> str:
    people = list(ATTENDANCE)
    await training.register(people)
    operator = training.client()
    session_id = await schedule(operator, **session)
    for participant_id in people:
        response = await operator.post(
            f"/sessions/{session_id}/enrollments", json={"participant_id": participant_id}
        )
        assert response.status_code in (200, 201), response.text
    training.clock.moment = wita(DAYS[-1], 16)  # the afternoon of the last day
    trainer = training.client(Role.TRAINER, subject="trainer-lalu")
    for index, day in enumerate(DAYS):
        present = [p for p, days in ATTENDANCE.items() if index in days]
        response = await trainer.put(
            f"/sessions/{session_id}/attendance/{day.isoformat()}", json={"present": present}
        )
        assert response.status_code == 200, response.text
    return session_id


async def test_mixed_attendance_completes_with_exactly_the_right_outcomes_once(
    training: TrainingWorld,
) -> None:
    session_id = await _run_bonjeruk(training)
    operator = training.client()

    first = await operator.post(f"/sessions/{session_id}/complete")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "completed"
    outcomes = {o["participant_id"]: o for o in body["outcomes"]}
    assert {p: (o["completed"], o["attendance_rate"]) for p, o in outcomes.items()} == EXPECTED
    # certificates numbered in enrolment order among the completers
    assert [o["certificate_no"] for o in body["outcomes"]] == [
        "NTB/2024/TENUN/0001",
        "NTB/2024/TENUN/0002",
        "NTB/2024/TENUN/0003",
        None,
        None,
        None,
        "NTB/2024/TENUN/0004",
        None,
    ]

    # Completing again, also twice at once, returns the stored result and emits nothing.
    again = await asyncio.gather(
        operator.post(f"/sessions/{session_id}/complete"),
        operator.post(f"/sessions/{session_id}/complete"),
    )
    assert [r.json() for r in again] == [body, body]
    stored = await operator.get(f"/sessions/{session_id}/outcomes")
    assert stored.json() == body

    await training.relay().publish_pending()
    announced = await training.stream(SessionCompleted)
    assert len(announced) == 1
    event = announced[0].payload(SessionCompleted)
    assert event.session_id == session_id
    assert (event.programme.code, event.village, event.regency_code) == (
        "TENUN",
        "Bonjeruk",
        "5202",
    )
    assert {o.participant_id: (o.completed, o.attendance_rate) for o in event.outcomes} == EXPECTED
    assert {o.participant_id: o.certificate_no for o in event.outcomes} == {
        p: o["certificate_no"] for p, o in outcomes.items()
    }
    # the relay has nothing more to send
    assert await training.relay().publish_pending() == 0


async def test_certificate_numbers_continue_per_office_year_and_programme(
    training: TrainingWorld,
) -> None:
    first = await _run_bonjeruk(training)
    operator = training.client()
    await operator.post(f"/sessions/{first}/complete")
    # Pringgasela, same programme and year: numbering continues after Bonjeruk's four
    second = await schedule(
        operator,
        village="Pringgasela",
        district="Pringgasela",
        regency_code="5203",
        start_date="2024-09-02",
        end_date="2024-09-02",
    )
    await operator.post(f"/sessions/{second}/enrollments", json={"participant_id": "ani"})
    training.clock.moment = wita(date(2024, 9, 2), 16)
    await operator.put(f"/sessions/{second}/attendance/2024-09-02", json={"present": ["ani"]})
    done = await operator.post(f"/sessions/{second}/complete")
    assert [o["certificate_no"] for o in done.json()["outcomes"]] == ["NTB/2024/TENUN/0005"]


async def test_a_completer_gets_a_certificate_in_bahasa_indonesia(training: TrainingWorld) -> None:
    session_id = await _run_bonjeruk(training)
    operator = training.client()
    await operator.post(f"/sessions/{session_id}/complete")

    response = await operator.get(f"/sessions/{session_id}/certificates/budi.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    for expected in (
        "SERTIFIKAT",
        "Nomor: NTB/2024/TENUN/0002",
        "Peserta budi",
        "Menjahit Bahan Tenun",
        "Desa Bonjeruk, Kecamatan Jonggat, Kabupaten Lombok Tengah",
        "12–15 Agustus 2024",  # with its en dash (Windows-1252 in the PDF)
        "BP3MI Nusa Tenggara Barat",
    ):
        assert expected.encode("cp1252") in text, expected

    trainer = training.client(Role.TRAINER, subject="trainer-lalu")
    assert (await trainer.get(f"/sessions/{session_id}/certificates/ani.pdf")).status_code == 200
    missing = await operator.get(f"/sessions/{session_id}/certificates/dewi.pdf")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    stranger = await operator.get(f"/sessions/{session_id}/certificates/nobody.pdf")
    assert stranger.status_code == 404


async def test_completion_waits_for_the_last_day_and_every_days_attendance(
    training: TrainingWorld,
) -> None:
    await training.register(["ani"])
    operator = training.client()
    session_id = await schedule(operator)
    await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": "ani"})

    training.clock.moment = wita(DAYS[2], 16)  # 14 August: one day to go
    await operator.put(f"/sessions/{session_id}/attendance/2024-08-12", json={"present": ["ani"]})
    early = await operator.post(f"/sessions/{session_id}/complete")
    assert early.status_code == 409
    assert early.json()["code"] == "session_not_over"
    assert early.json()["last_day"] == "2024-08-15"

    training.clock.moment = wita(DAYS[3], 8)  # the last day (WITA), though still 14 Aug in UTC
    missing = await operator.post(f"/sessions/{session_id}/complete")
    assert missing.status_code == 409
    assert missing.json()["code"] == "attendance_missing"
    assert missing.json()["days"] == ["2024-08-13", "2024-08-14", "2024-08-15"]

    for day in DAYS[1:]:
        await operator.put(
            f"/sessions/{session_id}/attendance/{day.isoformat()}", json={"present": []}
        )
    done = await operator.post(f"/sessions/{session_id}/complete")
    assert done.status_code == 200
    assert done.json()["outcomes"] == [
        {
            "participant_id": "ani",
            "completed": False,
            "attendance_rate": 0.25,
            "days_present": 1,
            "session_days": 4,
            "assessment_passed": None,
            "certificate_no": None,
        }
    ]
    # a completed session takes no more attendance, except a repeat of what is on record
    late = await operator.put(
        f"/sessions/{session_id}/attendance/2024-08-15", json={"present": ["ani"]}
    )
    assert late.status_code == 409 and late.json()["code"] == "session_closed"
    repeat = await operator.put(
        f"/sessions/{session_id}/attendance/2024-08-12", json={"present": ["ani"]}
    )
    assert repeat.status_code == 200
    assert repeat.json()["session_status"] == "completed"


async def test_a_trainer_cannot_complete_and_an_operator_elsewhere_cannot_see(
    training: TrainingWorld,
) -> None:
    session_id = await schedule(training.client())
    trainer = training.client(Role.TRAINER, subject="trainer-lalu")
    assert (await trainer.post(f"/sessions/{session_id}/complete")).status_code == 403
    elsewhere = training.client(Role.OPERATOR, office="JATIM")
    assert (await elsewhere.post(f"/sessions/{session_id}/complete")).status_code == 404
    auditor = training.client(Role.AUDITOR)
    assert (await auditor.post(f"/sessions/{session_id}/complete")).status_code == 403


def _pdf_text(pdf: bytes) -> bytes:
    """The page content of an fpdf2 PDF, inflated (its text is in Windows-1252)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    content = b""
    for raw in streams:
        try:
            content += zlib.decompress(raw)
        except zlib.error:
            content += raw
    # fpdf2 escapes parentheses and backslashes inside text strings
    return content.replace(b"\\(", b"(").replace(b"\\)", b")").replace(b"\\\\", b"\\")


async def test_concurrent_completions_never_share_a_certificate_number(
    training: TrainingWorld,
) -> None:
    """Two villages of the same programme, office and year completed at the same moment: the
    numbers are drawn from one counter row, so they interleave but never repeat."""
    villages = {
        "Bonjeruk": [f"b-{n}" for n in range(6)],
        "Pringgasela": [f"p-{n}" for n in range(6)],
    }
    await training.register([pid for people in villages.values() for pid in people])
    operator = training.client()
    sessions = []
    for village, people in villages.items():
        session_id = await schedule(
            operator, village=village, start_date="2024-08-12", end_date="2024-08-12"
        )
        for pid in people:
            await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": pid})
        sessions.append(session_id)
    training.clock.moment = wita(date(2024, 8, 12), 16)
    for session_id, people in zip(sessions, villages.values(), strict=True):
        await operator.put(
            f"/sessions/{session_id}/attendance/2024-08-12", json={"present": people}
        )

    done = await asyncio.gather(*(operator.post(f"/sessions/{s}/complete") for s in sessions))
    numbers = [o["certificate_no"] for r in done for o in r.json()["outcomes"]]
    assert sorted(numbers) == [f"NTB/2024/TENUN/{n:04d}" for n in range(1, 13)]
