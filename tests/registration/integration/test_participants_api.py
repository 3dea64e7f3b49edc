"""POST/GET/PATCH /participants and consent withdrawal against PostgreSQL, events on Redis."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
)
from purna_shared.messaging.outbox import OutboxRelay

pytestmark = pytest.mark.integration

Body = Callable[..., dict[str, Any]]
Auth = Callable[..., dict[str, str]]


async def test_register_answers_201_with_the_nik_masked_and_emits_one_event(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, relay: OutboxRelay, store: Any
) -> None:
    body = body_for(1)
    response = await client.post("/participants", json=body, headers=ntb)
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["nik"] == "5202********0001"
    assert record["nik_masked"] is True
    assert body["nik"] not in response.text
    assert record["phone"] == "+6281234567890"
    assert record["office"] == "NTB"
    assert record["version"] == 1
    assert response.headers["Location"] == f"/participants/{record['id']}"

    assert await relay.publish_pending() == 1
    [(envelope, event)] = await store.events(ParticipantRegistered)
    assert envelope.subject == record["id"] and envelope.source == "purna/registration"
    assert event.participant_id == record["id"]
    assert event.consent.channels == ("sms", "whatsapp")
    assert event.pmi.destination_country == "MY"
    assert body["nik"] not in envelope.data  # NIK never in an event


async def test_a_nik_already_registered_gets_409_with_the_existing_id(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, store: Any
) -> None:
    first = await client.post("/participants", json=body_for(1), headers=ntb)
    again = await client.post(
        "/participants", json=body_for(1, full_name="Someone Else"), headers=ntb
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    problem = again.json()
    assert problem["participant_id"] == first.json()["id"]
    assert problem["title"] == "Already registered"
    assert await store.participants() == 1
    assert await store.outbox_rows() == 1


async def test_validation_errors_are_422_problems_naming_each_field(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body
) -> None:
    body = body_for(1, gender="L", phone="0361234567")
    body["address"]["regency_code"] = "5209"
    response = await client.post("/participants", json=body, headers=ntb)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert fields == {
        "gender": "is L but the NIK's birth day is over 40, which marks a woman (P)",
        "phone": "must be a mobile number: 08..., 628... or +628...",
        "address.regency_code": "5209 is not a regency of province 52",
    }
    assert problem["detail"] == "3 invalid fields: gender, phone, address.regency_code"
    assert body["nik"] not in response.text  # the input is not echoed


async def test_a_nik_with_an_unknown_regency_is_a_422_naming_nik(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body
) -> None:
    body = body_for(1)
    body["nik"] = "5299" + body["nik"][4:]  # province 52 has no regency 99
    response = await client.post("/participants", json=body, headers=ntb)
    assert response.status_code == 422, response.text
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"nik"}
    assert "regency code (digits 3-4) is not a regency" in fields["nik"]
    assert "5299" not in fields["nik"]  # errors name the digits' place, never the digits
    assert body["nik"] not in response.text


async def test_a_nik_issued_in_papua_before_the_2022_split_is_accepted(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body
) -> None:
    body = body_for(1)
    body["nik"] = "910101" + body["nik"][6:]  # Merauke under its pre-2022 code (now 9301)
    response = await client.post("/participants", json=body, headers=ntb)
    assert response.status_code == 201, response.text
    assert response.json()["nik"].startswith("9101")


async def test_shape_errors_are_422_problems_too(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body
) -> None:
    body = body_for(1, gender="X", birth_date="1990-13-01", unknown="x")
    del body["consent"]
    response = await client.post("/participants", json=body, headers=ntb)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"gender", "birth_date", "consent", "unknown"}


async def test_idempotency_key_replays_the_first_answer(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, store: Any
) -> None:
    headers = {**ntb, "Idempotency-Key": "reg-0001"}
    first = await client.post("/participants", json=body_for(1), headers=headers)
    second = await client.post("/participants", json=body_for(1), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await store.outbox_rows() == 1


async def test_roles_and_offices(
    client: httpx.AsyncClient, ntb: dict[str, str], auth: Auth, body_for: Body
) -> None:
    # no token, auditor (read-only), trainer: refused
    assert (await client.post("/participants", json=body_for(1))).status_code == 401
    assert (
        await client.post("/participants", json=body_for(1), headers=auth("auditor"))
    ).status_code == 403
    assert (
        await client.post("/participants", json=body_for(1), headers=auth("trainer"))
    ).status_code == 403
    # an operator may not register for another office
    response = await client.post("/participants", json=body_for(1, office="NTT"), headers=ntb)
    assert response.status_code == 403
    # an admin must say which office
    response = await client.post("/participants", json=body_for(1), headers=auth("admin"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "office"
    response = await client.post(
        "/participants", json=body_for(1, office="NTB"), headers=auth("admin")
    )
    assert response.status_code == 201


async def test_an_operator_of_another_office_cannot_read_or_change_a_participant(
    client: httpx.AsyncClient, ntb: dict[str, str], auth: Auth, body_for: Body
) -> None:
    pid = (await client.post("/participants", json=body_for(1), headers=ntb)).json()["id"]
    ntt = auth("operator", office="NTT")
    assert (await client.get(f"/participants/{pid}", headers=ntt)).status_code == 404
    assert (
        await client.patch(f"/participants/{pid}", json={"phone": "081298765432"}, headers=ntt)
    ).status_code == 404
    assert (
        await client.post(f"/participants/{pid}/consent-withdrawal", headers=ntt)
    ).status_code == 404
    assert (
        await client.get(
            f"/participants/{pid}",
            params={"reveal_nik": True, "purpose": "identity_verification"},
            headers=ntt,
        )
    ).status_code == 404
    listing = await client.get("/participants", headers=ntt)
    assert listing.json()["total"] == 0
    assert (
        await client.get("/participants", params={"office": "NTB"}, headers=ntt)
    ).status_code == 403
    # the participant is unchanged
    record = (await client.get(f"/participants/{pid}", headers=ntb)).json()
    assert record["phone"] == "+6281234567890" and record["consent"]["granted"] is True


async def test_a_clear_nik_goes_only_to_allowed_roles_and_every_read_is_audited(
    client: httpx.AsyncClient, ntb: dict[str, str], auth: Auth, body_for: Body
) -> None:
    body = body_for(1)
    pid = (await client.post("/participants", json=body, headers=ntb)).json()["id"]
    plain = await client.get(f"/participants/{pid}", headers=ntb)
    assert plain.json()["nik"] == "5202********0001"

    reveal = {"reveal_nik": "true", "purpose": "identity_verification"}
    clear = await client.get(f"/participants/{pid}", params=reveal, headers=ntb)
    assert clear.status_code == 200
    assert clear.json()["nik"] == body["nik"] and clear.json()["nik_masked"] is False
    assert clear.headers["Cache-Control"] == "no-store"
    admin = await client.get(
        f"/participants/{pid}",
        params={"reveal_nik": "true", "purpose": "data_subject_request"},
        headers=auth("admin"),
    )
    assert admin.json()["nik"] == body["nik"]

    auditor = auth("auditor")
    assert (
        await client.get(f"/participants/{pid}", params=reveal, headers=auditor)
    ).status_code == 403
    assert (await client.get(f"/participants/{pid}", headers=auditor)).json()["nik_masked"]
    missing_purpose = await client.get(
        f"/participants/{pid}", params={"reveal_nik": "true"}, headers=ntb
    )
    assert missing_purpose.status_code == 422
    assert missing_purpose.json()["errors"][0]["field"] == "purpose"

    log = await client.get(
        "/audit-log", params={"participant_id": pid, "action": "nik_read"}, headers=auditor
    )
    entries = log.json()["items"]
    assert [(e["actor_role"], e["purpose"]) for e in entries] == [
        ("admin", "data_subject_request"),
        ("operator", "identity_verification"),
    ]
    assert entries[1]["actor_office"] == "NTB"
    assert entries[1]["route"] == "GET /participants/{participant_id}"
    assert entries[1]["request_id"]
    assert (await client.get("/audit-log", headers=ntb)).status_code == 403


async def test_patch_changes_contact_and_emits_an_update_with_the_next_version(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, relay: OutboxRelay, store: Any
) -> None:
    pid = (await client.post("/participants", json=body_for(1), headers=ntb)).json()["id"]
    response = await client.patch(
        f"/participants/{pid}",
        json={
            "phone": "+62 877 6543 2109",
            "email": "aini@example.id",
            "consent": {"channels": ["email"]},
            "address": {
                "province_code": "52",
                "regency_code": "5271",
                "district": "Ampenan",
                "village": "Dayan Peken",
            },
        },
        headers={**ntb, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["version"] == 2 and response.headers["ETag"] == '"2"'
    assert record["phone"] == "+6287765432109"
    # a stale version is refused
    stale = await client.patch(
        f"/participants/{pid}",
        json={"marital_status": "cerai_hidup"},
        headers={**ntb, "If-Match": '"1"'},
    )
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    bad = await client.patch(f"/participants/{pid}", json={"phone": "12"}, headers=ntb)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    nothing = await client.patch(
        f"/participants/{pid}", json={"phone": "087765432109"}, headers=ntb
    )
    assert nothing.json()["version"] == 2  # same number: no change, no event

    await relay.publish_pending()
    [(_, update)] = await store.events(ParticipantUpdated)
    assert update.version == 2
    assert set(update.changed) == {"phone", "email", "address", "consent"}
    assert update.consent.channels == ("email",)
    assert update.address.regency_code == "5271"


async def test_consent_withdrawal_emits_once_and_stops_changes(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, relay: OutboxRelay, store: Any
) -> None:
    pid = (await client.post("/participants", json=body_for(1), headers=ntb)).json()["id"]
    first = await client.post(f"/participants/{pid}/consent-withdrawal", headers=ntb)
    again = await client.post(f"/participants/{pid}/consent-withdrawal", headers=ntb)
    assert first.status_code == again.status_code == 200
    assert first.json()["consent"]["granted"] is False
    assert first.json()["consent"]["withdrawn_at"] is not None
    assert again.json()["version"] == 2
    refused = await client.patch(
        f"/participants/{pid}", json={"phone": "081298765432"}, headers=ntb
    )
    assert refused.status_code == 409
    await relay.publish_pending()
    [(_, withdrawn)] = await store.events(ConsentWithdrawn)
    assert withdrawn.participant_id == pid and withdrawn.version == 2


async def test_listing_filters_and_paginates(
    client: httpx.AsyncClient, ntb: dict[str, str], body_for: Body, nik_for: Any
) -> None:
    from datetime import date

    family = {"relation": "anak", "worker_name": "Lalu Ahmad", "worker_abroad": True}
    for serial in range(1, 6):
        await client.post("/participants", json=body_for(serial), headers=ntb)
    born = date(1985, 4, 17)
    await client.post(
        "/participants",
        json=body_for(
            nik=nik_for(born, "L", area="520301", serial=9),
            full_name="Lalu Muhammad Zainudin",
            gender="L",
            birth_date=born.isoformat(),
            category="keluarga_pmi",
            pmi=None,
            family=family,
            address={
                "province_code": "52",
                "regency_code": "5203",
                "district": "Jerowaru",
                "village": "Jerowaru",
            },
        ),
        headers=ntb,
    )
    page = (await client.get("/participants", params={"limit": 2, "offset": 2}, headers=ntb)).json()
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (6, 2, 2, 2)
    assert all(item["nik_masked"] for item in page["items"])
    by_regency = await client.get("/participants", params={"regency_code": "5203"}, headers=ntb)
    assert [p["full_name"] for p in by_regency.json()["items"]] == ["Lalu Muhammad Zainudin"]
    by_category = await client.get(
        "/participants", params={"category": "keluarga_pmi"}, headers=ntb
    )
    assert by_category.json()["total"] == 1
    by_village = await client.get("/participants", params={"village": "bonjeruk"}, headers=ntb)
    assert by_village.json()["total"] == 5
    by_name = await client.get("/participants", params={"name": "zainudin lalu"}, headers=ntb)
    assert by_name.json()["total"] == 1
    no_wildcards = await client.get("/participants", params={"name": "%"}, headers=ntb)
    assert no_wildcards.json()["total"] == 0

    found = await client.post("/participants/lookup", json={"nik": body_for(3)["nik"]}, headers=ntb)
    assert found.json()["registered"] is True and found.json()["office"] == "NTB"
    unknown = await client.post(
        "/participants/lookup", json={"nik": body_for(77)["nik"]}, headers=ntb
    )
    assert unknown.json() == {"registered": False, "participant_id": None, "office": None}


async def test_no_nik_reaches_a_log_record(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    body_for: Body,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Before any masking formatter: the service never hands a NIK to the logging system."""
    caplog.set_level(logging.DEBUG)
    body = body_for(1)
    pid = (await client.post("/participants", json=body, headers=ntb)).json()["id"]
    await client.post("/participants", json=body, headers=ntb)  # 409
    await client.post("/participants", json={**body, "gender": "L"}, headers=ntb)  # 422
    await client.get(
        f"/participants/{pid}",
        params={"reveal_nik": "true", "purpose": "identity_verification"},
        headers=ntb,
    )
    assert caplog.records
    for record in caplog.records:
        assert body["nik"] not in record.getMessage()
        assert body["nik"] not in repr(record.__dict__)
