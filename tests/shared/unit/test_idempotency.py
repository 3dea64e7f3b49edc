from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, Table, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import purna_shared.http.idempotency as idempotency
from purna_shared.db import make_engine, make_sessionmaker, new_metadata
from purna_shared.http.app import ServiceResources, create_service_app
from purna_shared.http.auth import Principal, Role, mint_token, require_roles
from purna_shared.http.idempotency import (
    REPLAYED_HEADER,
    Idempotent,
    IdempotentResult,
    add_idempotency_table,
    idempotency_scope,
    lookup,
    purge_idempotency_keys,
    remember,
    request_fingerprint,
    run_idempotent,
)
from purna_shared.http.problems import PROBLEM_JSON, ProblemError
from purna_shared.settings import PurnaSettings

pytestmark = pytest.mark.unit

metadata = new_metadata()
keys_table = add_idempotency_table(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
)
SCOPE = "op-1 POST /participants"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


async def effect_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(effects))).scalar_one())


def create_effect(name: str, *, delay: float = 0.0) -> idempotency.Work:
    async def work(session: AsyncSession) -> tuple[int, Any]:
        result = await session.execute(insert(effects).values(name=name).returning(effects.c.id))
        await asyncio.sleep(delay)
        return 201, {"id": result.scalar_one(), "name": name, "at": datetime(2025, 1, 2)}

    return work


async def test_the_table_has_the_documented_shape(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        columns, pk = await connection.run_sync(
            lambda sync: (
                [c["name"] for c in inspect(sync).get_columns("idempotency_keys")],
                inspect(sync).get_pk_constraint("idempotency_keys")["constrained_columns"],
            )
        )
    assert columns == [
        "key", "scope", "request_hash", "status_code", "response_body", "created_at"
    ]  # fmt: skip
    assert pk == ["scope", "key"]


async def test_a_repeated_request_replays_the_same_status_and_body(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    body = b'{"name": "Siti"}'
    first = await run_idempotent(sessionmaker, "k-1", SCOPE, body, create_effect("a"))
    second = await run_idempotent(sessionmaker, "k-1", SCOPE, body, create_effect("b"))
    assert first == IdempotentResult(
        201, {"id": 1, "name": "a", "at": "2025-01-02T00:00:00"}, replayed=False
    )
    assert second == IdempotentResult(201, first.body, replayed=True)
    assert await effect_count(sessionmaker) == 1


async def test_the_same_key_with_another_body_is_a_422(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await run_idempotent(sessionmaker, "k-1", SCOPE, b'{"name": "a"}', create_effect("a"))
    with pytest.raises(ProblemError) as reused:
        await run_idempotent(sessionmaker, "k-1", SCOPE, b'{"name": "b"}', create_effect("b"))
    assert reused.value.status == 422
    assert await effect_count(sessionmaker) == 1


async def test_keys_are_scoped_and_absent_keys_do_not_dedupe(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    body = b"{}"
    await run_idempotent(sessionmaker, "k-1", SCOPE, body, create_effect("a"))
    other = await run_idempotent(sessionmaker, "k-1", "op-2 POST /participants", body,
                                 create_effect("b"))  # fmt: skip
    assert not other.replayed
    for _ in range(2):
        result = await run_idempotent(sessionmaker, None, SCOPE, body, create_effect("c"))
        assert not result.replayed
    assert await effect_count(sessionmaker) == 4


async def test_a_failed_attempt_stores_nothing_so_a_retry_runs(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def failing(session: AsyncSession) -> tuple[int, Any]:
        await session.execute(insert(effects).values(name="doomed"))
        raise ProblemError(409, "Conflict", "not now")

    with pytest.raises(ProblemError):
        await run_idempotent(sessionmaker, "k-1", SCOPE, b"{}", failing)
    assert await effect_count(sessionmaker) == 0
    retried = await run_idempotent(sessionmaker, "k-1", SCOPE, b"{}", create_effect("a"))
    assert not retried.replayed
    assert await effect_count(sessionmaker) == 1


async def test_concurrent_requests_with_one_key_make_one_effect(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    results = await asyncio.gather(
        *(
            run_idempotent(sessionmaker, "k-1", SCOPE, b"{}", create_effect(f"e{i}", delay=0.02))
            for i in range(8)
        )
    )
    assert await effect_count(sessionmaker) == 1
    assert sum(not r.replayed for r in results) == 1
    assert len({json.dumps(r.body) for r in results}) == 1
    assert {r.status_code for r in results} == {201}


async def test_losing_the_race_for_the_key_replays_the_winner(
    sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL's path: both requests see no key, the loser's insert hits the primary key.
    winner = await run_idempotent(sessionmaker, "k-1", SCOPE, b"{}", create_effect("winner"))
    real_lookup = idempotency.lookup
    calls = 0

    async def blind_first_lookup(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return None if calls == 1 else await real_lookup(*args)

    monkeypatch.setattr(idempotency, "lookup", blind_first_lookup)
    loser = await run_idempotent(sessionmaker, "k-1", SCOPE, b"{}", create_effect("loser"))
    assert loser == IdempotentResult(winner.status_code, winner.body, replayed=True)
    assert calls == 2
    assert await effect_count(sessionmaker) == 1


async def test_lookup_and_remember_inside_the_callers_transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    body = {"name": "Siti", "consent": True}
    async with sessionmaker() as session, session.begin():
        assert await lookup(session, "k-1", SCOPE, body) is None
        await remember(session, "k-1", SCOPE, body, 201, {"id": "p-1"})
    async with sessionmaker() as session, session.begin():
        stored = await lookup(session, "k-1", SCOPE, {"consent": True, "name": "Siti"})
        assert stored is not None
        assert (stored.status_code, stored.body) == (201, {"id": "p-1"})
        with pytest.raises(ProblemError):
            await lookup(session, "k-1", SCOPE, {"name": "Other"})
    with pytest.raises(IntegrityError):
        async with sessionmaker() as session, session.begin():
            await remember(session, "k-1", SCOPE, body, 201, {"id": "p-2"})


async def test_old_keys_are_purged(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        await remember(session, "old", SCOPE, b"", 201, {})
        await session.execute(
            keys_table.update().values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
        await remember(session, "new", SCOPE, b"", 201, {})
    async with sessionmaker() as session, session.begin():
        assert await purge_idempotency_keys(session, timedelta(days=1)) == 1
        remaining = (await session.execute(select(keys_table.c.key))).scalars().all()
    assert remaining == ["new"]


class Model(BaseModel):
    b: int
    a: str


def test_fingerprints() -> None:
    assert request_fingerprint(b"{}") == request_fingerprint("{}")
    assert request_fingerprint({"a": "x", "b": 1}) == request_fingerprint(Model(a="x", b=1))
    assert request_fingerprint(b'{"a": 1}') != request_fingerprint(b'{"a": 2}')
    assert len(request_fingerprint(None)) == 64


def test_long_scopes_are_shortened_without_collisions() -> None:
    a = idempotency_scope("u", "post", "/x/" + "a" * 600)
    b = idempotency_scope("u", "post", "/x/" + "a" * 599 + "b")
    assert len(a) == len(b) == 500
    assert a != b
    assert idempotency_scope("u", "post", "/x") == "u POST /x"


# ---------------------------------------------------------------------------------------------
# through HTTP

SETTINGS = PurnaSettings(jwt_secret="idem-test-secret-idem-test-secret-idem-test")


class RegisterParticipant(BaseModel):
    name: str


router = APIRouter()


@router.post("/participants", status_code=201)
async def register_participant(
    command: RegisterParticipant,
    principal: Annotated[Principal, Depends(require_roles(Role.OPERATOR))],
    idem: Idempotent,
) -> Any:
    return await idem.run(create_effect(command.name, delay=0.02))


@pytest.fixture
async def app(engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    class NoRedis:
        async def ping(self) -> bool:
            return True

    @asynccontextmanager
    async def resources(settings: PurnaSettings) -> AsyncIterator[ServiceResources]:
        yield ServiceResources(engine, make_sessionmaker(engine), NoRedis())  # type: ignore[arg-type]

    app = create_service_app(
        SETTINGS, title="idem", version="0", routers=[router], lifespan_resources=resources
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    token = mint_token(SETTINGS, role=Role.OPERATOR, office="NTB")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


async def test_http_replay_returns_the_same_status_and_body(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = {"Idempotency-Key": "0b6c6a8e-5f0e-4a57-9b1e-1d2f3a4b5c6d"}
    first = await client.post("/participants", json={"name": "Siti"}, headers=headers)
    second = await client.post("/participants", json={"name": "Siti"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert REPLAYED_HEADER not in first.headers
    assert second.headers[REPLAYED_HEADER] == "true"
    assert await effect_count(sessionmaker) == 1

    reused = await client.post("/participants", json={"name": "Lalu"}, headers=headers)
    assert reused.status_code == 422
    assert reused.headers["content-type"] == PROBLEM_JSON
    assert "Idempotency-Key" in reused.json()["title"]

    without = [await client.post("/participants", json={"name": "x"}) for _ in range(2)]
    assert [r.status_code for r in without] == [201, 201]
    assert await effect_count(sessionmaker) == 3


async def test_http_concurrent_requests_with_one_key_make_one_effect(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/participants", json={"name": "Siti"}, headers={"Idempotency-Key": "k"})
            for _ in range(6)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    assert sum(REPLAYED_HEADER in r.headers for r in responses) == 5
    assert await effect_count(sessionmaker) == 1


async def test_http_rejects_unusable_keys(client: httpx.AsyncClient) -> None:
    for bad in ("x" * 201, "has space"):
        response = await client.post(
            "/participants", json={"name": "Siti"}, headers={"Idempotency-Key": bad}
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_keys_are_per_caller(app: FastAPI, sessionmaker: Any) -> None:
    transport = httpx.ASGITransport(app)
    for subject in ("op-a", "op-b"):
        token = mint_token(SETTINGS, role=Role.OPERATOR, office="NTB", subject=subject)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post(
                "/participants",
                json={"name": "Siti"},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same"},
            )
            assert REPLAYED_HEADER not in response.headers
    assert await effect_count(sessionmaker) == 2
