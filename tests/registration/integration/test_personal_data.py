"""Personal data across BP3MI offices and in input (issue 15, items 1, 2, 3, 4, 10, 13), on a
real PostgreSQL and Redis: nothing about another office's participant reaches an operator, NIK
lookups are audited and rate-limited per user, client ids never carry a NIK into events, text
is clean."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purna_registration.entrypoints.api import create_app
from purna_registration.service_layer.imports import ImportRunner
from purna_registration.settings import RegistrationSettings
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.http.auth import mint_token
from purna_shared.messaging.outbox import OutboxRelay

pytestmark = pytest.mark.integration

Auth = Callable[..., dict[str, str]]
Body = Callable[..., dict[str, Any]]


def _no_trace_of(response: httpx.Response, *secrets: str) -> None:
    text = response.text + " " + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    for secret in secrets:
        assert secret not in text, (secret, text)


async def test_another_offices_participant_is_never_disclosed_to_an_operator(
    client: httpx.AsyncClient, auth: Auth, body_for: Body
) -> None:
    ntb, jatim = auth("operator", office="NTB"), auth("operator", office="JATIM")
    body = body_for(1)
    registered = await client.post("/participants", json=body, headers=ntb)
    assert registered.status_code == 201
    pid = registered.json()["id"]

    # the lookup: registered, but no id, no office
    looked = await client.post("/participants/lookup", json={"nik": body["nik"]}, headers=jatim)
    assert looked.status_code == 200
    assert looked.json() == {"registered": True, "participant_id": None, "office": None}
    _no_trace_of(looked, pid, "NTB", body["full_name"])
    own = await client.post("/participants/lookup", json={"nik": body["nik"]}, headers=ntb)
    assert own.json() == {"registered": True, "participant_id": pid, "office": "NTB"}

    # the duplicate: 409 without id, Location, office or name
    duplicate = await client.post("/participants", json=body, headers=jatim)
    assert duplicate.status_code == 409
    assert "location" not in duplicate.headers
    assert "participant_id" not in duplicate.json()
    _no_trace_of(duplicate, pid, "NTB", body["full_name"])
    same = await client.post("/participants", json=body, headers=ntb)
    assert same.status_code == 409
    assert same.json()["participant_id"] == pid
    assert same.headers["location"] == f"/participants/{pid}"

    # an admin (office-wide) still learns it
    admin = await client.post(
        "/participants/lookup", json={"nik": body["nik"]}, headers=auth("admin")
    )
    assert admin.json()["participant_id"] == pid


async def test_another_offices_campaign_is_answered_like_a_missing_one(
    client: httpx.AsyncClient, auth: Auth, body_for: Body
) -> None:
    ntb, jatim = auth("operator", office="NTB"), auth("operator", office="JATIM")
    campaign = await client.post(
        "/campaigns",
        json={
            "name": "Pendaftaran Bonjeruk 2026",
            "regency_code": "5202",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
        headers=ntb,
    )
    assert campaign.status_code == 201, campaign.text
    cid = campaign.json()["id"]
    refused = await client.post(
        "/participants", json=body_for(2, campaign_id=cid, office=None), headers=jatim
    )
    missing = await client.post(
        "/participants", json=body_for(3, campaign_id="no-such-campaign"), headers=jatim
    )
    assert refused.status_code == missing.status_code == 422
    assert refused.json()["errors"] == missing.json()["errors"]
    _no_trace_of(refused, "NTB")
    upload = await client.post(
        "/imports",
        files={"file": ("x.csv", b"nik,full_name\n", "text/csv")},
        data={"campaign_id": cid},
        headers={**jatim, "Idempotency-Key": "k-campaign"},
    )
    assert upload.status_code == 422
    _no_trace_of(upload, "NTB")


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _row(body: dict[str, Any]) -> dict[str, str]:
    address = body["address"]
    pmi = body["pmi"]
    return {
        "nik": body["nik"],
        "full_name": body["full_name"],
        "gender": body["gender"],
        "birth_date": body["birth_date"],
        "marital_status": body["marital_status"],
        "phone": body["phone"],
        "province_code": address["province_code"],
        "regency_code": address["regency_code"],
        "district": address["district"],
        "village": address["village"],
        "category": body["category"],
        "destination_country": pmi["destination_country"],
        "sector": pmi["sector"],
        "years_abroad": str(pmi["years_abroad"]),
        "consent_granted": "ya",
        "consent_channels": "sms",
    }


async def test_an_import_report_names_no_participant_of_another_office(
    client: httpx.AsyncClient, auth: Auth, body_for: Body, runner: ImportRunner
) -> None:
    ntb, jatim = auth("operator", office="NTB"), auth("operator", office="JATIM")
    theirs, ours = body_for(4), body_for(5)
    ntb_id = (await client.post("/participants", json=theirs, headers=ntb)).json()["id"]
    jatim_id = (await client.post("/participants", json=ours, headers=jatim)).json()["id"]
    upload = await client.post(
        "/imports",
        files={"file": ("peserta.csv", _csv([_row(theirs), _row(ours)]), "text/csv")},
        headers={**jatim, "Idempotency-Key": "k-import-1"},
    )
    assert upload.status_code == 202, upload.text
    assert await runner.run_until_idle() == 1
    report = await client.get(f"/imports/{upload.json()['id']}", headers=jatim)
    errors = {e["row"]: e for e in report.json()["errors"]["items"]}
    assert errors[2]["kind"] == errors[3]["kind"] == "already_registered"
    assert errors[2]["participant_id"] is None
    assert "another office" in errors[2]["message"]
    _no_trace_of(report, ntb_id, "NTB")
    assert errors[3]["participant_id"] == jatim_id


async def test_nik_lookups_are_audited_and_limited_per_user(
    settings: RegistrationSettings, auth: Auth, body_for: Body
) -> None:
    limited = settings.model_copy(update={"nik_lookup_limit": 5})
    app: FastAPI = create_app(limited)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        ntb, other = (
            {
                "Authorization": "Bearer "
                + mint_token(limited, role="operator", office="NTB", subject=s)
            }
            for s in ("op-ntb-1", "op-ntb-2")
        )
        body = body_for(6)
        await client.post("/participants", json=body, headers=ntb)
        answers = [
            (
                await client.post(
                    "/participants/lookup", json={"nik": body_for(i)["nik"]}, headers=ntb
                )
            )
            for i in range(6, 11)
        ]
        assert [a.status_code for a in answers] == [200] * 5
        over = await client.post("/participants/lookup", json={"nik": body["nik"]}, headers=ntb)
        assert over.status_code == 429
        assert int(over.headers["retry-after"]) >= 1
        # a refused duplicate answers the same question: it is counted and limited too
        assert (await client.post("/participants", json=body, headers=ntb)).status_code == 429
        # the budget is per user
        fresh = await client.post("/participants/lookup", json={"nik": body["nik"]}, headers=other)
        assert fresh.status_code == 200

        trail = await client.get(
            "/audit-log", params={"action": "nik_lookup", "limit": 50}, headers=auth("auditor")
        )
        assert trail.status_code == 200, trail.text
        entries = trail.json()["items"]
        assert len(entries) == 6  # five by op-ntb-1 within budget, one by op-ntb-2
        assert {e["actor"] for e in entries} == {"op-ntb-1", "op-ntb-2"}
        assert sum(1 for e in entries if e["detail"]["registered"]) == 2
        assert body["nik"] not in trail.text


async def test_a_nik_as_request_id_reaches_neither_events_nor_logs(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    body_for: Body,
    relay: OutboxRelay,
    store: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    nik = body_for(7)["nik"]
    response = await client.post(
        "/participants",
        json=body_for(8),
        headers={**ntb, "X-Request-ID": nik, "X-Correlation-ID": nik},
    )
    assert response.status_code == 201
    assert response.headers["x-request-id"] != nik
    await relay.publish_pending()
    [(envelope, _)] = await store.events(ParticipantRegistered)
    assert envelope.correlationid == response.headers["x-request-id"]
    assert nik not in str(envelope.to_fields())
    assert nik not in caplog.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "Baiq\x00Nurul"),
        ("full_name", "Baiq\u200bNurul"),
        ("email", "aini\u200b@example.com"),
        ("email", "aini\x1b@example.com"),
        ("address.village", "Bon\x07jeruk"),
        ("address.district", "Jong\u202egat"),
        ("address.village", "Bonjeruk 5202064107900001"),
    ],
)
async def test_text_fields_refuse_control_characters_and_niks(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, field: str, value: str
) -> None:
    body = body_for(9)
    if field.startswith("address."):
        body["address"] = {**body["address"], field.split(".")[1]: value}
    else:
        body[field] = value
    response = await client.post("/participants", json=body, headers=ntb)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert "5202064107900001" not in response.text


async def test_a_duplicate_json_key_is_refused_and_nothing_registered(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, store: Any
) -> None:
    import json

    text = json.dumps(body_for(10))
    forged = text[:-1] + ', "full_name": "Orang Lain"}'
    response = await client.post(
        "/participants",
        content=forged.encode(),
        headers={**ntb, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "'full_name'" in response.json()["detail"]
    assert await store.participants() == 0
    listed = await client.get("/participants", headers=ntb)
    assert listed.headers["cache-control"] == "no-store"
    assert listed.headers["x-content-type-options"] == "nosniff"


async def test_no_error_or_report_row_repeats_a_cell_value(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, runner: ImportRunner
) -> None:
    # issue 15, item 4: a file without its header row, and rows with values in the wrong place
    person = _row(body_for(11))
    headless = ",".join(person.values()).encode() + b"\n"
    refused = await client.post(
        "/imports",
        files={"file": ("x.csv", headless, "text/csv")},
        headers={**ntb, "Idempotency-Key": "k-headless"},
    )
    assert refused.status_code == 422
    for value in (person["nik"], person["full_name"], person["phone"], person["birth_date"]):
        assert value.lower().replace(" ", "_") not in refused.text.lower()

    misplaced = {
        **person,
        "birth_date": "1 Juli 1990",
        "destination_country": person["nik"],
        "regency_code": person["phone"],
        "consent_channels": "sms;Baiq Nurul",
    }
    upload = await client.post(
        "/imports",
        files={"file": ("x.csv", _csv([misplaced]), "text/csv")},
        headers={**ntb, "Idempotency-Key": "k-misplaced"},
    )
    assert upload.status_code == 202, upload.text
    assert await runner.run_until_idle() == 1
    report = await client.get(f"/imports/{upload.json()['id']}", headers=ntb)
    errors = report.json()["errors"]["items"]
    assert {e["field"] for e in errors} >= {"birth_date"}
    for value in ("1 Juli 1990", person["nik"], person["phone"], "Baiq Nurul"):
        assert value not in report.text, value


async def test_sqlite_refuses_control_characters_like_postgresql(
    tmp_path: Any, redis_url: str, stream_prefix: str, body_for: Body
) -> None:
    # issue 15, item 10: PostgreSQL refuses NUL in text by itself; the embedded SQLite would
    # store it. The API refuses first, so both behave alike.
    from purna_registration.adapters.orm import MIGRATIONS_DIR
    from purna_shared.db import migrate_async

    url = f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}"
    await migrate_async(MIGRATIONS_DIR, url)
    settings = RegistrationSettings(
        database_url=url, redis_url=redis_url, stream_prefix=stream_prefix, log_json=False
    )
    headers = {"Authorization": "Bearer " + mint_token(settings, role="operator", office="NTB")}
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        for body in (
            body_for(12, full_name="Baiq\x00Nurul"),
            body_for(12, email="a\x00@example.com"),
            body_for(12, address={**body_for(12)["address"], "village": "Bon\x00jeruk"}),
        ):
            response = await client.post("/participants", json=body, headers=headers)
            assert response.status_code == 422, response.text
        campaign = await client.post(
            "/campaigns",
            json={
                "name": "Pendaftaran\x1b[2J",
                "regency_code": "5202",
                "starts_on": "2026-01-01",
                "ends_on": "2026-02-01",
            },
            headers=headers,
        )
        assert campaign.status_code == 422
        assert campaign.json()["errors"][0]["field"] == "name"
        upload = await client.post(
            "/imports",
            files={"file": ("peserta\u202egpj.csv", _csv([_row(body_for(13))]), "text/csv")},
            headers={**headers, "Idempotency-Key": "k-name"},
        )
        assert upload.status_code == 422
        assert upload.json()["errors"][0]["field"] == "file"
        listed = await client.get("/participants", headers=headers)
        assert listed.json()["total"] == 0
