"""Campaigns and their live counts by village and category."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration


async def test_a_campaign_counts_its_registrations_by_village_and_category(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    auth: Callable[..., dict[str, str]],
    body_for: Callable[..., dict[str, Any]],
    nik_for: Callable[..., str],
) -> None:
    created = await client.post(
        "/campaigns",
        json={
            "name": "Pendaftaran Bonjeruk 2024",
            "regency_code": "5202",
            "village": "Bonjeruk",
            "starts_on": "2024-08-12",
            "ends_on": "2024-08-15",
        },
        headers={**ntb, "Idempotency-Key": "camp-1"},
    )
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["office"] == "NTB"
    cid = campaign["id"]

    for serial in range(1, 4):
        r = await client.post("/participants", json=body_for(serial, campaign_id=cid), headers=ntb)
        assert r.status_code == 201
    born = date(1970, 1, 5)
    family = await client.post(
        "/participants",
        json=body_for(
            nik=nik_for(born, "L", area="520207", serial=4),
            full_name="Lalu Ahmad",
            gender="L",
            birth_date=born.isoformat(),
            category="keluarga_pmi",
            pmi=None,
            family={"relation": "orang_tua", "worker_name": "Baiq Rina", "worker_abroad": True},
            address={
                "province_code": "52",
                "regency_code": "5202",
                "district": "Jonggat",
                "village": "Puyung",
            },
            campaign_id=cid,
        ),
        headers=ntb,
    )
    assert family.status_code == 201, family.text
    await client.post("/participants", json=body_for(9), headers=ntb)  # not in the campaign

    detail = (await client.get(f"/campaigns/{cid}", headers=ntb)).json()
    assert detail["counts"] == {
        "total": 4,
        "by_category": {"pmi_purna": 3, "keluarga_pmi": 1},
        "by_village": [
            {
                "regency_code": "5202",
                "district": "Jonggat",
                "village": "Bonjeruk",
                "total": 3,
                "by_category": {"pmi_purna": 3, "keluarga_pmi": 0},
            },
            {
                "regency_code": "5202",
                "district": "Jonggat",
                "village": "Puyung",
                "total": 1,
                "by_category": {"pmi_purna": 0, "keluarga_pmi": 1},
            },
        ],
    }
    listing = await client.get("/campaigns", params={"active_on": "2024-08-13"}, headers=ntb)
    assert [c["id"] for c in listing.json()["items"]] == [cid]

    # another office neither sees the campaign nor registers into it
    ntt = auth("operator", office="NTT")
    assert (await client.get(f"/campaigns/{cid}", headers=ntt)).status_code == 404
    admin = auth("admin")
    wrong = await client.post(
        "/participants", json=body_for(20, campaign_id=cid, office="NTT"), headers=admin
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0] == {
        "field": "campaign_id",
        "in": "body",
        "message": "the campaign belongs to office NTB, not NTT",
        "type": "value_error",
    }
    unknown = await client.post("/participants", json=body_for(21, campaign_id="nope"), headers=ntb)
    assert unknown.json()["errors"][0]["message"] == "no campaign has this id"


async def test_campaign_validation(client: httpx.AsyncClient, ntb: dict[str, str]) -> None:
    response = await client.post(
        "/campaigns",
        json={
            "name": "X",
            "regency_code": "5299",
            "starts_on": "2024-08-15",
            "ends_on": "2024-08-12",
        },
        headers=ntb,
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"regency_code", "ends_on"}
