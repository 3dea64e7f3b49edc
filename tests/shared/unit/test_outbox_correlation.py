"""Events staged while serving a request carry the request's correlation id."""

from __future__ import annotations

from pathlib import Path

import pytest

from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.http.context import request_context
from purna_shared.messaging.outbox import Outbox
from purna_shared.testing.probe import ProbeEvent, create_tables

pytestmark = pytest.mark.unit


async def test_request_correlation_reaches_the_event_and_a_cause_wins(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    outbox = Outbox("probe")
    try:
        async with sessionmaker() as session, session.begin():
            with request_context("req-1", "corr-42"):
                during_request = await outbox.add(session, ProbeEvent(n=1))
                caused = await outbox.add(session, ProbeEvent(n=2), cause=during_request)
            outside = await outbox.add(session, ProbeEvent(n=3))
    finally:
        await engine.dispose()
    assert during_request.correlationid == "corr-42"
    assert caused.correlationid == "corr-42"
    assert caused.causationid == during_request.id
    assert outside.correlationid == outside.id  # a chain of its own
