"""Registration benchmark. Not a test: ``python bench/registration.py``.

Against PostgreSQL and Redis at their default local addresses (or DATABASE_URL / REDIS_URL),
in one run, on throwaway databases and a throwaway stream prefix:

1. Sustained ``POST /participants`` (every request a new, valid person) for a fixed time with
   a fixed number of keep-alive connections, against
     * Purna's registration API (validation, NIK digest and seal, unique insert, outbox row,
       audit row, idempotency-ready transaction) with its worker's relay running, and
     * a bare FastAPI + asyncpg endpoint that inserts the JSON body into a table with a
       unique NIK (the floor any real endpoint pays),
   each with 1 and 2 uvicorn processes on loopback ports. Rounds are interleaved and the
   medians reported: requests/s, p50 and p99 latency, and the registration/bare ratio.
2. Time from the ``201`` to the ``ParticipantRegistered`` entry on the stream (the worker's
   relay woken by NOTIFY), p50/p99, at a paced 100 requests/s. Both ends are server clocks:
   the record's ``registered_at`` (taken just before the insert, so a little before the 201
   leaves: an upper bound) and the stream entry id (Redis's clock at XADD).
3. Bulk intake: a 100,000-row CSV through ``POST /imports``; rows/s (server-side, from the
   job's start to its end) and the peak RSS of the worker that processed it, beside the
   same for 10,000 rows (memory should not grow with the file).

The load generator is a minimal HTTP/1.1 keep-alive client on raw asyncio streams (httpx
would be the bottleneck). This machine has 2 shared cores: the servers, PostgreSQL, Redis and
the load generator compete for them, so absolute figures are modest; ratios from the same run
are the comparable part. Services log at WARNING so per-request log lines don't dominate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from purna_registration.adapters.orm import MIGRATIONS_DIR
from purna_registration.domain.imports import COLUMN_NAMES
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.db import migrate
from purna_shared.http.auth import mint_token
from purna_shared.net import free_port
from purna_shared.settings import PurnaSettings

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
JWT_SECRET = "bench-jwt-secret-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]
#: database connections per API process, the same for Purna's and the bare endpoint
POOL = 16


# -- people ------------------------------------------------------------------------------------


def people(area: str) -> Iterator[dict[str, Any]]:
    """Endless valid, distinct registrations: NIK serial x birth date x gender."""
    born = date(1960, 1, 1)
    n = 0
    while True:
        for serial in range(1, 10):
            gender = "P" if n % 2 else "L"
            day = born.day + (40 if gender == "P" else 0)
            nik = f"{area}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
            yield {
                "nik": nik,
                "full_name": f"Peserta Bench {'Baiq' if gender == 'P' else 'Lalu'} Nomor",
                "gender": gender,
                "birth_date": born.isoformat(),
                "marital_status": "kawin",
                "phone": f"0812{n % 100_000_000:08d}",
                "email": None,
                "address": {
                    "province_code": "52",
                    "regency_code": "5202",
                    "district": "Jonggat",
                    "village": "Bonjeruk",
                },
                "category": "pmi_purna",
                "pmi": {
                    "destination_country": "MY",
                    "sector": "perkebunan",
                    "years_abroad": 6,
                    "returned_on": "2023-11-20",
                },
                "consent": {"granted": True, "channels": ["sms", "whatsapp"]},
            }
            n += 1
        born += timedelta(days=1)


# -- bare baseline -----------------------------------------------------------------------------

BARE_TABLE = """
CREATE TABLE IF NOT EXISTS bare_participants (
    id uuid PRIMARY KEY,
    nik text NOT NULL UNIQUE,
    body jsonb NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
)"""


def bare_app(dsn: str) -> Any:
    """FastAPI + asyncpg: parse JSON, insert, answer 201 with the id; no validation."""
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=POOL, max_size=POOL)
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/participants")
    async def register(request: Request) -> JSONResponse:
        body = await request.json()
        pid = uuid.uuid4()
        async with state["pool"].acquire() as conn:
            await conn.execute(
                "INSERT INTO bare_participants (id, nik, body) VALUES ($1, $2, $3)",
                pid,
                body["nik"],
                json.dumps(body),
            )
        return JSONResponse({"id": str(pid), **body}, status_code=201)

    return app


def serve_bare(dsn: str, port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(dsn), host="127.0.0.1", port=port, log_level="warning")


# -- processes ---------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    port: int | None = None

    def peak_rss_mb(self) -> float:
        """VmHWM: the process's peak resident set so far."""
        with open(f"/proc/{self.popen.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Env:
    registration_db: str
    bare_dsn: str
    prefix: str

    def service_env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "REGISTRATION_DATABASE_URL": self.registration_db,
            "REDIS_URL": REDIS_URL,
            "STREAM_PREFIX": self.prefix,
            "JWT_SECRET": JWT_SECRET,
            # not the published development key: the services refuse that outside DEV_MODE
            "REGISTRATION_NIK_SECRET": "bench-nik-secret-0123456789abcdef",
            "LOG_LEVEL": "WARNING",
            # A steady pool no smaller than the load: overflow connections would be reopened per
            # request, and two APIs plus the bare servers must fit PostgreSQL's max_connections.
            "REGISTRATION_DB_POOL_SIZE": str(POOL),
            "REGISTRATION_DB_MAX_OVERFLOW": "0",
            **extra,
        }


def start_api(env: Env) -> Proc:
    port = free_port()
    popen = subprocess.Popen(
        [sys.executable, "-m", "purna_registration.entrypoints.api"],
        env=env.service_env(REGISTRATION_HTTP_PORT=str(port)),
    )
    return Proc("registration-api", popen, port)


def start_worker(env: Env) -> Proc:
    popen = subprocess.Popen(
        [sys.executable, "-m", "purna_registration.entrypoints.worker"],
        env=env.service_env(REGISTRATION_IMPORT_POLL_MS="100"),
    )
    return Proc("registration-worker", popen)


def start_bare(env: Env) -> Proc:
    port = free_port()
    popen = subprocess.Popen(
        [sys.executable, __file__, "--serve-bare", env.bare_dsn, "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return Proc("bare-api", popen, port)


async def wait_ready(port: int, path: str = "/livez") -> None:
    for _ in range(600):
        with contextlib.suppress(OSError):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: b\r\n\r\n".encode())
            await writer.drain()
            line = await reader.readline()
            writer.close()
            if line and (b" 200 " in line or b" 404 " in line):
                return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


# -- load --------------------------------------------------------------------------------------


class Connection:
    """One HTTP/1.1 keep-alive connection that sends a request and reads its response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def post(self, path: str, body: bytes, headers: str) -> tuple[int, bytes]:
        self.writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{headers}\r\n"
            ).encode()
            + body
        )
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    created: list[tuple[str, float]] = field(default_factory=list)  # (id, registered_at)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def sustained(
    ports: list[int],
    bodies: Iterator[dict[str, Any]],
    *,
    seconds: float,
    connections: int,
    headers: str,
    warmup: float = 1.0,
    rate: float | None = None,
    track: bool = False,
) -> LoadResult:
    """Closed loop: each connection posts the next body as soon as it has its answer (or
    paced to ``rate`` requests/s overall). Only requests started after the warm-up count."""
    conns = [await Connection.open(ports[i % len(ports)]) for i in range(connections)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    created: list[tuple[str, float]] = []
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    interval = connections / rate if rate else 0.0

    async def loop(conn: Connection, offset: float) -> None:
        next_at = start + offset
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            if interval:
                if now < next_at:
                    await asyncio.sleep(next_at - now)
                next_at += interval
            body = json.dumps(next(bodies)).encode()
            began = time.perf_counter()
            status, answer = await conn.post("/participants", body, headers)
            ended = time.perf_counter()
            if began >= measure_from and ended <= stop_at:
                latencies.append((ended - began) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201 and track:
                    record = json.loads(answer)
                    created.append(
                        (record["id"], datetime.fromisoformat(record["registered_at"]).timestamp())
                    )

    await asyncio.gather(
        *(loop(c, i * interval / connections if interval else 0) for i, c in enumerate(conns))
    )
    for c in conns:
        c.close()
    return LoadResult(len(latencies), seconds, latencies, statuses, created)


async def stream_arrivals(redis: Redis, stream: str, into: dict[str, float]) -> None:
    """Record when each ParticipantRegistered subject was added to the stream: the entry id's
    millisecond part is Redis's clock at XADD (same machine), so a busy reader can't skew it."""
    last = "$"
    while True:
        response = await redis.xread({stream: last}, block=1000, count=1000)
        for _, entries in response or ():
            for entry_id, fields in entries:
                last = entry_id
                added_ms = int(entry_id.split(b"-")[0])
                into.setdefault(fields[b"subject"].decode(), added_ms / 1000)


def delivery_latencies(created: list[tuple[str, float]], arrivals: dict[str, float]) -> list[float]:
    return [(arrivals[pid] - t) * 1000 for pid, t in created if pid in arrivals]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- imports -----------------------------------------------------------------------------------


def write_csv(path: Path, rows: int, area: str) -> None:
    source = people(area)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMN_NAMES)
        for _ in range(rows):
            p = next(source)
            writer.writerow(
                [
                    p["nik"], p["full_name"], p["gender"], p["birth_date"], p["marital_status"],
                    p["phone"], "", "52", "5203", "Jerowaru", "Pemongkong", "pmi_purna", "MY",
                    "perkebunan", "6", "2023-11-20", "", "", "", "ya", "sms;whatsapp",
                ]
            )  # fmt: skip


async def run_import(env: Env, path: Path, token: str) -> dict[str, Any]:
    """Upload ``path`` to a fresh api + worker pair; wait for the job; report its figures."""
    import httpx

    api, worker = start_api(env), start_worker(env)
    try:
        assert api.port is not None
        await wait_ready(api.port)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{api.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        ) as client:
            uploaded_at = time.perf_counter()
            with path.open("rb") as handle:
                response = await client.post("/imports", files={"file": (path.name, handle)})
            response.raise_for_status()
            upload_s = time.perf_counter() - uploaded_at
            job = response.json()
            while job["status"] in ("pending", "running"):
                await asyncio.sleep(0.25)
                job = (await client.get(f"/imports/{job['id']}", params={"limit": 1})).json()
            wall_s = time.perf_counter() - uploaded_at
        started = datetime.fromisoformat(job["started_at"])
        finished = datetime.fromisoformat(job["finished_at"])
        processing_s = (finished - started).total_seconds()
        return {
            "rows": job["progress"]["rows_processed"],
            "registered": job["counts"]["registered"],
            "status": job["status"],
            "upload_s": upload_s,
            "processing_s": processing_s,
            "rows_per_s": job["progress"]["rows_processed"] / processing_s,
            "wall_s": wall_s,
            "worker_peak_rss_mb": worker.peak_rss_mb(),
            "api_peak_rss_mb": api.peak_rss_mb(),
        }
    finally:
        api.stop()
        worker.stop()


# -- orchestration -----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def throwaway() -> AsyncIterator[Env]:
    suffix = uuid.uuid4().hex[:10]
    reg_db, bare_db = f"purna_bench_reg_{suffix}", f"purna_bench_bare_{suffix}"
    admin = await asyncpg.connect(PG_URL)
    try:
        for name in (reg_db, bare_db):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_URL.rsplit("/", 1)[0]
    reg_url = f"{base}/{reg_db}".replace("postgresql://", "postgresql+asyncpg://", 1)
    bare_dsn = f"{base}/{bare_db}"
    await asyncio.to_thread(migrate, MIGRATIONS_DIR, reg_url)
    conn = await asyncpg.connect(bare_dsn)
    await conn.execute(BARE_TABLE)
    await conn.close()
    prefix = f"bench-{suffix}:"
    try:
        yield Env(reg_url, bare_dsn, prefix)
    finally:
        redis = Redis.from_url(REDIS_URL)
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        admin = await asyncpg.connect(PG_URL)
        try:
            for name in (reg_db, bare_db):
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def main(args: argparse.Namespace) -> None:
    token = mint_token(PurnaSettings(jwt_secret=JWT_SECRET), role="operator", office="NTB")
    auth = f"Authorization: Bearer {token}\r\n"
    async with throwaway() as env:
        redis = Redis.from_url(REDIS_URL)
        stream = ParticipantRegistered.stream(env.prefix)
        arrivals: dict[str, float] = {}
        reader = asyncio.create_task(stream_arrivals(redis, stream, arrivals))

        worker = start_worker(env)
        apis = [start_api(env), start_api(env)]
        bares = [start_bare(env), start_bare(env)]
        try:
            for p in [*apis, *bares]:
                assert p.port is not None
                await wait_ready(p.port)
            reg_bodies, bare_bodies = people("520206"), people("520101")
            print(
                f"sustained POST /participants: {args.seconds:.0f} s x {args.rounds} rounds, "
                f"{args.connections} connections, {POOL} database connections per process; "
                f"load average before: {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            results: dict[str, list[LoadResult]] = {}
            scenarios = {
                "registration x1": ([apis[0].port], reg_bodies, auth),
                "bare x1": ([bares[0].port], bare_bodies, ""),
                "registration x2": ([apis[0].port, apis[1].port], reg_bodies, auth),
                "bare x2": ([bares[0].port, bares[1].port], bare_bodies, ""),
            }
            for round_ in range(args.rounds):
                for name, (ports, bodies, headers) in scenarios.items():
                    result = await sustained(
                        [p for p in ports if p is not None],
                        bodies,
                        seconds=args.seconds,
                        connections=args.connections,
                        headers=headers,
                    )
                    results.setdefault(name, []).append(result)
                    print(
                        f"  round {round_ + 1} {name:<16} {result.rps:8.0f} req/s  "
                        f"p50 {result.pct(0.5):6.1f} ms  p99 {result.pct(0.99):6.1f} ms  "
                        f"{result.statuses}",
                        flush=True,
                    )
                    await asyncio.sleep(1)  # let the relay drain between runs

            await asyncio.sleep(2)
            paced = await sustained(
                [apis[0].port],  # type: ignore[list-item]
                reg_bodies,
                seconds=args.seconds,
                connections=8,
                headers=auth,
                rate=100,
                track=True,
            )
            await asyncio.sleep(2)
            paced_latency = delivery_latencies(paced.created, arrivals)
        finally:
            for p in [*apis, *bares, worker]:
                p.stop()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await redis.aclose()

        print("\nbulk intake (fresh api + worker per file)", flush=True)
        imports: dict[int, dict[str, Any]] = {}
        with tempfile.TemporaryDirectory() as folder:
            for rows, area in ((10_000, "527101"), (args.import_rows, "520301")):
                path = Path(folder) / f"peserta-{rows}.csv"
                write_csv(path, rows, area)
                imports[rows] = await run_import(env, path, token)
                i = imports[rows]
                print(
                    f"  {rows:>7} rows ({path.stat().st_size / 1e6:.1f} MB): {i['status']}, "
                    f"{i['registered']} registered, {i['rows_per_s']:.0f} rows/s "
                    f"(processing {i['processing_s']:.1f} s, upload {i['upload_s']:.1f} s), "
                    f"worker peak RSS {i['worker_peak_rss_mb']:.0f} MB, "
                    f"api peak RSS {i['api_peak_rss_mb']:.0f} MB",
                    flush=True,
                )

    def row(name: str) -> tuple[float, float, float]:
        rs = results[name]
        return (
            median([r.rps for r in rs]),
            median([r.pct(0.5) for r in rs]),
            median([r.pct(0.99) for r in rs]),
        )

    print(f"\nload average after: {os.getloadavg()[0]:.1f} (2 cores, shared)")
    print("== medians ==")
    print(f"{'scenario':<18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for name in scenarios:
        rps, p50, p99 = row(name)
        print(f"{name:<18}{rps:9.0f}{p50:9.1f}{p99:9.1f}")
    for n in ("x1", "x2"):
        print(
            f"registration/bare {n}: {row(f'registration {n}')[0] / row(f'bare {n}')[0]:.2f} "
            "(throughput ratio)"
        )
    print(
        f"registration x2 / x1: {row('registration x2')[0] / row('registration x1')[0]:.2f}; "
        f"bare x2 / x1: {row('bare x2')[0] / row('bare x1')[0]:.2f}"
    )
    print(
        "registered -> on the stream (>= 201 -> stream), paced 100 req/s: "
        f"p50 {pct(paced_latency, 0.5):.1f} ms, "
        f"p99 {pct(paced_latency, 0.99):.1f} ms ({len(paced_latency)} events)"
    )
    big = imports[args.import_rows]
    print(
        f"import {args.import_rows} rows: {big['rows_per_s']:.0f} rows/s, worker peak RSS "
        f"{big['worker_peak_rss_mb']:.0f} MB (10,000 rows: "
        f"{imports[10_000]['worker_peak_rss_mb']:.0f} MB)"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--serve-bare", metavar="DSN", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, args.port)
        return
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(args))


if __name__ == "__main__":
    cli()
