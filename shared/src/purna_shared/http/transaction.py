"""The HTTP transaction seam: one FastAPI dependency through which every endpoint reaches the
database.

After polar's ``get_db_session`` and eShop's ``TransactionBehavior``: the endpoint hands its
use case to the transaction, which opens a unit of work (the service's, from
``app.state.unit_of_work``), runs it, emits what was collected, commits on success and rolls
back if it raises. The commit happens before the response is built, so a client never sees a
success that did not commit::

    @router.get("/sessions/{session_id}")
    async def get_session(session_id: str, _: Staff, tx: Tx) -> SessionOut:
        return await tx.run(lambda uow: sessions.get(uow, session_id))

    @router.post("/sessions", status_code=201)
    async def schedule(cmd: ScheduleSession, _: Staff, tx: IdempotentTx) -> JSONResponse:
        return await tx.respond(lambda uow: created(sessions.schedule(uow, cmd)))

``respond`` honours ``Idempotency-Key`` inside the same transaction (see
:mod:`purna_shared.http.idempotency`): the work returns ``(status_code, body)``, which is stored
with the effect and replayed on a retry. A service types the two dependencies once, with its
unit of work: ``Tx = Annotated[Transaction[TrainingUnitOfWork], Depends(transaction)]``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..unit_of_work import Cause, UnitOfWork, UnitOfWorkFactory
from .auth import Principal, current_principal
from .idempotency import IdempotencyKey, IdempotentResult, idempotency_scope, run_idempotent

U = TypeVar("U", bound=UnitOfWork)
T = TypeVar("T")


class Transaction(Generic[U]):
    """One request's way into the database: a unit of work per call, committed or rolled
    back as a whole."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        unit_of_work: UnitOfWorkFactory[U],
        *,
        key: str | None = None,
        scope: str = "",
        request: Request | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._unit_of_work = unit_of_work
        self._key = key
        self._scope = scope
        self._request = request

    async def run(self, work: Callable[[U], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction: commit if it returns, roll back if it raises."""
        return await self._unit_of_work.run(self._sessionmaker, work, cause=Cause.of_request())

    async def execute(
        self, work: Callable[[U], Awaitable[tuple[int, Any]]], *, fingerprint: str | None = None
    ) -> IdempotentResult:
        """Run ``work`` at most once per ``Idempotency-Key`` (replay its stored answer after).
        A repeat must carry the same request body, or the same ``fingerprint`` when the
        endpoint gives one (an upload spooled to disk names its file's digest instead)."""

        async def in_unit_of_work(session: AsyncSession) -> tuple[int, Any]:
            uow = self._unit_of_work(session, Cause.of_request())
            answer = await work(uow)
            await uow.flush()
            return answer

        body: str | bytes = fingerprint or b""
        if fingerprint is None and self._key is not None and self._request is not None:
            body = await self._request.body()
        return await run_idempotent(
            self._sessionmaker, self._key, self._scope, body, in_unit_of_work
        )

    async def respond(self, work: Callable[[U], Awaitable[tuple[int, Any]]]) -> JSONResponse:
        """:meth:`execute`, answered with the work's (or the replayed) status and body."""
        return (await self.execute(work)).response()


def _resources(request: Request) -> tuple[async_sessionmaker[AsyncSession], Any]:
    state = request.app.state
    sessionmaker = getattr(state, "sessionmaker", None)
    if sessionmaker is None:
        raise RuntimeError("app.state.sessionmaker is not set: the app's resources are not open")
    return sessionmaker, state.unit_of_work


# async although they await little: a plain-def dependency costs a threadpool hop per request
async def transaction(request: Request) -> Transaction[Any]:
    """The dependency of endpoints that take no ``Idempotency-Key`` (reads, PUTs)."""
    sessionmaker, unit_of_work = _resources(request)
    return Transaction(sessionmaker, unit_of_work)


async def idempotent_transaction(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    key: IdempotencyKey,
) -> Transaction[Any]:
    """The dependency of creating POSTs: the same transaction, with ``Idempotency-Key``."""
    sessionmaker, unit_of_work = _resources(request)
    return Transaction(
        sessionmaker,
        unit_of_work,
        key=key,
        scope=idempotency_scope(principal.subject, request.method, request.url.path),
        request=request,
    )


#: untyped forms (a service types its own with its unit of work)
Tx = Annotated[Transaction[Any], Depends(transaction)]
IdempotentTx = Annotated[Transaction[Any], Depends(idempotent_transaction)]
