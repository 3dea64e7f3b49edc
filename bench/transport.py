"""Transport benchmark: how fast entries move through Purna's consumer and relay.

Not a test. Over the same N realistic entries (ParticipantRegistered envelopes) in one run:

  (a) raw redis-py XREADGROUP COUNT 100 + XACK loop (the ceiling)
  (b) (a) plus the inbox insert in PostgreSQL, one transaction per batch (the honest baseline)
  (c) Purna's inbox-guarded path (EventConsumer) with a handler that does nothing
  (d) a plain FastStream stream subscriber with default settings (what a newcomer writes)

and the relay: outbox rows to the stream per second vs raw pipelined XADD.

Run: ``python bench/transport.py [--entries 100000]`` with Redis and PostgreSQL at their
default local addresses (or REDIS_URL / DATABASE_URL). Machines here are shared and noisy, so it
reports ratios measured in the same run; pass --repeat for the median of several runs' ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from redis.asyncio import Redis

from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.db import make_engine, make_sessionmaker
from purna_shared.messaging.consumer import Delivery
from purna_shared.messaging.outbox import Outbox, OutboxRelay
from purna_shared.messaging.tables import metadata as messaging_metadata
from purna_shared.messaging.worker import open_worker
from purna_shared.settings import PurnaSettings
from purna_shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class BenchSettings(PurnaSettings):
    service = "bench"  # type: ignore[misc]


def realistic_event(n: int) -> ParticipantRegistered:
    return ParticipantRegistered.model_validate(
        {
            "participant_id": str(uuid.uuid4()),
            "office": "NTB",
            "category": "pmi_purna",
            "full_name": f"Baiq Nurul Aini {n}",
            "gender": "P",
            "birth_date": "1990-04-17",
            "marital_status": "kawin",
            "phone": f"+62812{n % 10_000_000:07d}",
            "email": None,
            "address": {
                "province_code": "52",
                "regency_code": "5202",
                "district": "Jonggat",
                "village": "Bonjeruk",
            },
            "consent": {
                "granted": True,
                "channels": ["sms", "whatsapp"],
                "granted_at": datetime(2024, 7, 1, tzinfo=UTC),
            },
            "pmi": {
                "destination_country": "MY",
                "sector": "perkebunan",
                "years_abroad": 6,
                "returned_on": date(2023, 11, 20),
            },
            "family": None,
            "campaign_id": "ntb-2024",
            "registered_at": datetime(2024, 7, 1, tzinfo=UTC),
            "version": 1,
        }
    )


async def fill(redis: Redis, stream: str, entries: list[dict[str, str]]) -> None:
    await redis.delete(stream)
    for start in range(0, len(entries), 5000):
        pipe = redis.pipeline(transaction=False)
        for fields in entries[start : start + 5000]:
            pipe.xadd(stream, fields)  # type: ignore[arg-type]
        await pipe.execute()


async def fresh_database() -> str:
    name = f"purna_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_URL)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    base = PG_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(PG_URL)
    await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await conn.close()


async def raw_loop(
    redis: Redis, stream: str, total: int, pg: asyncpg.Connection | None, batch: int
) -> float:
    await redis.xgroup_create(stream, "raw", id="0")
    done = 0
    started = time.perf_counter()
    while done < total:
        response = await redis.xreadgroup("raw", "c1", {stream: ">"}, count=batch, block=1000)
        if not response:
            continue
        entries = response[0][1]
        ids = [eid for eid, _ in entries]
        if pg is not None:
            event_ids = [fields[b"id"].decode() for _, fields in entries]
            async with pg.transaction():
                await pg.executemany(
                    "INSERT INTO inbox (consumer_group, event_id, stream, processed_at) "
                    "VALUES ('raw', $1, $2, now()) ON CONFLICT DO NOTHING",
                    [(e, stream) for e in event_ids],
                )
        await redis.xack(stream, "raw", *ids)
        done += len(entries)
    return total / (time.perf_counter() - started)


async def purna_path(
    redis: Redis, stream_prefix: str, db_url: str, total: int, batch: int
) -> float:
    settings = BenchSettings(
        redis_url=REDIS_URL,
        database_url=db_url,
        stream_prefix=stream_prefix,
        consumer_name="bench-c",
        consumer_block_ms=100,
        consumer_batch=batch,
    )
    handled = 0
    all_handled = asyncio.Event()
    stream = ParticipantRegistered.stream(stream_prefix)
    # Exactly what a worker process runs: its engine, its Redis connection, its consumer.
    async with open_worker(settings, unit_of_work=UnitOfWorkFactory(UnitOfWork, "bench")) as worker:

        @worker.consumer.handles(ParticipantRegistered)
        async def nothing(_uow: Any, _delivery: Delivery[ParticipantRegistered]) -> None:
            nonlocal handled
            handled += 1
            if handled == total:
                all_handled.set()

        started = time.perf_counter()
        task = asyncio.create_task(worker.consumer.run())
        await asyncio.wait_for(all_handled.wait(), timeout=600)
        while True:  # the last batch commits and is acknowledged: then every entry is done
            groups = await redis.xinfo_groups(stream)
            group = next(g for g in groups if g["name"] == b"bench")
            if group["entries-read"] == total and group["pending"] == 0:
                break
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return total / elapsed


async def faststream_default(stream: str, total: int) -> float:
    from faststream.redis import RedisBroker, StreamSub

    # Defaults, but for its per-message INFO log lines (they would flood the terminal):
    # without them this baseline is only faster, so the c/d ratio is conservative.
    broker = RedisBroker(REDIS_URL, logger=None)
    seen = 0
    finished = asyncio.Event()

    # What a newcomer writes: one handler, a group, defaults for everything else.
    @broker.subscriber(stream=StreamSub(stream, group="newcomer", consumer="c1", last_id="0"))
    async def handle(body: Any) -> None:
        nonlocal seen
        seen += 1
        if seen >= total:
            finished.set()

    started = time.perf_counter()
    await broker.start()
    await asyncio.wait_for(finished.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    await broker.stop()
    return total / elapsed


async def relay_vs_raw(redis: Redis, db_url: str, prefix: str, total: int) -> tuple[float, float]:
    settings = BenchSettings(redis_url=REDIS_URL, database_url=db_url, stream_prefix=prefix)
    engine = make_engine(db_url)
    sessionmaker = make_sessionmaker(engine)
    outbox = Outbox("bench")
    events = [realistic_event(n) for n in range(total)]
    for start in range(0, total, 1000):
        async with sessionmaker() as session, session.begin():
            await outbox.add_envelopes(
                session,
                [
                    (e.stream(), Envelope.wrap(e, source="bench"))
                    for e in events[start : start + 1000]
                ],
            )
    relay = OutboxRelay(engine=engine, sessionmaker=sessionmaker, redis=redis, settings=settings)
    started = time.perf_counter()
    published = await relay.publish_pending()
    relay_rate = published / (time.perf_counter() - started)
    await engine.dispose()

    raw_stream = f"{prefix}raw-xadd"
    fields = [Envelope.wrap(e, source="bench").to_fields() for e in events]
    started = time.perf_counter()
    for start in range(0, total, 500):
        pipe = redis.pipeline(transaction=False)
        for f in fields[start : start + 500]:
            pipe.xadd(raw_stream, f, maxlen=1_000_000, approximate=True)  # type: ignore[arg-type]
        await pipe.execute()
    raw_rate = total / (time.perf_counter() - started)
    return relay_rate, raw_rate


async def one_run(total: int, only: str = "abcdr", batch: int = 100) -> dict[str, float]:
    redis: Redis = Redis.from_url(REDIS_URL)
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    entries = [
        Envelope.wrap(realistic_event(n), source="registration").to_fields() for n in range(total)
    ]
    # The fixtures above are the bench's, not a worker's: keep the collector from rescanning
    # them, or every path would pay for them in proportion to what it allocates.
    gc.freeze()
    size = sum(len(k) + len(v) for k, v in entries[0].items())
    print(f"{total} entries of ~{size} bytes")
    db_url = await fresh_database()
    results: dict[str, float] = {}
    try:
        engine = make_engine(db_url)
        async with engine.begin() as conn:
            await conn.run_sync(messaging_metadata.create_all)
        await engine.dispose()
        stream = ParticipantRegistered.stream(prefix)

        sa_url = db_url.replace("postgresql://", "postgresql+asyncpg://")

        async def raw_with_inbox() -> float:
            pg = await asyncpg.connect(db_url)
            try:
                return await raw_loop(redis, stream, total, pg, batch)
            finally:
                await pg.close()

        paths: dict[str, tuple[str, Callable[[], Awaitable[float]]]] = {
            "a": ("(a) raw XREADGROUP/XACK", lambda: raw_loop(redis, stream, total, None, batch)),
            "b": ("(b) raw + inbox insert (PG)", raw_with_inbox),
            "c": (
                "(c) Purna inbox-guarded consumer",
                lambda: purna_path(redis, prefix, sa_url, total, batch),
            ),
            "d": ("(d) FastStream default subscriber", lambda: faststream_default(stream, total)),
        }
        for key, (label, measure) in paths.items():
            if key in only:
                await fill(redis, stream, entries)
                results[key] = await measure()
                print(f"{label:<36}{results[key]:>9,.0f} entries/s", flush=True)
        if "r" in only:
            relay_rate, raw_rate = await relay_vs_raw(redis, sa_url, prefix, total)
            results["relay"], results["xadd"] = relay_rate, raw_rate
            print(f"{'relay: outbox -> stream':<36}{relay_rate:>9,.0f} rows/s")
            print(f"{'raw pipelined XADD':<36}{raw_rate:>9,.0f} entries/s")
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        await drop_database(db_url)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--batch",
        type=int,
        default=PurnaSettings.model_fields["consumer_batch"].default,
        help="entries per read (COUNT) for paths a, b and c alike; default: Purna's default",
    )
    parser.add_argument("--only", default="abcdr", help="which paths to run: a b c d r(elay)")
    args = parser.parse_args()
    runs = [asyncio.run(one_run(args.entries, args.only, args.batch)) for _ in range(args.repeat)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print()
    print(f"medians over {args.repeat} run(s):")
    for key, rate in med.items():
        print(f"  {key:<6}{rate:>9,.0f} /s")
    # A ratio compares two paths measured moments apart in one run, on the same machine state;
    # the median is then taken over the runs' ratios (rates drift between runs on these
    # shared machines, so a ratio of two medians could pair a fast run with a slow one).
    for label, num, den, target in (
        ("c/a", "c", "a", ""),
        ("c/b", "c", "b", "(target >= 0.7)"),
        ("c/d", "c", "d", "(target >= 3)"),
        ("relay/raw XADD", "relay", "xadd", ""),
    ):
        if num in med and den in med:
            ratios = [r[num] / r[den] for r in runs]
            each = ", ".join(f"{x:.2f}" for x in ratios)
            print(f"  {label} = {statistics.median(ratios):.2f}   {target}  runs: {each}")


if __name__ == "__main__":
    main()
