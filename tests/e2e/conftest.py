"""The whole system as real processes: every api and worker of the four services, against real
PostgreSQL (one database each) and Redis, with a real local SMTP server and SMS/WhatsApp gateway."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from purna.runner import System
from purna.services import SERVICES
from purna_notification.testing.gateway import FakeGateway, serve_in_thread
from purna_notification.testing.smtp import SmtpSink, smtp_sink
from purna_shared.net import free_port
from purna_shared.testing.plugin import DatabaseFactory

GATEWAY_SECRET = "e2e-gateway-secret"
WITA = ZoneInfo("Asia/Makassar")


@dataclass
class RunningSystem:
    system: System
    mailbox: SmtpSink
    gateway: FakeGateway

    @property
    def ports(self) -> dict[str, int]:
        return self.system.ports


@pytest.fixture
def mailbox() -> Iterator[tuple[SmtpSink, int]]:
    with smtp_sink() as server:
        yield server


@pytest.fixture
def gateway() -> Iterator[tuple[FakeGateway, str]]:
    fake = FakeGateway(secret=GATEWAY_SECRET)
    with serve_in_thread(fake) as base_url:
        yield fake, f"{base_url}/v1/messages"


def quiet_hours_away_from_now() -> dict[str, str]:
    """Quiet hours are real (21:00-07:00 WITA) but the suite may run at night: move the
    window to hours that are not now, so SMS go out while the test watches."""
    now = datetime.now(WITA)
    start, end = now + timedelta(hours=3), now + timedelta(hours=4)
    return {
        "NOTIFICATION_QUIET_HOURS_START": start.strftime("%H:%M"),
        "NOTIFICATION_QUIET_HOURS_END": end.strftime("%H:%M"),
    }


@pytest.fixture
async def running_system(
    database_factory: DatabaseFactory,
    redis_url: str,
    stream_prefix: str,
    mailbox: tuple[SmtpSink, int],
    gateway: tuple[FakeGateway, str],
    tmp_path: Path,
) -> AsyncIterator[RunningSystem]:
    env = system_env(redis_url, stream_prefix, mailbox[1], gateway[1])
    for service in SERVICES:
        env[f"{service.env_prefix}DATABASE_URL"] = await database_factory.create(
            service.migrations_dir()
        )
    system = System(tmp_path, env=env, ports={service.name: free_port() for service in SERVICES})
    system.start_services()
    try:
        system.wait_ready(timeout=90)
        yield RunningSystem(system, mailbox[0], gateway[0])
    finally:
        system.stop()


def system_env(
    redis_url: str, stream_prefix: str, smtp_port: int, gateway_url: str
) -> dict[str, str]:
    """The environment of every process of a test system (databases are added per test)."""
    return dict(os.environ) | {
        "REDIS_URL": redis_url,
        "STREAM_PREFIX": stream_prefix,
        "CONSUMER_BLOCK_MS": "200",
        "RECLAIM_IDLE_MS": "3000",
        "RECLAIM_INTERVAL_MS": "500",
        "RELAY_POLL_MS": "200",
        "LOG_LEVEL": "INFO",
        "NOTIFICATION_DELIVERY": "gateway",
        "NOTIFICATION_SMTP_HOST": "127.0.0.1",
        "NOTIFICATION_SMTP_PORT": str(smtp_port),
        "NOTIFICATION_GATEWAY_URL": gateway_url,
        "NOTIFICATION_GATEWAY_SECRET": GATEWAY_SECRET,
        "NOTIFICATION_GATEWAY_TIMEOUT_SECONDS": "5",
        "NOTIFICATION_SMTP_TIMEOUT_SECONDS": "5",
        "NOTIFICATION_DISPATCH_LEASE_SECONDS": "10",
        "NOTIFICATION_DISPATCH_POLL_MS": "200",
        **quiet_hours_away_from_now(),
    }
