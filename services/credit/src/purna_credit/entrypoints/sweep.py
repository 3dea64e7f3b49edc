"""One allocation sweep, for cron or an operator: expire reservations whose pre-qualification
lapsed (releasing their quota) and promote waitlisted applications that now fit.

``python -m purna_credit.entrypoints.sweep`` prints ``{"expired": n, "promoted": m}``.
The worker runs the same sweep every ``CREDIT_SWEEP_INTERVAL_S`` seconds.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from purna_shared.clock import FixedClock
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.logging import configure_logging
from purna_shared.unit_of_work import Transactions

from ..bootstrap import build_unit_of_work
from ..service_layer.applications import SweepResult, sweep
from ..settings import CreditSettings


async def run_once(settings: CreditSettings, now: datetime | None = None) -> SweepResult:
    engine = make_engine(settings.resolved_database_url)
    try:
        clock = FixedClock(now) if now is not None else None
        return await sweep(Transactions(build_unit_of_work(clock), make_sessionmaker(engine)))
    finally:
        await engine.dispose()


def main() -> None:
    settings = CreditSettings()
    configure_logging(settings)
    result = asyncio.run(run_once(settings))
    print(json.dumps({"expired": result.expired, "promoted": result.promoted}))


if __name__ == "__main__":
    main()
