"""HTTP hardening shared by every API (issue 15, item 13): no redirect built from the Host
header, security and no-store headers, duplicate JSON keys refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, cast

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from redis.asyncio import Redis

from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.http.app import ServiceResources, create_service_app
from purna_shared.http.auth import Principal, Role, mint_token, require_roles
from purna_shared.http.security import duplicate_key, local_location
from purna_shared.settings import PurnaSettings

pytestmark = pytest.mark.unit

SETTINGS = PurnaSettings(jwt_secret="security-test-secret-security-test-secret")
NIK = "5202064107900001"


class Item(BaseModel):
    amount: int
    note: str | None = None
    tags: dict[str, Any] = {}


router = APIRouter()
Writer = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]


@router.get("/things")
async def things(principal: Writer) -> dict[str, str]:
    return {"name": "Baiq Nurul Aini"}


@router.post("/things")
async def add_thing(item: Item, principal: Writer) -> Item:
    return item


class _Redis:
    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        pass


@asynccontextmanager
async def client_for(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    @asynccontextmanager
    async def resources(settings: PurnaSettings) -> AsyncIterator[ServiceResources]:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
        try:
            yield ServiceResources(engine, make_sessionmaker(engine), cast(Redis, _Redis()))
        finally:
            await engine.dispose()

    app: FastAPI = create_service_app(
        SETTINGS, title="T", version="1", routers=[router], lifespan_resources=resources
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        token = mint_token(SETTINGS, role="operator", office="NTB")
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://purna.test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            yield client


async def test_a_forged_host_never_reaches_a_redirect(tmp_path: Path) -> None:
    async with client_for(tmp_path) as client:
        for host in ("evil.example", "evil.example:443", "purna.test@evil.example"):
            response = await client.get(
                "/things/?x=1", headers={"Host": host}, follow_redirects=False
            )
            assert response.status_code in (307, 308), response.text
            assert response.headers["location"] == "/things?x=1"
            forwarded = await client.get(
                "/things/",
                headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
                follow_redirects=False,
            )
            assert "evil" not in forwarded.headers["location"]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("http://evil.example/a/b?c=1", "/a/b?c=1"),
        ("//evil.example/x", "/x"),
        ("\\\\evil.example/x", "/evil.example/x"),
        ("https://evil.example", "/"),
        ("/participants/1", "/participants/1"),
    ],
)
def test_locations_stay_on_this_server(given: str, kept: str) -> None:
    assert local_location(given) == kept


async def test_every_answer_has_security_headers_and_no_store(tmp_path: Path) -> None:
    async with client_for(tmp_path) as client:
        ok = await client.get("/things")
        denied = await client.get("/things", headers={"Authorization": ""})
        missing = await client.get("/nothing-here")
        docs = await client.get("/docs")
    assert (ok.status_code, denied.status_code, missing.status_code) == (200, 401, 404)
    for response in (ok, denied, missing):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["content-security-policy"]
    assert docs.status_code == 200
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]


async def test_duplicate_json_keys_are_refused_naming_the_key(tmp_path: Path) -> None:
    async with client_for(tmp_path) as client:
        for body, key in (
            (b'{"amount": 1, "amount": 100}', "amount"),
            (b'{"amount": 1, "tags": {"a": 1, "a": 2}}', "a"),
            (b'[{"amount": 1}, {"amount": 2, "amount": 3}]', "amount"),
        ):
            response = await client.post(
                "/things", content=body, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert f"'{key}'" in response.json()["detail"]
            assert response.headers["x-request-id"]
        # a key that is not a field name (it may be anything a client typed) is not repeated
        body = f'{{"amount": 1, "{NIK} x": 1, "{NIK} x": 2}}'.encode()
        response = await client.post(
            "/things", content=body, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        assert response.status_code == 422
        assert NIK not in response.text

        fine = await client.post("/things", json={"amount": 5, "tags": {"a": {"amount": 1}}})
        assert fine.status_code == 200, fine.text
        assert fine.json()["amount"] == 5
        broken = await client.post(
            "/things", content=b'{"amount": ', headers={"Content-Type": "application/json"}
        )
        assert broken.status_code == 400


def test_duplicate_key_finder() -> None:
    assert duplicate_key(b'{"a": {"b": 1, "b": 1}}') == "b"
    assert duplicate_key(b'{"a": 1, "b": 1}') is None
    assert duplicate_key(b"not json") is None
    assert duplicate_key(b"\xff\xfe") is None
