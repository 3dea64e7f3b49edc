"""The console in a real browser against the real system: every api and worker of the four
services as processes on real PostgreSQL (one database each) and Redis, the console as a process,
the demo campaign (one village) run through the APIs, and Debian's Chromium driven by Playwright.

One system and one browser for the whole session keep the suite fast; each test gets its own
browser context (cookies), so tests sign in as whoever they need."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis as sync_redis
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from purna.demo import TRAININGS, VillageResult, VillageTraining, generate_participants, run_demo
from purna.runner import System
from purna.services import CONSOLE, SERVICES
from purna_shared.http.auth import Role, mint_token
from purna_shared.net import free_port
from purna_shared.settings import PurnaSettings
from purna_shared.testing.plugin import DatabaseFactory

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WITA = ZoneInfo("Asia/Makassar")
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
#: the test village: apart from the demo's, so the dashboard's demo row stays the demo's
TEST_VILLAGE = VillageTraining("Sukarara", "Jonggat", "5202", "05", "TENUN", date(2024, 1, 1))


def today_wita() -> date:
    return datetime.now(UTC).astimezone(WITA).date()


class Api:
    """The services' APIs with development tokens (to set up what the browser then uses)."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.settings = PurnaSettings()
        self.client = httpx.Client(timeout=30)

    def token(self, role: str, **scope: str) -> str:
        return mint_token(
            self.settings, role=Role(role), subject=scope.pop("subject", None), **scope
        )

    def call(
        self, method: str, service: str, path: str, token: str, key: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        return self.client.request(
            method, f"http://127.0.0.1:{self.ports[service]}{path}", headers=headers, **kw
        )


@dataclass
class ConsoleSystem:
    system: System
    api: Api
    demo: list[VillageResult]
    base_url: str
    extra: dict[str, Any] = field(default_factory=dict)


# Module scope: the whole system stops once the browser tests are done with it.
@pytest.fixture(scope="module")
def console_system(
    redis_url: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleSystem]:
    factory = DatabaseFactory(postgres_url)
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    env = dict(os.environ) | {
        "REDIS_URL": redis_url,
        "STREAM_PREFIX": prefix,
        "CONSUMER_BLOCK_MS": "200",
        "RELAY_POLL_MS": "200",
        "LOG_LEVEL": "INFO",
        "NOTIFICATION_DELIVERY": "console",
        "CONSOLE_DEV_MODE": "true",
        # every dashboard load asks the services (tests compare it with what just happened)
        "CONSOLE_DASHBOARD_CACHE_SECONDS": "0",
    }

    async def databases() -> None:
        for service in SERVICES:
            env[f"{service.env_prefix}DATABASE_URL"] = await factory.create(
                service.migrations_dir()
            )

    asyncio.run(databases())
    ports = {service.name: free_port() for service in (*SERVICES, CONSOLE)}
    system = System(tmp_path_factory.mktemp("system"), env=env, ports=ports)
    system.start_services()
    try:
        system.wait_ready(timeout=120)
        demo = run_demo(ports=ports, trainings=TRAININGS[-1:])
        yield ConsoleSystem(system, Api(ports), demo, f"http://127.0.0.1:{ports['console']}")
    finally:
        system.stop()
        asyncio.run(factory.drop_all())
        client = sync_redis.Redis.from_url(redis_url)
        try:
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


# Module scope, not session: the sync API keeps an event loop running on this thread
# until it stops, which would break every asyncio test collected after this module.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's Chromium")
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser, console_system: ConsoleSystem) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] = DESKTOP) -> BrowserContext:
        context = browser.new_context(
            base_url=console_system.base_url,
            viewport=viewport,
            locale="id-ID",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, role: str, *, office: str = "", bank: str = "", subject: str = "") -> None:
    """Through the development sign-in form, as a person would."""
    page.goto("/masuk")
    page.select_option("#f-role", role)
    page.select_option("#f-office", office)
    page.select_option("#f-bank", bank)
    if subject:
        page.fill("#f-subject", subject)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/masuk" not in page.url, page.content()[:2000]


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    result = _axe.run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {bad}"


def register_people(api: Api, village: VillageTraining, count: int, index: int) -> list[str]:
    """Register ``count`` generated people of ``village`` through the registration API."""
    operator = api.token("operator", office="NTB")
    people = generate_participants(village, random.Random(index), index)[:count]
    ids = []
    for n, person in enumerate(people):
        r = api.call(
            "POST", "registration", "/participants", operator, key=f"b-{index}-{n}", json=person
        )
        assert r.status_code in (200, 201), r.text
        ids.append(r.json()["id"])
    return ids
