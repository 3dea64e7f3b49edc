"""The training worker: participant events in, outbox out."""

from __future__ import annotations

import asyncio

from purna_shared.logging import configure_logging
from purna_shared.messaging.worker import open_worker, run_worker

from ..bootstrap import build_unit_of_work
from ..settings import TrainingSettings
from .consumers import register


async def run(settings: TrainingSettings) -> None:
    async with open_worker(settings, unit_of_work=build_unit_of_work()) as worker:
        register(worker.consumer)
        await run_worker(worker)


def main() -> None:
    settings = TrainingSettings()
    configure_logging(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
