"""``Idempotency-Key`` for creating POSTs, kept in the service's own database.

The key, a fingerprint of the request body and the response are stored in the same transaction
as the effect, so a retried request either finds the committed response (and gets it back
unchanged) or finds nothing because the first attempt rolled back. Endpoints reach it through
the transaction seam (:mod:`purna_shared.http.transaction`)::

    @router.post("/participants", status_code=201)
    async def register(body: RegisterParticipant, principal: Writer, tx: IdempotentTx):
        return await tx.respond(lambda uow: participants.register(uow, body, principal))

where the work returns ``(status_code, body)`` and runs inside the transaction. Without the
header the work simply runs in a transaction. The same key with a different body is a 422
problem. Two simultaneous requests with one key: the first to insert the key does the work;
the other waits for it (PostgreSQL's unique index, SQLite's write lock) and then replays its
response, so the effect happens once.

Successful responses are stored; a work that raises rolls everything back, key included, so
the client may retry with the same key. Keys are scoped per caller, method and path.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    column,
    delete,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .auth import Principal, current_principal
from .problems import ProblemError

TABLE_NAME = "idempotency_keys"
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

_KEY_MAX, _SCOPE_MAX = 200, 500
_KEY_PATTERN = re.compile(rf"[\x21-\x7e]{{1,{_KEY_MAX}}}")  # visible ASCII, no spaces

Body = bytes | str | Mapping[str, Any] | BaseModel | None
Work = Callable[[AsyncSession], Awaitable[tuple[int, Any]]]


def _columns() -> list[Column[Any]]:
    return [
        Column("key", String(_KEY_MAX), nullable=False),
        Column("scope", String(_SCOPE_MAX), nullable=False, comment="caller, method and path"),
        Column("request_hash", String(64), nullable=False, comment="sha256 of the request body"),
        # NULL only inside the transaction that claimed the key and is doing the work
        Column("status_code", Integer, nullable=True),
        Column("response_body", Text, nullable=True, comment="the response as JSON text"),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    ]


def add_idempotency_table(metadata: MetaData) -> Table:
    """Define the idempotency table on a service's metadata (once per database)."""
    return Table(
        TABLE_NAME,
        metadata,
        *_columns(),
        PrimaryKeyConstraint("scope", "key"),
        comment="responses of creating requests by Idempotency-Key, kept for replay",
    )


# A metadata-free handle on the same table for the queries below, so these functions don't
# depend on which MetaData a service put the table on.
_keys = table(TABLE_NAME, *(column(c.name, c.type) for c in _columns()))


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: Any


@dataclass(frozen=True, slots=True)
class IdempotentResult:
    status_code: int
    body: Any
    replayed: bool

    def response(self) -> JSONResponse:
        headers = {REPLAYED_HEADER: "true"} if self.replayed else None
        return JSONResponse(self.body, status_code=self.status_code, headers=headers)


def request_fingerprint(body: Body) -> str:
    """sha256 of the request body: of its bytes, or of canonical JSON for parsed bodies."""
    if body is None:
        data = b""
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        content = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        data = json.dumps(
            jsonable_encoder(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    return hashlib.sha256(data).hexdigest()


def idempotency_scope(subject: str, method: str, path: str) -> str:
    """The namespace of a key: one caller's requests to one method and path."""
    scope = f"{subject} {method.upper()} {path}"
    if len(scope) > _SCOPE_MAX:
        digest = hashlib.sha256(scope.encode()).hexdigest()
        scope = f"{scope[: _SCOPE_MAX - 65]}#{digest}"
    return scope


def _mismatch() -> ProblemError:
    return ProblemError(
        422,
        "Idempotency-Key reused",
        f"This {HEADER} was already used with a different request body; "
        "use a new key for a new request.",
    )


async def lookup(session: AsyncSession, key: str, scope: str, body: Body) -> StoredResponse | None:
    """The response stored for ``key`` in ``scope`` (to replay), or None if the key is new.

    Raises a 422 problem if the key was used with a different body."""
    row = (
        await session.execute(
            select(_keys.c.request_hash, _keys.c.status_code, _keys.c.response_body).where(
                _keys.c.scope == scope, _keys.c.key == key
            )
        )
    ).one_or_none()
    if row is None or row.status_code is None:
        return None
    if row.request_hash != request_fingerprint(body):
        raise _mismatch()
    return StoredResponse(row.status_code, json.loads(row.response_body))


async def remember(
    session: AsyncSession, key: str, scope: str, body: Body, status_code: int, response: Any
) -> None:
    """Store the response in the caller's transaction (commit it with the effect).

    If another request committed the same key first, this (PostgreSQL) or the commit raises
    ``IntegrityError``: roll back and :func:`lookup` again to replay. :func:`run_idempotent`
    does all of that."""
    await session.execute(
        insert(_keys).values(
            key=key,
            scope=scope,
            request_hash=request_fingerprint(body),
            status_code=status_code,
            response_body=json.dumps(jsonable_encoder(response), ensure_ascii=False),
            created_at=datetime.now(UTC),
        )
    )


class _ClaimLostError(Exception):
    pass


async def run_idempotent(
    sessionmaker: async_sessionmaker[AsyncSession],
    key: str | None,
    scope: str,
    body: Body,
    work: Work,
    *,
    attempts: int = 3,
) -> IdempotentResult:
    """Run ``work`` in a new transaction at most once per ``(scope, key)``; replay its stored
    ``(status_code, body)`` on repeats. ``key=None`` just runs the work in a transaction."""
    if key is None:
        async with sessionmaker() as session, session.begin():
            status_code, payload = await work(session)
            return IdempotentResult(status_code, jsonable_encoder(payload), replayed=False)

    fingerprint = request_fingerprint(body)
    for _ in range(attempts):
        async with sessionmaker() as session:
            try:
                async with session.begin():
                    stored = await lookup(session, key, scope, body)
                    if stored is not None:
                        return IdempotentResult(stored.status_code, stored.body, replayed=True)
                    # Claim the key before the work: a concurrent twin blocks on this row (or
                    # on SQLite's write lock) instead of doing the work alongside us.
                    try:
                        await session.execute(
                            insert(_keys).values(
                                key=key,
                                scope=scope,
                                request_hash=fingerprint,
                                created_at=datetime.now(UTC),
                            )
                        )
                    except IntegrityError as exc:
                        raise _ClaimLostError from exc
                    status_code, payload = await work(session)
                    content = jsonable_encoder(payload)
                    await session.execute(
                        update(_keys)
                        .where(_keys.c.scope == scope, _keys.c.key == key)
                        .values(
                            status_code=status_code,
                            response_body=json.dumps(content, ensure_ascii=False),
                        )
                    )
                return IdempotentResult(status_code, content, replayed=False)
            except _ClaimLostError:
                # The twin committed (we replay it on the next round) or rolled back (we claim).
                continue
    raise ProblemError(
        409,
        "Conflict",
        f"A request with this {HEADER} is still being processed; retry shortly.",
        headers={"Retry-After": "1"},
    )


async def purge_idempotency_keys(session: AsyncSession, older_than: timedelta) -> int:
    """Delete keys older than ``older_than`` (e.g. 24 hours); returns how many."""
    result = await session.execute(
        delete(_keys).where(_keys.c.created_at < datetime.now(UTC) - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------------------------------------
# FastAPI


# async although it awaits nothing: a plain-def dependency costs a threadpool hop per request
async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Unique per intended effect (e.g. a UUID); a retry with the same key "
            "and body gets the first response back instead of repeating the effect.",
        ),
    ] = None,
) -> str | None:
    if key is not None and not _KEY_PATTERN.fullmatch(key):
        raise ProblemError(
            400,
            "Invalid Idempotency-Key",
            f"{HEADER} must be 1 to {_KEY_MAX} visible ASCII characters.",
        )
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """What an endpoint needs to run its effect idempotently (see :data:`Idempotent`)."""

    sessionmaker: async_sessionmaker[AsyncSession]
    key: str | None
    scope: str
    body: bytes

    async def execute(self, work: Work) -> IdempotentResult:
        return await run_idempotent(self.sessionmaker, self.key, self.scope, self.body, work)

    async def run(self, work: Work) -> JSONResponse:
        """Run (or replay) the work and answer with its status and body."""
        return (await self.execute(work)).response()


async def idempotent_request(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    key: IdempotencyKey,
) -> IdempotentRequest:
    sessionmaker = getattr(request.app.state, "sessionmaker", None)
    if sessionmaker is None:
        raise RuntimeError("app.state.sessionmaker is not set: the app's resources are not open")
    return IdempotentRequest(
        sessionmaker=sessionmaker,
        key=key,
        scope=idempotency_scope(principal.subject, request.method, request.url.path),
        body=await request.body(),
    )


#: endpoint parameter type: ``idem: Idempotent`` then ``return await idem.run(work)``
Idempotent = Annotated[IdempotentRequest, Depends(idempotent_request)]
