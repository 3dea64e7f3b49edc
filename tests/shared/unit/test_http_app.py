from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, cast

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.http.app import ServiceResources, create_service_app
from purna_shared.http.auth import Principal, Role, TokenVerifier, mint_token, require_read
from purna_shared.http.context import current_correlation_id, current_request_id
from purna_shared.http.problems import PROBLEM_JSON
from purna_shared.net import free_port
from purna_shared.settings import PurnaSettings

pytestmark = pytest.mark.unit

SETTINGS = PurnaSettings(jwt_secret="app-test-secret-app-test-secret-app-test")

router = APIRouter()


@router.get("/items/{item_id}")
async def get_item(
    item_id: str, principal: Annotated[Principal, Depends(require_read(Role.TRAINER))]
) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "request_id": current_request_id(),
        "correlation_id": current_correlation_id(),
    }


@router.get("/sync-items")
def get_sync_item() -> dict[str, Any]:  # sync endpoints run in a thread: ids must follow
    return {"request_id": current_request_id()}


@router.get("/explode")
async def explode() -> None:
    raise RuntimeError("boom")


class FakeRedis:
    def __init__(self) -> None:
        self.pings = 0

    async def ping(self) -> bool:
        self.pings += 1
        return True

    async def aclose(self) -> None:
        pass


def resources_factory(database: Path, redis: Any) -> Any:
    @asynccontextmanager
    async def open_resources(settings: PurnaSettings) -> AsyncIterator[ServiceResources]:
        engine = make_engine(f"sqlite+aiosqlite:///{database}")
        try:
            yield ServiceResources(engine, make_sessionmaker(engine), cast(Redis, redis))
        finally:
            await engine.dispose()

    return open_resources


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # ASGITransport does not run the lifespan: enter it ourselves, as uvicorn would.
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def build(tmp_path: Path, redis: Any = None, database: Path | None = None) -> FastAPI:
    factory = resources_factory(database or tmp_path / "svc.db", redis or FakeRedis())
    return create_service_app(
        SETTINGS, title="Test", version="1.2.3", routers=[router], lifespan_resources=factory
    )


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SETTINGS, role=Role.TRAINER)}"}


async def test_livez_is_static_and_open(tmp_path: Path) -> None:
    app = build(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        response = await c.get("/livez")  # no lifespan, no token: still alive
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_redis_and_the_database(tmp_path: Path) -> None:
    redis = FakeRedis()
    async with running(build(tmp_path, redis)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "checks": {"redis": "ok", "database": "ok"}}
    assert redis.pings == 1


async def test_readyz_is_503_naming_redis_when_redis_is_unreachable(tmp_path: Path) -> None:
    redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    try:
        async with running(build(tmp_path, redis)) as client:
            response = await client.get("/readyz")
    finally:
        await redis.aclose()
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["detail"] == "Not ready: redis unreachable."
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] != "ok"
    assert "127.0.0.1" not in response.text  # details go to the log, not to anonymous callers


async def test_readyz_is_503_naming_the_database_when_it_fails() -> None:
    class UnreachableDatabase:
        def connect(self) -> Any:
            raise ConnectionRefusedError("connection refused by 10.0.0.5:5432")

    @asynccontextmanager
    async def open_resources(settings: PurnaSettings) -> AsyncIterator[ServiceResources]:
        engine = cast(AsyncEngine, UnreachableDatabase())
        yield ServiceResources(engine, make_sessionmaker(engine), cast(Redis, FakeRedis()))

    app = create_service_app(SETTINGS, title="t", version="0", lifespan_resources=open_resources)
    async with running(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == "Not ready: database unreachable."
    assert body["checks"] == {"redis": "ok", "database": "failed: ConnectionRefusedError"}
    assert "10.0.0.5" not in response.text


async def test_readyz_before_startup_is_503(tmp_path: Path) -> None:
    app = build(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == "Not started yet."


async def test_resources_are_on_app_state_while_running(tmp_path: Path) -> None:
    app = build(tmp_path)
    assert isinstance(app.state.token_verifier, TokenVerifier)
    async with running(app):
        assert app.state.sessionmaker is app.state.resources.sessionmaker
        assert app.state.engine is app.state.resources.engine
        assert isinstance(app.state.redis, FakeRedis)
    assert app.state.resources is None


def _samples(text: str, name: str) -> dict[tuple[str, str, str], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                labels = sample.labels
                found[(labels["method"], labels["route"], labels["status"])] = sample.value
    return found


async def test_metrics_count_requests_by_method_route_template_and_status(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)
    other = build(tmp_path)  # a second app in the same process has its own registry
    async with running(app) as client:
        await client.get("/livez")
        await client.get("/livez")
        await client.get("/items/a-1", headers=auth())
        await client.get("/items/a-2", headers=auth())
        await client.get("/items/a-3")
        await client.get("/nowhere/5202015508900001")
        await client.get("/explode")
        text = (await client.get("/metrics")).text
    counts = _samples(text, "http_requests_total")
    assert counts[("GET", "/livez", "200")] == 2
    assert counts[("GET", "/items/{item_id}", "200")] == 2
    assert counts[("GET", "/items/{item_id}", "401")] == 1
    assert counts[("GET", "<unmatched>", "404")] == 1
    assert counts[("GET", "/explode", "500")] == 1
    assert _samples(text, "http_request_duration_seconds_count")[("GET", "/livez", "200")] == 2
    assert "5202015508900001" not in text
    assert 'purna_service_info{service="purna",version="1.2.3"} 1.0' in text
    async with running(other) as client:
        other_text = (await client.get("/metrics")).text
    assert ("GET", "/livez", "200") not in _samples(other_text, "http_requests_total")


async def test_request_ids_are_echoed_generated_and_visible_to_the_endpoint(
    tmp_path: Path,
) -> None:
    async with running(build(tmp_path)) as client:
        given = await client.get("/items/x", headers={**auth(), "X-Request-ID": "req-42"})
        assert given.headers["x-request-id"] == "req-42"
        assert given.json()["request_id"] == "req-42"
        assert given.json()["correlation_id"] == "req-42"

        correlated = await client.get(
            "/items/x", headers={**auth(), "X-Request-ID": "req-43", "X-Correlation-ID": "c-1"}
        )
        assert correlated.json()["correlation_id"] == "c-1"
        assert correlated.headers["x-correlation-id"] == "c-1"

        generated = await client.get("/items/x", headers=auth())
        assert len(generated.headers["x-request-id"]) == 32
        assert generated.json()["request_id"] == generated.headers["x-request-id"]

        hostile = await client.get("/items/x", headers={**auth(), "X-Request-ID": "a b" * 100})
        assert hostile.headers["x-request-id"] != "a b" * 100

        threaded = await client.get("/sync-items", headers={"X-Request-ID": "req-sync"})
        assert threaded.json() == {"request_id": "req-sync"}

        problem = await client.get("/items/x", headers={"X-Request-ID": "req-401"})
        assert problem.status_code == 401
        assert problem.json()["request_id"] == "req-401"
    assert current_request_id() is None


async def test_openapi_documents_bearer_auth_and_problem_responses(tmp_path: Path) -> None:
    app = build(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        docs = await c.get("/docs")
        spec = (await c.get("/openapi.json")).json()
    assert docs.status_code == 200
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "`purna token --role <role>` mints a development token",
    }
    item = spec["paths"]["/items/{item_id}"]["get"]
    assert item["security"] == [{"bearer": []}]
    assert set(item["responses"]["401"]["content"]) == {PROBLEM_JSON}
    assert set(item["responses"]["422"]["content"]) == {PROBLEM_JSON}
    assert "security" not in spec["paths"]["/livez"]["get"]
    assert "401" not in spec["paths"]["/livez"]["get"]["responses"]
    assert set(spec["paths"]["/readyz"]["get"]["responses"]["503"]["content"]) == {PROBLEM_JSON}
    assert "/metrics" not in spec["paths"]


async def test_an_oversized_body_is_refused_with_413_before_a_route_parses_it() -> None:
    router = APIRouter()
    parsed: list[int] = []

    @router.post("/things")
    async def things(body: dict[str, int]) -> dict[str, int]:
        parsed.append(len(body))
        return {"n": len(body)}

    settings = PurnaSettings(http_max_body_bytes=64 * 1024)
    app = create_service_app(settings, title="t", version="1", routers=[router])
    big = {f"BANK{i}": i for i in range(20_000)}  # ~300 KB: a 600,000-bank allocation in small
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        declared = await client.post("/things", json=big)

        async def chunks():  # type: ignore[no-untyped-def]
            payload = json.dumps(big).encode()
            for start in range(0, len(payload), 8192):
                yield payload[start : start + 8192]

        streamed = await client.post(
            "/things", content=chunks(), headers={"content-type": "application/json"}
        )
        small = await client.post("/things", json={"BRI": 1})
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["x-request-id"]
    assert small.status_code == 200
    assert parsed == [1]
