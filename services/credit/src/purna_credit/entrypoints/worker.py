"""The credit worker: event consumers, the outbox relay and the allocation sweep.

``python -m purna_credit.entrypoints.worker``
"""

from __future__ import annotations

import asyncio
import logging

from purna_shared.logging import configure_logging
from purna_shared.messaging.loops import every
from purna_shared.messaging.worker import open_worker, run_worker
from purna_shared.unit_of_work import Transactions

from ..adapters.rules_file import load_rules
from ..bootstrap import build_unit_of_work
from ..service_layer.applications import sweep
from ..settings import CreditSettings
from .consumers import register

log = logging.getLogger(__name__)


async def run(settings: CreditSettings) -> None:
    rules = load_rules(settings.kur_rules_file)
    unit_of_work = build_unit_of_work()
    async with open_worker(settings, unit_of_work=unit_of_work) as worker:
        register(worker.consumer, rules=rules, settings=settings)
        transactions = Transactions(unit_of_work, worker.sessionmaker)
        worker.extra_tasks.append(
            lambda: every(
                settings.sweep_interval_s, lambda: sweep(transactions), name="allocation sweep"
            )
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
