"""The HTTP API: the delivery log and template previews, with roles and problem+json errors."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from purna_notification.domain.messages import TEMPLATES
from purna_notification.entrypoints.api import create_app
from purna_notification.settings import NotificationSettings
from purna_shared.contracts.events import SessionCompleted
from purna_shared.http.auth import mint_token

from .conftest import World

pytestmark = pytest.mark.integration

NTB = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"
JATIM = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e02"
DELIVERY_FIELDS = {
    "id",
    "participant_id",
    "channel",
    "template",
    "status",
    "attempts",
    "cause_event_id",
    "scheduled_for",
    "sent_at",
}


async def client_for(settings: NotificationSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c,
    ):
        yield c


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(world.settings):
        yield c


def auth(world: World, role: str, office: str | None = None) -> dict[str, str]:
    token = mint_token(world.settings, role=role, office=office)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def log(world: World) -> World:
    await world.register(
        {
            "participant_id": NTB,
            "phone": "+6281234567890",
            "email": "baiq@example.org",
            "channels": ("sms", "email"),
        }
    )
    await world.register(
        {
            "participant_id": JATIM,
            "phone": "+6281299998888",
            "channels": ("sms",),
            "office": "JATIM",
        }
    )
    await world.consume()
    world.gateway.fail_next.append(500)  # one of the SMS needs a second attempt
    await world.dispatcher().dispatch_due()
    return world


async def test_the_delivery_log_of_a_participant(log: World, client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/notifications", params={"participant_id": NTB}, headers=auth(log, "operator", "NTB")
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 2 and page["limit"] == 50 and page["offset"] == 0
    for item in page["items"]:
        assert set(item) == DELIVERY_FIELDS
        assert item["participant_id"] == NTB
        assert item["template"] == "participant-registered"
        assert item["status"] in ("scheduled", "sent", "failed")
    by_channel = {item["channel"]: item for item in page["items"]}
    assert by_channel["email"]["status"] == "sent" and by_channel["email"]["attempts"] == 1
    assert by_channel["email"]["sent_at"] is not None
    [row] = await log.rows(participant_id=NTB, channel="email")
    assert by_channel["email"]["id"] == row.id
    assert by_channel["email"]["cause_event_id"] == row.cause_event_id


async def test_pagination_and_filters(log: World, client: httpx.AsyncClient) -> None:
    admin = auth(log, "admin")
    everything = (await client.get("/notifications", headers=admin)).json()
    assert everything["total"] == 3
    first = (await client.get("/notifications", params={"limit": 2}, headers=admin)).json()
    rest = (
        await client.get("/notifications", params={"limit": 2, "offset": 2}, headers=admin)
    ).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert {i["id"] for i in first["items"] + rest["items"]} == {
        i["id"] for i in everything["items"]
    }
    scheduled = (
        await client.get("/notifications", params={"status": "scheduled"}, headers=admin)
    ).json()
    assert [i["attempts"] for i in scheduled["items"]] == [1]  # the SMS waiting for its retry


async def test_roles_and_office_scope(log: World, client: httpx.AsyncClient) -> None:
    assert (await client.get("/notifications")).status_code == 401
    assert (await client.get("/notifications", headers=auth(log, "trainer"))).status_code == 403
    auditor = await client.get("/notifications", headers=auth(log, "auditor"))
    assert auditor.status_code == 200 and auditor.json()["total"] == 3
    # an operator sees the participants of its own BP3MI office only
    jatim = await client.get(
        "/notifications", params={"participant_id": NTB}, headers=auth(log, "operator", "JATIM")
    )
    assert jatim.json()["total"] == 0
    own = await client.get("/notifications", headers=auth(log, "operator", "JATIM"))
    assert {i["participant_id"] for i in own.json()["items"]} == {JATIM}


async def test_bad_queries_are_precise_problems(log: World, client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/notifications", params={"limit": 0, "status": "lost"}, headers=auth(log, "admin")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == {"limit", "status"}


async def preview(
    client: httpx.AsyncClient, world: World, name: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(
        f"/templates/{name}/preview", json=body or {}, headers=auth(world, "operator", "NTB")
    )


async def test_preview_renders_a_sample_event(world: World, client: httpx.AsyncClient) -> None:
    response = await preview(client, world, "session-completed-completer")
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["event_type"] == "purna.session-completed.v1"
    assert out["channel"] == "sms" and out["encoding"] == "GSM-7" and out["subject"] is None
    assert "Selamat Ibu Baiq Nurul Aini, Anda LULUS" in out["body"]
    assert out["segments"] == 2 and out["characters"] == len(out["body"])

    email = (await preview(client, world, "credit-prequalified", {"channel": "email"})).json()
    assert email["subject"] == "Anda memenuhi syarat awal KUR Mikro"
    assert "Rp100.000.000" in email["body"] and email["segments"] is None


async def test_preview_of_a_given_event_and_recipient(
    world: World, client: httpx.AsyncClient
) -> None:
    event = {
        "session_id": "s-1",
        "participant_id": "p-1",
        "status": "enrolled",
        "programme_name": "Pengolahan garam",
        "start_date": "2024-09-02",
        "end_date": "2024-09-05",
        "village": "Pemongkong",
        "venue": "Aula Desa Pemongkong",
        "enrolled_at": "2024-08-20T02:00:00Z",
    }
    body = {
        "channel": "whatsapp",
        "event": event,
        "recipient": {"full_name": "Lalu Ahmad", "gender": "L"},
    }
    out = (await preview(client, world, "session-reminder", body)).json()
    assert "Yth. Bapak Lalu Ahmad" in out["body"]
    assert "*Senin, 2 September 2024*" in out["body"]
    assert "Aula Desa Pemongkong, Desa Pemongkong" in out["body"]


async def test_preview_problems(world: World, client: httpx.AsyncClient) -> None:
    unknown = await preview(client, world, "no-such-template")
    assert unknown.status_code == 404 and "session-reminder" in unknown.json()["known_templates"]

    invalid = await preview(client, world, "credit-approved", {"event": {"amount": -1}})
    assert invalid.status_code == 422
    fields = {e["field"] for e in invalid.json()["errors"]}
    assert {"event.amount", "event.application_id", "event.approved_amount"} <= fields

    completer = {
        "participant_id": "p-1",
        "completed": True,
        "attendance_rate": 1.0,
        "certificate_no": "X/1",
    }
    sample_event = (await preview(client, world, "session-completed-completer")).json()
    assert sample_event["body"]
    not_this_one = await preview(
        client,
        world,
        "session-completed-non-completer",
        {
            "event": {
                **_session_completed_example(),
                "outcomes": [completer],
            }
        },
    )
    assert not_this_one.status_code == 422
    assert "causes no 'session-completed-non-completer' message" in not_this_one.json()["detail"]

    wrong_channel = await preview(client, world, "loan-disbursed", {"channel": "fax"})
    assert wrong_channel.status_code == 422
    assert wrong_channel.json()["errors"][0]["field"] == "channel"

    malformed = await client.post(
        "/templates/loan-disbursed/preview",
        content=b"{not json",
        headers={**auth(world, "operator", "NTB"), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400

    auditor = await client.post(
        "/templates/loan-disbursed/preview", json={}, headers=auth(world, "auditor")
    )
    assert auditor.status_code == 403


def _session_completed_example() -> dict[str, Any]:
    return TEMPLATES["session-completed-completer"].sample_payload()


async def test_templates_are_listed(world: World, client: httpx.AsyncClient) -> None:
    listing = (await client.get("/templates", headers=auth(world, "auditor"))).json()
    assert listing["total"] == 12
    assert all(set(t["channels"]) == {"sms", "whatsapp", "email"} for t in listing["items"])


async def test_a_template_overridden_from_a_folder_without_a_code_change(
    world: World, tmp_path: Path
) -> None:
    override = tmp_path / "session-completed-completer" / "sms.j2"
    override.parent.mkdir()
    override.write_text("BP3MI NTB: {{ sapaan }} {{ nama }} lulus {{ program }}. Versi kantor.\n")
    settings = world.settings.model_copy(update={"templates_dir": tmp_path})
    async for client in client_for(settings):
        out = (await preview(client, world, "session-completed-completer")).json()
        assert out["body"] == (
            "BP3MI NTB: Ibu Baiq Nurul Aini lulus Menjahit bahan tenun dan kerajinan tas. "
            "Versi kantor."
        )
        # the other channels and templates still come from the package
        email = (
            await preview(client, world, "session-completed-completer", {"channel": "email"})
        ).json()
        assert email["subject"].startswith("Selamat, Anda lulus")
        # edited while running: the next render reads the new file, no restart needed
        override.write_text("BP3MI NTB: {{ nama }}, selamat! (revisi 2)\n")
        os.utime(override, (override.stat().st_atime + 5, override.stat().st_mtime + 5))
        out = (await preview(client, world, "session-completed-completer")).json()
        assert out["body"] == "BP3MI NTB: Baiq Nurul Aini, selamat! (revisi 2)"

    # the worker renders with the same override
    await world.register({"participant_id": NTB, "phone": "+6281234567890", "channels": ("sms",)})
    await world.consume()
    world.gateway.reset()
    completed = SessionCompleted.model_validate(
        {
            **_session_completed_example(),
            "outcomes": [
                {
                    "participant_id": NTB,
                    "completed": True,
                    "attendance_rate": 1.0,
                    "certificate_no": "NTB/2024/1",
                }
            ],
        }
    )
    await world.publish(completed)
    await world.consume()
    await world.dispatcher(templates_dir=tmp_path).dispatch_due()
    texts = {m["template"]: m["text"] for m in world.gateway.delivered}
    assert texts["session-completed-completer"] == "BP3MI NTB: Baiq Nurul Aini, selamat! (revisi 2)"
