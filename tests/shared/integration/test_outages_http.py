"""Issue 15 item 14: while a database or Redis is unavailable, every API answers 503 with
``Retry-After``, never 500, whatever the way it is unavailable.

Each case uses a private PostgreSQL or Redis (``purna_shared.testing.servers``) so stopping
them disturbs nobody: the machine's servers keep running for the other tests.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from purna_shared.http.app import create_service_app
from purna_shared.http.auth import mint_token
from purna_shared.settings import PurnaSettings
from purna_shared.testing.servers import ThrowawayPostgres, ThrowawayRedis

pytestmark = pytest.mark.integration

JWT_SECRET = "outage-test-secret-0123456789abcdef"

#: one database-backed read per service: (service, path)
READS = [
    ("registration", "/participants"),
    ("training", "/sessions"),
    ("credit", "/applications"),
    ("notification", "/notifications"),
]


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        yield server
    finally:
        server.close()


def _settings(service: str, database_url: str, redis_url: str) -> Any:
    module = importlib.import_module(f"purna_{service}.settings")
    cls = next(
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, PurnaSettings)
        and getattr(obj, "service", None) == service
    )
    extra: dict[str, Any] = {"nik_secret": "outage-test-nik-secret-0123456789"}
    fields = {k: v for k, v in extra.items() if k in cls.model_fields}
    return cls(
        database_url=database_url,
        redis_url=redis_url,
        jwt_secret=JWT_SECRET,
        log_json=False,
        **fields,
    )


async def _get(app: FastAPI, path: str, headers: dict[str, str]) -> httpx.Response:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        return await c.get(path, headers=headers)


def _assert_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "Service Unavailable"


@pytest.mark.parametrize(("service", "path"), READS)
async def test_every_api_answers_503_while_postgresql_is_starting_up(
    postgres: ThrowawayPostgres, redis_url: str, service: str, path: str
) -> None:
    # A standby with hot standby off refuses every connection with SQLSTATE 57P03, the answer
    # PostgreSQL gives while it starts up: until now that was a 500.
    postgres.start(accepting=False)
    try:
        settings = _settings(service, postgres.database_url("postgres"), redis_url)
        app = importlib.import_module(f"purna_{service}.entrypoints.api").create_app(settings)
        token = mint_token(settings, role="admin")
        _assert_503(await _get(app, path, {"Authorization": f"Bearer {token}"}))
    finally:
        postgres.stop()


@pytest.mark.parametrize(("service", "path"), READS)
async def test_every_api_answers_503_while_postgresql_is_down(
    redis_url: str, service: str, path: str
) -> None:
    # nothing listens on this port: connection refused
    from purna_shared.net import free_port

    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres"
    settings = _settings(service, url, redis_url)
    app = importlib.import_module(f"purna_{service}.entrypoints.api").create_app(settings)
    token = mint_token(settings, role="admin")
    _assert_503(await _get(app, path, {"Authorization": f"Bearer {token}"}))


def _probe_app(settings: PurnaSettings) -> FastAPI:
    router = APIRouter()

    @router.get("/slow-query")
    async def slow_query() -> dict[str, str]:
        engine = app.state.engine
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(30)"))
        return {"ok": "yes"}

    @router.get("/redis")
    async def uses_redis() -> dict[str, str]:
        await app.state.redis.xadd("outage-probe", {"a": "1"})
        return {"ok": "yes"}

    app = create_service_app(settings, title="probe", version="1", routers=[router])
    return app


@pytest.fixture
async def probe_client(
    postgres: ThrowawayPostgres, redis_url: str
) -> AsyncIterator[Callable[[str], Any]]:
    postgres.start()
    settings = PurnaSettings(database_url=postgres.database_url("postgres"), redis_url=redis_url)
    app = _probe_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        yield c
    postgres.stop()


async def test_a_request_whose_database_shuts_down_under_it_gets_a_503(
    postgres: ThrowawayPostgres, probe_client: httpx.AsyncClient
) -> None:
    # "terminating connection due to administrator command" (57P01) in the middle of a query
    request = asyncio.create_task(probe_client.get("/slow-query"))
    await asyncio.sleep(1.0)
    await asyncio.to_thread(postgres.stop, "fast")
    _assert_503(await request)


async def test_a_request_whose_redis_is_down_or_gone_gets_a_503() -> None:
    redis = ThrowawayRedis()
    redis.start()
    try:
        settings = PurnaSettings(database_url="sqlite+aiosqlite:///:memory:", redis_url=redis.url)
        app = _probe_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
        ):
            assert (await c.get("/redis")).status_code == 200
            redis.stop()
            _assert_503(await c.get("/redis"))
    finally:
        redis.close()
