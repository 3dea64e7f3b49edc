"""Field intake end to end on PostgreSQL and Redis: KoboToolbox pushes and an ODK Central pull
go through the registration path of the API (validation, NIK de-duplication, one event per
participant), each submission taken once, and the failures come back in the report."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from purna_registration.settings import IntakeFormSettings, RegistrationSettings
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.messaging.outbox import OutboxRelay

from ..conftest import make_nik

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures"
FORM = "purna_registrasi_ntb"
SECRET = "kobo-form-secret-ntb-0123456789"
HEADERS = {"X-Purna-Intake-Secret": SECRET}
BORN = date(1990, 7, 1)


@pytest.fixture
def settings(settings: RegistrationSettings) -> RegistrationSettings:
    return settings.model_copy(
        update={
            "intake_forms": {
                FORM: IntakeFormSettings(office="NTB", secret=SecretStr(SECRET), odk_project_id=3)
            }
        }
    )


BASE = json.loads((FIXTURES / "kobo_submission.json").read_text(encoding="utf-8"))


def push(n: int, *, nik_serial: int | None = None, **answers: Any) -> dict[str, Any]:
    """Kobo's JSON for submission ``n`` (its own instanceID), a woman born 1 July 1990."""
    payload = copy.deepcopy(BASE)
    uuid = f"00000000-0000-4000-8000-{n:012d}"
    payload.update(
        {
            "_id": 348200000 + n,
            "_uuid": uuid,
            "meta/instanceID": f"uuid:{uuid}",
            "nik": make_nik(BORN, "P", area="520206", serial=nik_serial or n + 1),
            "enumerator": f"Petugas {n % 7}",
            **answers,
        }
    )
    return payload


async def test_500_pushes_with_duplicates_and_invalid_rows(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    store: Any,
    relay: OutboxRelay,
) -> None:
    payloads = []
    for n in range(500):
        if n < 20:  # the same person collected twice: a second submission with a known NIK
            payloads.append(push(n, nik_serial=1000 + n))
        elif n < 50:  # 30 rows with a bad answer: an unknown regency in the NIK, a bad phone
            bad = {"phone": "0812"} if n % 2 else {"nik": "5299" + "0" * 12}
            payloads.append(push(n, **bad))
        else:
            payloads.append(push(n))
    payloads += [push(500 + n, nik_serial=1000 + n) for n in range(20)]  # the 20 duplicates
    statuses: dict[int, int] = {}
    for payload in payloads:
        response = await client.post(f"/intake/kobo/{FORM}", json=payload, headers=HEADERS)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    assert statuses == {201: 470, 422: 30, 409: 20}
    assert await store.participants() == 470  # 450 + the 20 first copies of the duplicates

    # Kobo retries: the same submission again is taken once and answers as before
    again = await client.post(f"/intake/kobo/{FORM}", json=payloads[60], headers=HEADERS)
    assert again.status_code == 200 and again.json()["repeated"] is True
    rejected_again = await client.post(f"/intake/kobo/{FORM}", json=payloads[21], headers=HEADERS)
    assert rejected_again.status_code == 422 and rejected_again.json()["repeated"] is True
    assert await store.participants() == 470

    await relay.publish_pending()
    assert len(await store.events(ParticipantRegistered)) == 470

    report = await client.get(f"/intake/{FORM}/report?limit=100", headers=ntb)
    assert report.status_code == 200
    body = report.json()
    assert body["total"] == 50
    kinds = {row["status"] for row in body["items"]}
    assert kinds == {"rejected", "duplicate"}
    for row in body["items"]:
        assert row["errors"] and row["enumerator"].startswith("Petugas")
        assert all("5202064" not in e["message"] for e in row["errors"])  # no NIK in a report
    reasons = {e["field"] for row in body["items"] for e in row["errors"]}
    assert reasons == {"nik", "phone"}


async def test_the_exact_figures_of_the_issue(
    client: httpx.AsyncClient, ntb: dict[str, str], store: Any, relay: OutboxRelay
) -> None:
    """500 pushes of one form with 20 duplicates and 30 invalid rows: exactly 450
    participants and 450 events, and a report of 50 rows with reasons."""
    payloads = [push(n) for n in range(450)]
    payloads += [push(450 + n, nik_serial=n + 1) for n in range(20)]  # same NIK, new submission
    payloads += [push(470 + n, gender="L") for n in range(30)]  # a woman's NIK marked L
    for payload in payloads:
        await client.post(f"/intake/kobo/{FORM}", json=payload, headers=HEADERS)
    assert await store.participants() == 450
    await relay.publish_pending()
    assert len(await store.events(ParticipantRegistered)) == 450
    report = (await client.get(f"/intake/{FORM}/report?limit=100", headers=ntb)).json()
    assert report["total"] == 50
    assert sum(r["status"] == "duplicate" for r in report["items"]) == 20
    assert {
        e["field"] for r in report["items"] if r["status"] == "rejected" for e in r["errors"]
    } == {"gender"}


async def test_a_push_needs_the_forms_secret(client: httpx.AsyncClient) -> None:
    wrong = await client.post(
        f"/intake/kobo/{FORM}", json=push(1), headers={"X-Purna-Intake-Secret": "nope"}
    )
    assert wrong.status_code == 401
    unknown = await client.post("/intake/kobo/other_form", json=push(1), headers=HEADERS)
    assert unknown.status_code == 404
    unreadable = await client.post(f"/intake/kobo/{FORM}", json=[1, 2], headers=HEADERS)
    assert unreadable.status_code == 422
    assert "JSON object" in unreadable.json()["detail"]


class RecordedCentral:
    """ODK Central's Submissions table as recorded (no network in tests)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []
        self.table = json.loads((FIXTURES / "odk_submissions.json").read_text(encoding="utf-8"))

    def rows(self, project_id: int, form_id: str) -> list[dict[str, Any]]:
        self.calls.append((project_id, form_id))
        return list(self.table["value"])


async def test_an_odk_central_pull_takes_each_submission_once(
    app: Any, client: httpx.AsyncClient, ntb: dict[str, str], auth: Any, store: Any
) -> None:
    central = RecordedCentral()
    app.state.odk_source = central
    first = await client.post(f"/intake/odk/{FORM}/pull", headers=ntb)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "received": 2,
        "registered": 1,
        "duplicate": 0,
        "rejected": 1,
        "repeated": 0,
        "unreadable": [],
    }
    assert central.calls == [(3, FORM)]
    second = (await client.post(f"/intake/odk/{FORM}/pull", headers=ntb)).json()
    assert (second["repeated"], second["registered"]) == (2, 0)
    assert await store.participants() == 1
    other_office = await client.post(
        f"/intake/odk/{FORM}/pull", headers=auth("operator", office="JATIM")
    )
    assert other_office.status_code == 403
    report = (await client.get(f"/intake/{FORM}/report", headers=ntb)).json()
    [row] = report["items"]
    assert row["enumerator"] == "Siti Rahmah" and row["status"] == "rejected"
    jatim_report = await client.get(
        f"/intake/{FORM}/report", headers=auth("operator", office="JATIM")
    )
    assert jatim_report.json()["total"] == 0  # another office's report is not theirs


async def test_the_xlsform_is_served(client: httpx.AsyncClient, ntb: dict[str, str]) -> None:
    response = await client.get("/intake/xlsform", headers=ntb)
    assert response.status_code == 200
    assert response.content[:2] == b"PK"  # an xlsx is a zip
