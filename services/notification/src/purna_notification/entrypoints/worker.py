"""``python -m purna_notification.entrypoints.worker``: consumers, outbox relay, dispatcher."""

from __future__ import annotations

import asyncio
import contextlib

from purna_shared.logging import configure_logging
from purna_shared.messaging.worker import open_worker, run_worker

from ..bootstrap import (
    build_channels,
    build_dispatcher,
    build_message_policy,
    build_unit_of_work,
)
from ..settings import NotificationSettings
from .consumers import register


async def run(settings: NotificationSettings) -> None:
    channels = build_channels(settings)
    try:
        async with open_worker(settings, unit_of_work=build_unit_of_work()) as worker:
            register(worker.consumer, build_message_policy(settings))
            dispatcher = build_dispatcher(
                settings,
                engine=worker.engine,
                sessionmaker=worker.sessionmaker,
                channels=channels,
            )
            worker.extra_tasks.append(dispatcher.run)
            await run_worker(worker)
    finally:
        for sender in {id(s): s for s in channels.values()}.values():
            with contextlib.suppress(Exception):
                await sender.aclose()


def main() -> None:
    settings = NotificationSettings()
    configure_logging(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
