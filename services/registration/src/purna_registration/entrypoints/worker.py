"""The registration worker: the outbox relay and the bulk-intake runner.

Imports run here, not in the API, so that an API replica can be scaled down or restarted
mid-import without losing the job: the job and its progress live in the database and any
worker resumes it (see :mod:`purna_registration.service_layer.imports`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_shared.http.idempotency import purge_idempotency_keys
from purna_shared.logging import configure_logging
from purna_shared.messaging.worker import open_worker, run_worker

from ..adapters.nik_vault import NikVault
from ..bootstrap import build_unit_of_work
from ..service_layer.imports import ImportRunner
from ..settings import RegistrationSettings
from .consumers import register

log = logging.getLogger(__name__)

#: a client retries a registration within minutes; a day of keys is plenty
IDEMPOTENCY_KEYS_KEPT = timedelta(hours=24)


async def purge_old_idempotency_keys(
    sessionmaker: async_sessionmaker[AsyncSession], every_seconds: float = 3600
) -> None:
    """Keep the idempotency table small: stored responses hold personal data too."""
    while True:
        try:
            async with sessionmaker() as session, session.begin():
                await purge_idempotency_keys(session, IDEMPOTENCY_KEYS_KEPT)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("idempotency purge failed, will retry", extra={"error": str(exc)})
        await asyncio.sleep(every_seconds)


async def run(settings: RegistrationSettings) -> None:
    unit_of_work = build_unit_of_work()
    async with open_worker(settings, unit_of_work=unit_of_work) as worker:
        register(worker.consumer)
        runner = ImportRunner(
            sessionmaker=worker.sessionmaker,
            unit_of_work=unit_of_work,
            vault=NikVault(settings.nik_secret),
            settings=settings,
        )
        worker.extra_tasks += [
            runner.run,
            lambda: purge_old_idempotency_keys(worker.sessionmaker),
        ]
        await run_worker(worker)


def main() -> None:
    settings = RegistrationSettings()
    configure_logging(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
