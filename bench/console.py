"""Console benchmark. Not a test: ``python bench/console.py``.

Starts the whole system as ``purna run`` does (every api and worker, and the console) on
throwaway PostgreSQL databases and a throwaway stream prefix (PostgreSQL and Redis at their
default local addresses, or DATABASE_URL / REDIS_URL), runs the full demo campaign (six
villages, 120 participants), signs in to the console as an admin and fetches each main page
``--rounds`` times in turn (after a warm-up), reading the server's own time for the page from
its ``Server-Timing`` header.

Baseline in the same run: for each page, the one service call that page cannot do without
(e.g. ``GET /participants`` for the participant list), made with the same token and timed the
same way by the client. The ratio page/API shows what the console itself adds; the target is a
server time p95 under 200 ms per page with the demo data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from purna.demo import run_demo
from purna.runner import System
from purna.services import CONSOLE, SERVICES
from purna_shared.http.auth import Role, mint_token
from purna_shared.net import free_port
from purna_shared.settings import PurnaSettings
from purna_shared.testing.plugin import DatabaseFactory

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sign_in(client: httpx.Client) -> None:
    page = client.get("/masuk")
    match = _CSRF.search(page.text)
    assert match, "no CSRF token on the sign-in page"
    answer = client.post(
        "/masuk", data={"csrf_token": match.group(1), "role": "admin"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text[:300]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    postgres = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    factory = DatabaseFactory(postgres)
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    env = dict(os.environ) | {
        "REDIS_URL": redis_url,
        "STREAM_PREFIX": prefix,
        "LOG_LEVEL": "WARNING",
        "NOTIFICATION_DELIVERY": "console",
        "CONSOLE_DEV_MODE": "true",
        # measure the dashboard's real work on every load, not its 15 s cache
        "CONSOLE_DASHBOARD_CACHE_SECONDS": "0",
    }

    async def databases() -> None:
        for service in SERVICES:
            env[f"{service.env_prefix}DATABASE_URL"] = await factory.create(
                service.migrations_dir()
            )

    asyncio.run(databases())
    ports = {service.name: free_port() for service in (*SERVICES, CONSOLE)}
    system = System(Path(tempfile.mkdtemp(prefix="purna-bench-")), env=env, ports=ports)
    system.start_services()
    try:
        system.wait_ready(timeout=180)
        results = run_demo(ports=ports)
        token = mint_token(PurnaSettings(), role=Role.ADMIN, subject="bench-admin")
        measure(ports, results, token, args.rounds)
    finally:
        system.stop()
        asyncio.run(factory.drop_all())
        asyncio.run(DatabaseFactory.drop_templates())
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def measure(ports: dict[str, int], results: list[Any], token: str, rounds: int) -> None:
    demo = results[-1]
    pid, sid = demo.participant_ids[0], demo.session_id
    day = demo.training.start.isoformat()
    api = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    pages: list[tuple[str, str, str]] = [
        ("/dasbor", "training", "/sessions?limit=200"),
        ("/peserta", "registration", "/participants?limit=20"),
        (f"/peserta/{pid}", "registration", f"/participants/{pid}"),
        ("/kampanye", "registration", "/campaigns?limit=20"),
        ("/sesi", "training", "/sessions?limit=20"),
        (f"/sesi/{sid}", "training", f"/sessions/{sid}/enrollments?status=enrolled&limit=100"),
        (f"/sesi/{sid}/hadir/{day}", "training", f"/sessions/{sid}/attendance"),
        ("/prakualifikasi", "credit", "/prequalifications?limit=20"),
        ("/pengajuan", "credit", "/applications?limit=20"),
        ("/audit", "registration", "/audit-log?limit=20"),
    ]
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=api[CONSOLE.name], timeout=30) as console,
        httpx.Client(timeout=30, headers=headers) as direct,
    ):
        sign_in(console)
        server: dict[str, list[float]] = {p: [] for p, _, _ in pages}
        wall: dict[str, list[float]] = {p: [] for p, _, _ in pages}
        base: dict[str, list[float]] = {p: [] for p, _, _ in pages}
        for n in range(rounds + 3):
            for page, service, path in pages:  # interleaved: drift affects all alike
                began = time.perf_counter()
                answer = console.get(page)
                took = (time.perf_counter() - began) * 1000
                assert answer.status_code == 200, (page, answer.status_code, answer.text[:300])
                began = time.perf_counter()
                ref = direct.get(api[service] + path)
                ref_took = (time.perf_counter() - began) * 1000
                assert ref.status_code == 200, (path, ref.status_code)
                if n < 3:
                    continue  # warm-up
                timing = re.search(r"dur=([0-9.]+)", answer.headers["server-timing"])
                assert timing
                server[page].append(float(timing.group(1)))
                wall[page].append(took)
                base[page].append(ref_took)
    print(f"\nConsole pages, admin, full demo data, {rounds} rounds each (ms)")
    columns = ("server p50", 11), ("server p95", 11), ("wall p95", 10), ("API p95", 9)
    print(f"{'page':<34}" + "".join(f"{c:>{w}}" for c, w in columns) + f"{'ratio':>7}")
    worst = 0.0
    for page, _, _ in pages:
        p95 = percentile(server[page], 0.95)
        worst = max(worst, p95)
        api_p95 = percentile(base[page], 0.95)
        name = re.sub(r"[0-9a-f]{8,}[0-9a-z-]*", "{id}", page)
        print(
            f"{name:<34}{statistics.median(server[page]):>11.1f}{p95:>11.1f}"
            f"{percentile(wall[page], 0.95):>10.1f}{api_p95:>9.1f}"
            f"{percentile(wall[page], 0.95) / api_p95:>7.1f}"
        )
    print(f"worst server p95: {worst:.1f} ms (target < 200 ms)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
