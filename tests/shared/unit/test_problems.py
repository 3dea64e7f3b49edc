from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy.exc
from fastapi import APIRouter, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from purna_shared.http.app import create_service_app
from purna_shared.http.problems import PROBLEM_JSON, ProblemError, install_problem_handlers
from purna_shared.settings import PurnaSettings

pytestmark = pytest.mark.unit

NIK = "5202015508900001"


class Address(BaseModel):
    regency_code: str = Field(pattern=r"^\d{4}$")
    village: str


class Relative(BaseModel):
    relation: str


class Registration(BaseModel):
    nik: str = Field(pattern=r"^\d{16}$")
    full_name: str = Field(min_length=1)
    address: Address
    relatives: list[Relative] = []


router = APIRouter()


@router.post("/offices/{office_id}/participants")
async def register(
    office_id: int, body: Registration, limit: int = Query(10, ge=1, le=100)
) -> dict[str, str]:
    return {"ok": "yes"}


@router.get("/participants/{participant_id}")
async def get_participant(participant_id: str) -> dict[str, str]:
    if participant_id == "missing":
        raise HTTPException(404, "No participant p-404")
    raise ProblemError(
        409,
        "Consent withdrawn",
        "The participant withdrew consent on 2025-01-02.",
        type_="https://purna.example/problems/consent-withdrawn",
        headers={"Retry-After": "60"},
        participant_id=participant_id,
    )


@router.get("/crash")
async def crash() -> dict[str, str]:
    raise RuntimeError(f"database password hunter2 while handling NIK {NIK}")


@router.get("/database-saturated")
async def database_saturated() -> dict[str, str]:
    try:
        raise ConnectionRefusedError("sorry, too many clients already")
    except ConnectionRefusedError as exc:
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, exc) from exc


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(PurnaSettings(), title="problems", version="0", routers=[router])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://test"
    ) as client:
        yield client


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"]
    assert body["title"]
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_each_invalid_field_is_listed_by_dotted_path(client: httpx.AsyncClient) -> None:
    payload = {
        "nik": NIK[:-1],
        "full_name": "",
        "address": {"regency_code": "52A1"},
        "relatives": [{"relation": "spouse"}, {}],
    }
    response = await client.post("/offices/x/participants?limit=1000", json=payload)
    body = problem(response, 422)
    fields = {(e["in"], e["field"]) for e in body["errors"]}
    assert fields == {
        ("path", "office_id"),
        ("query", "limit"),
        ("body", "nik"),
        ("body", "full_name"),
        ("body", "address.regency_code"),
        ("body", "address.village"),
        ("body", "relatives.1.relation"),
    }
    assert all(e["message"] for e in body["errors"])
    assert "address.regency_code" in body["detail"]
    # the rejected input is never echoed back (it may be a NIK)
    assert NIK[:-1] not in response.text
    assert "52A1" not in response.text


async def test_malformed_json_is_a_400_saying_where(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/offices/1/participants",
        content=b'{"nik": "1",}',
        headers={"content-type": "application/json"},
    )
    body = problem(response, 400)
    assert body["title"] == "Malformed JSON"
    assert "position 12" in body["detail"]


async def test_a_non_json_body_is_a_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/offices/1/participants", content=b"nik=1", headers={"content-type": "text/plain"}
    )
    problem(response, 415)


async def test_http_exceptions_become_problems(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/participants/missing"), 404)
    assert body["title"] == "Not Found"
    assert body["detail"] == "No participant p-404"
    problem(await client.get("/no/such/route"), 404)
    not_allowed = await client.delete("/participants/missing")
    problem(not_allowed, 405)
    assert not_allowed.headers["allow"] == "GET"


async def test_problem_error_carries_type_headers_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/participants/p-1")
    body = problem(response, 409)
    assert body == {
        "type": "https://purna.example/problems/consent-withdrawn",
        "title": "Consent withdrawn",
        "status": 409,
        "detail": "The participant withdrew consent on 2025-01-02.",
        "instance": "/participants/p-1",
        "request_id": response.headers["x-request-id"],
        "participant_id": "p-1",
    }
    assert response.headers["retry-after"] == "60"


async def test_an_unexpected_error_is_a_500_that_leaks_nothing(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    crash_id = "0b7e8f0c-3c1a-4e8e-9d55-2f1d8e1a6c01"
    response = await client.get("/crash", headers={"X-Request-ID": crash_id})
    body = problem(response, 500)
    assert body["request_id"] == crash_id
    assert crash_id in body["detail"]
    for secret in ("hunter2", NIK, "RuntimeError", "Traceback", "crash()"):
        assert secret not in response.text
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.levelname == "ERROR"


async def test_handlers_work_on_a_bare_app_too() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        crashed = await client.get("/crash")
        assert crashed.status_code == 500
        assert crashed.headers["content-type"] == PROBLEM_JSON
        assert "hunter2" not in crashed.text
        invalid = await client.post("/offices/1/participants", json={})
        assert invalid.status_code == 422
        assert {e["field"] for e in invalid.json()["errors"]} == {"nik", "full_name", "address"}


def test_problem_error_defaults_its_title_to_the_status_phrase() -> None:
    error = ProblemError(404)
    assert error.title == "Not Found"
    document = error.document("/x")
    assert document["type"] == "about:blank"
    assert document["instance"] == "/x"
    assert "detail" not in document


async def test_a_dependency_outage_is_a_503_to_retry_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/database-saturated")
    body = problem(response, 503)
    assert response.headers["retry-after"] == "2"
    assert "too many clients" not in response.text
    assert body["title"] == "Service Unavailable"
