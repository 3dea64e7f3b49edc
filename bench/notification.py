"""Notification benchmark: messages per second through the dispatcher to a gateway that answers
after 50 ms, with 1, 2 and 4 worker processes and 1, 8 and 32 sends in flight per process.

Not a test. Each configuration gets a fresh batch of due SMS deliveries (contacts and
``scheduled`` rows written straight to PostgreSQL, as the consumer would have left them) and
dispatcher processes started beforehand and released together, so process start-up is not
timed. A run ends when every delivery is ``sent``: claim (``FOR UPDATE SKIP LOCKED``), render,
signed POST to the local gateway (a separate process, ``purna_notification.testing.gateway``),
and the outcome with its NotificationSent outbox row, one transaction per message.

The ceiling a 50 ms gateway allows is ``processes x concurrency / 0.05`` messages/s; the
figures show how close each configuration gets before CPU (two shared cores here, shared with
PostgreSQL and the gateway) becomes the limit. ``CPU ms/msg`` is the dispatcher processes' CPU
per message (claim, render, sign, POST, record), ``gateway`` the local gateway's, and ``load``
the 1-minute load average after the run: this machine is shared, so read a row against its load.

Run: ``python bench/notification.py`` (about two minutes) with PostgreSQL at its
default local address or DATABASE_URL. ``--processes 1 2 --concurrency 1 8`` narrows it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_notification.adapters.orm import (
    MIGRATIONS_DIR,
    contacts,
    deliveries,
    delivery_attempts,
)
from purna_notification.settings import NotificationSettings
from purna_shared.db import make_engine, make_sessionmaker, migrate_async
from purna_shared.messaging.tables import outbox
from purna_shared.net import free_port

PG_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-gateway-secret"
GATEWAY_DELAY_MS = 50
RUN_TIMEOUT_S = 90


def child_settings(database_url: str, gateway_url: str, concurrency: int) -> NotificationSettings:
    return NotificationSettings(
        database_url=database_url,
        delivery="gateway",
        gateway_url=gateway_url,
        gateway_secret=SECRET,
        dispatch_concurrency=concurrency,
        dispatch_poll_ms=200,
        quiet_hours_start="00:00",  # the wall clock decides here: no quiet hours
        quiet_hours_end="00:00",
        log_level="WARNING",
    )


# -- the dispatcher process -----------------------------------------------------------------------


async def child(database_url: str, gateway_url: str, concurrency: int) -> None:
    """Build a dispatcher exactly as the worker does, say ready, wait for "go", dispatch."""
    from purna_notification.bootstrap import build_channels, build_dispatcher

    settings = child_settings(database_url, gateway_url, concurrency)
    logging.basicConfig(level=logging.WARNING)
    engine = make_engine(settings.resolved_database_url)
    channels = build_channels(settings)
    dispatcher = build_dispatcher(
        settings, engine=engine, sessionmaker=make_sessionmaker(engine), channels=channels
    )
    async with engine.connect():  # open the pool before the clock starts
        pass
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    cpu_at_start = time.process_time()
    task = asyncio.create_task(dispatcher.run())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    print(f"cpu {time.process_time() - cpu_at_start:.3f}", flush=True)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await channels["sms"].aclose()
    await engine.dispose()


# -- the orchestrating process --------------------------------------------------------------------


async def fresh_database() -> str:
    name = f"purna_bench_notification_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    await migrate_async(MIGRATIONS_DIR, url)
    return url


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def seed(sessionmaker: async_sessionmaker[AsyncSession], total: int) -> None:
    """``total`` participants with SMS consent and one due SMS each."""
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(delivery_attempts))
        await session.execute(delete(deliveries))
        await session.execute(delete(outbox))
        await session.execute(delete(contacts))
        await session.execute(
            insert(contacts),
            [
                {
                    "participant_id": f"p-{i}",
                    "office": "NTB",
                    "full_name": f"Baiq Nurul Aini {i}",
                    "gender": "P",
                    "phone": f"+62812{i:08d}",
                    "email": None,
                    "channels": ["sms"],
                    "field_versions": {},
                    "version": 1,
                    "registered": True,
                    "withdrawn_at": None,
                    "updated_at": now,
                }
                for i in range(total)
            ],
        )
        cause = str(uuid.uuid4())
        context = {
            "session_id": "s-1",
            "program": "Menjahit bahan tenun dan kerajinan tas",
            "desa": "Bonjeruk",
            "mulai": "2024-08-12",
            "selesai": "2024-08-15",
            "kehadiran": 100,
            "sertifikat": "NTB/2024/TENUN-TAS/0007",
        }
        await session.execute(
            insert(deliveries),
            [
                {
                    "id": str(uuid.uuid4()),
                    "participant_id": f"p-{i}",
                    "channel": "sms",
                    "template": "session-completed-completer",
                    "cause_event_id": cause,
                    "cause_event_type": "purna.session-completed.v1",
                    "correlation_id": cause,
                    "session_id": "s-1",
                    "context": context,
                    "status": "scheduled",
                    "attempts": 0,
                    "scheduled_for": now - timedelta(seconds=1),
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(total)
            ],
        )


async def sent_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(
            (
                await session.execute(select(func.count()).where(deliveries.c.status == "sent"))
            ).scalar_one()
        )


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class RunResult:
    rate: float
    dispatcher_cpu_ms: float  # per message, all dispatcher processes together
    gateway_cpu_ms: float  # per message, the local gateway


async def one_run(
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    gateway_url: str,
    processes: int,
    concurrency: int,
    total: int,
    gateway_pid: int,
) -> RunResult:
    await seed(sessionmaker, total)
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", database_url, gateway_url, str(concurrency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        for proc in children:  # wait until every process is up, then release them together
            line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
            if line.strip() != "ready":
                raise RuntimeError("a dispatcher process failed to start")
        gateway_cpu = cpu_seconds(gateway_pid)
        started = time.perf_counter()
        for proc in children:
            proc.stdin.write("go\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
        while await sent_count(sessionmaker) < total:
            if time.perf_counter() - started > RUN_TIMEOUT_S:
                raise RuntimeError(f"not done in {RUN_TIMEOUT_S} s")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        gateway_cpu = cpu_seconds(gateway_pid) - gateway_cpu
        dispatcher_cpu = 0.0
        for proc in children:
            proc.send_signal(signal.SIGTERM)
        for proc in children:
            line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
            if line.startswith("cpu "):
                dispatcher_cpu += float(line.split()[1])
        return RunResult(total / elapsed, dispatcher_cpu * 1000 / total, gateway_cpu * 1000 / total)
    finally:
        for proc in children:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in children:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def batch_size(processes: int, concurrency: int) -> int:
    """About four seconds of work at the gateway's ceiling, within [60, 2000] messages."""
    ceiling = processes * concurrency * 1000 / GATEWAY_DELAY_MS
    return int(min(2000, max(60, ceiling * 4)))


async def orchestrate(process_counts: list[int], concurrencies: list[int]) -> None:
    database_url = await fresh_database()
    port = free_port()
    gateway = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "purna_notification.testing.gateway",
            "--port",
            str(port),
            "--delay-ms",
            str(GATEWAY_DELAY_MS),
            "--secret",
            SECRET,
        ]
    )
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    gateway_url = f"http://127.0.0.1:{port}/v1/messages"
    results: dict[tuple[int, int], RunResult] = {}
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            await asyncio.sleep(0.05)
        print(
            f"gateway answers after {GATEWAY_DELAY_MS} ms; {os.cpu_count()} CPUs; "
            "messages/s (ceiling = processes x concurrency x 20/s)\n"
        )
        print(
            f"{'processes':>9} {'in flight':>9} {'messages':>8} {'msg/s':>8} {'ceiling':>8}"
            f" {'of ceiling':>10} {'vs 1x1':>7}"
        )
        for processes in process_counts:
            for concurrency in concurrencies:
                total = batch_size(processes, concurrency)
                result = await one_run(
                    sessionmaker,
                    database_url,
                    gateway_url,
                    processes,
                    concurrency,
                    total,
                    gateway.pid,
                )
                results[(processes, concurrency)] = result
                rate = result.rate
                ceiling = processes * concurrency * 1000 / GATEWAY_DELAY_MS
                base = results.get((process_counts[0], concurrencies[0]), result).rate
                print(
                    f"{processes:>9} {concurrency:>9} {total:>8} {rate:>8.1f} {ceiling:>8.0f}"
                    f" {rate / ceiling:>10.0%} {rate / base:>6.1f}x"
                    f" {result.dispatcher_cpu_ms:>10.2f} {result.gateway_cpu_ms:>8.2f}"
                    f" {os.getloadavg()[0]:>5.1f}",
                    flush=True,
                )
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(10)
        await engine.dispose()
        await drop_database(database_url)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        asyncio.run(child(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(orchestrate(args.processes, args.concurrency))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
