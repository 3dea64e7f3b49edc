"""Personal data in training (issue 15, items 1, 2, 10) on real PostgreSQL and Redis: no
enrolment of another office's participant (so no message to them and no name on a roster), no
NIK or invisible character in text that leaves training (venue, village, cancellation reason)."""

from __future__ import annotations

from typing import Any

import pytest

from purna_shared.contracts.events import ParticipantEnrolled
from purna_shared.http.auth import Role

from .conftest import registered, schedule, session_body

pytestmark = pytest.mark.integration

NIK = "5202064107900001"


async def test_an_operator_cannot_enrol_another_offices_participant(training: Any) -> None:
    world = training
    ntb_person = registered("p-ntb", "Baiq Nurul Aini")
    jatim_person = registered("p-jatim", "Siti Aminah").model_copy(update={"office": "JATIM"})
    await world.deliver(ntb_person, jatim_person)
    operator, admin = world.client(), world.client(Role.ADMIN)
    session_id = await schedule(operator)

    refused = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-jatim"}
    )
    unknown = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-nobody"}
    )
    assert refused.status_code == unknown.status_code
    assert refused.status_code >= 400
    assert refused.json()["title"] == unknown.json()["title"]
    assert "JATIM" not in refused.text and "Siti" not in refused.text
    # not even an admin puts a participant on another office's session
    by_admin = await admin.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-jatim"}
    )
    assert by_admin.status_code == refused.status_code

    ok = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": "p-ntb"}
    )
    assert ok.status_code in (200, 201), ok.text
    roster = (await operator.get(f"/sessions/{session_id}/enrollments")).json()
    assert [e["participant_id"] for e in roster["items"]] == ["p-ntb"]
    assert "Siti" not in str(roster)

    await world.relay().publish_pending()
    enrolled = [e.payload(ParticipantEnrolled) for e in await world.stream(ParticipantEnrolled)]
    assert [e.participant_id for e in enrolled] == ["p-ntb"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("venue", f"Rumah {NIK}"),
        ("venue", "Balai\x00Desa"),
        ("village", "Bon\u200bjeruk"),
        ("district", "Jong\x1bgat"),
        ("trainer", "trainer\u2060lalu"),
    ],
)
async def test_session_text_refuses_niks_and_invisible_characters(
    training: Any, field: str, value: str
) -> None:
    response = await training.client().post("/sessions", json=session_body(**{field: value}))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert NIK not in response.text


async def test_a_cancellation_reason_with_a_nik_is_refused(training: Any) -> None:
    world = training
    await world.register(["p-1"])
    operator = world.client()
    session_id = await schedule(operator)
    assert (
        await operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": "p-1"})
    ).is_success
    refused = await operator.delete(
        f"/sessions/{session_id}/enrollments/p-1", params={"reason": f"pindah, NIK {NIK}"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "reason"
    assert NIK not in refused.text
    cancelled = await operator.delete(
        f"/sessions/{session_id}/enrollments/p-1", params={"reason": "pindah ke Mataram"}
    )
    assert cancelled.status_code == 200, cancelled.text
