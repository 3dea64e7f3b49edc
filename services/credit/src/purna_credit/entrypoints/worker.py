"""The credit worker: event consumers, the outbox relay and the allocation sweep.

``python -m purna_credit.entrypoints.worker``
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_shared.logging import configure_logging
from purna_shared.messaging.worker import open_worker, run_worker

from ..adapters.rules_file import load_rules
from ..bootstrap import build_unit_of_work
from ..service_layer.applications import sweep
from ..settings import CreditSettings
from .consumers import register

log = logging.getLogger(__name__)


async def sweep_forever(
    sessionmaker: async_sessionmaker[AsyncSession], interval_seconds: float
) -> None:
    """Expire lapsed reservations and promote the waitlist, every ``interval_seconds``."""
    while True:
        try:
            await sweep(sessionmaker, datetime.now(UTC))
        except (SQLAlchemyError, OSError) as exc:
            log.warning("allocation sweep failed, will retry", extra={"error": str(exc)})
        except Exception:
            # A bug in the sweep must not stop the consumers running beside it in this process.
            log.exception("allocation sweep failed unexpectedly, will retry")
        await asyncio.sleep(interval_seconds)


async def run(settings: CreditSettings) -> None:
    rules = load_rules(settings.kur_rules_file)
    async with open_worker(settings, unit_of_work=build_unit_of_work()) as worker:
        register(worker.consumer, rules=rules, settings=settings)
        worker.extra_tasks.append(
            lambda: sweep_forever(worker.sessionmaker, settings.sweep_interval_s)
        )
        log.info(
            "credit worker started",
            extra={"rules_version": rules.version, "consumer_name": settings.consumer_name},
        )
        await run_worker(worker)


def main() -> None:
    settings = CreditSettings()
    configure_logging(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
