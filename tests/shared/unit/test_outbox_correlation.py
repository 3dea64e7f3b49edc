"""Events staged while serving a request carry the request's correlation id."""

from __future__ import annotations

from pathlib import Path

import pytest

from purna_shared.context import request_context
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.testing.probe import ProbeEvent, create_tables
from purna_shared.unit_of_work import Cause, UnitOfWork

pytestmark = pytest.mark.unit


async def test_request_correlation_reaches_the_event_and_a_cause_wins(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker() as session, session.begin():
            with request_context("req-1", "corr-42"):
                uow = UnitOfWork(session, source="probe", cause=Cause.of_request())
                during_request = await uow.emit(ProbeEvent(n=1))
                uow.caused_by(Cause.of(during_request))
                caused = await uow.emit(ProbeEvent(n=2))
            outside = await UnitOfWork(session, source="probe", cause=Cause.of_request()).emit(
                ProbeEvent(n=3)
            )
    finally:
        await engine.dispose()
    assert during_request.correlationid == "corr-42"
    assert caused.correlationid == "corr-42"
    assert caused.causationid == during_request.id
    assert outside.correlationid == outside.id  # a chain of its own
