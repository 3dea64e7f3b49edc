"""Inbox-guarded consumers of Purna's streams.

One ``EventConsumer`` per worker process reads every stream its service subscribes to, as
consumer group ``<service>`` and consumer ``<host>-<pid>``:

* Entries are read in bounded batches (``XREADGROUP COUNT``) and a batch is handled in one
  database transaction: one multi-row inbox insert, the handlers, their outbox rows, one commit,
  then one ``XACK``. Handlers get the service's unit of work for that transaction (one per
  batch; its cause is set to each delivery's envelope before that delivery's handler runs).
  If the batch fails, each entry is retried in its own transaction, so a bad entry costs only
  itself. While one batch commits, the next is read and parsed; batches still
  commit one after the other.
* The inbox primary key ``(consumer_group, event_id)`` makes a redelivered or duplicated entry a
  no-op: acknowledged, not handled again. Idempotency is keyed on the envelope ``id``, never on
  the Redis entry id (a redriven or re-published event gets a new one).
* A handler that raises leaves its entry pending. The reclaimer (``XAUTOCLAIM``) takes entries
  idle longer than ``reclaim_idle_ms`` from crashed or failing consumers and handles them again.
* Entries that cannot be parsed or validated, and entries delivered ``max_deliveries`` times,
  are copied to ``purna.dead-letter`` with the reason and then acknowledged: the worker goes on.
* A delivery that failed because the database or Redis was unavailable (see
  :mod:`purna_shared.outages`) is not an attempt: the consumer holds it, keeps it claimed
  (``XCLAIM ... JUSTID``, which leaves Redis' delivery counter alone) so no reclaimer takes it,
  waits with backoff until both answer again and then handles it. An outage of any length
  therefore ends with no dead letters.
* A group or stream found gone (Redis flushed or restored without its data) is recreated at
  ``0`` and reported loudly: error log, ``purna_consumer_groups_recreated_total`` and the
  worker's ``/readyz``. Events published before the loss come back with
  ``purna outbox republish --since`` (runbook in docs/operations.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, NamedTuple, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..contracts.base import IntegrationEvent
from ..contracts.catalog import dead_letter_stream
from ..contracts.envelope import Envelope, EnvelopeError
from ..db import is_postgres
from ..outages import is_outage
from ..settings import PurnaSettings
from ..unit_of_work import Cause, UnitOfWork, UnitOfWorkFactory
from .dead_letter import dead_letter_fields
from .dead_letter_log import record_dead_letter
from .health import ConsumerHealth
from .tables import inbox

log = logging.getLogger(__name__)

E = TypeVar("E", bound=IntegrationEvent)
U = TypeVar("U", bound=UnitOfWork)
RawFields = Mapping[bytes, bytes]


class Retry(Exception):  # noqa: N818 - reads as an instruction: "retry this later"
    """Raise from a handler when the event refers to something not known yet (another stream
    may still be delivering it): the entry stays pending and is redelivered by the reclaimer."""


class ConsumerGroupLostError(RuntimeError):
    """The consumer group vanished (Redis flushed or stream deleted). The consumer recreates
    it (see :meth:`EventConsumer.recreate_lost_groups`) rather than letting this escape."""


class Delivery(NamedTuple, Generic[E]):
    """One event as a handler sees it. A tuple, as the envelope: one is built per entry."""

    envelope: Envelope
    event: E
    stream: str
    entry_id: str
    attempt: int


#: ``async def on_x(uow, delivery)``: runs inside the batch's inbox transaction
Handler = Callable[[U, Delivery[E]], Awaitable[None]]


#: ``async def use_case(uow, event)``: what a subscription table maps an event type to
UseCase = Callable[[U, E], Awaitable[object]]


def _on_event(use_case: UseCase[U, E]) -> Handler[U, E]:
    async def handle(uow: U, delivery: Delivery[E]) -> None:
        await use_case(uow, delivery.event)

    return handle


@dataclass(frozen=True, slots=True)
class _Subscription:
    model: type[IntegrationEvent]
    handler: Handler[Any, Any]


class _Entry(NamedTuple):
    entry_id: str
    fields: RawFields
    attempt: int


@dataclass(frozen=True, slots=True)
class _Batch:
    """Parsed entries of one stream, ready for one transaction."""

    stream: str
    deliveries: list[Delivery[Any]]
    entries: Sequence[_Entry]  # as read: a failing handler's dead letter copies its entry


def _group_lost(exc: ResponseError) -> bool:
    """NOGROUP: the group (or its stream) is gone; UNBLOCKED: the stream was deleted while a
    blocking read waited on it (Redis 7)."""
    return "NOGROUP" in str(exc) or "UNBLOCKED" in str(exc)


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# All deliveries of a batch come from one stream (``handle`` is per stream).
_PG_INBOX_INSERT = text(
    "INSERT INTO inbox (consumer_group, event_id, stream, processed_at) "
    "SELECT :group, event_id, :stream, :now FROM unnest(CAST(:ids AS varchar[])) AS event_id "
    "ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING event_id"
).bindparams(bindparam("now", type_=DateTime(timezone=True)))
_SQLITE_INBOX_INSERT = (
    sqlite.insert(inbox)
    .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
    .returning(inbox.c.event_id)
)


# Parsing is CPU work that would hold the event loop for a whole batch. Yielding every few
# entries lets the previous batch's transaction send its next statement meanwhile, so that
# PostgreSQL works on it while this batch is still being parsed.
_PARSE_SLICE = 20


class EventConsumer(Generic[U]):
    """Reads the subscribed streams as one consumer group and runs inbox-guarded handlers,
    each with a unit of work from the service's ``unit_of_work`` factory."""

    def __init__(
        self,
        *,
        redis: Redis,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: PurnaSettings,
        unit_of_work: UnitOfWorkFactory[U],
        group: str | None = None,
    ) -> None:
        self._redis = redis
        self._sessionmaker = sessionmaker
        self._unit_of_work = unit_of_work
        self._settings = settings
        self.group = group or settings.service
        self.consumer_name = settings.consumer_name
        self._subscriptions: dict[str, _Subscription] = {}
        self._dead_letters = dead_letter_stream(settings.stream_prefix)
        self.health = ConsumerHealth(self.group)

    # -- registration -------------------------------------------------------------------------

    def handles(self, model: type[E]) -> Callable[[Handler[U, E]], Handler[U, E]]:
        """Decorator: ``@consumer.handles(SessionCompleted)`` on ``async def h(uow, delivery)``.

        The handler runs inside the inbox transaction: whatever it writes (state, outbox rows)
        commits together with the inbox row, or not at all."""

        def register(handler: Handler[U, E]) -> Handler[U, E]:
            self.subscribe(model, handler)
            return handler

        return register

    def subscribe(self, model: type[E], handler: Handler[U, E]) -> None:
        stream = model.stream(self._settings.stream_prefix)
        if stream in self._subscriptions:
            raise ValueError(f"{model.__name__} already has a handler in group {self.group}")
        self._subscriptions[stream] = _Subscription(model, handler)

    def subscribe_all(self, use_cases: Mapping[type[Any], UseCase[U, Any]]) -> None:
        """Subscribe a service's table of ``event type -> use case(uow, event)`` (the
        ``SUBSCRIPTIONS`` of its ``entrypoints/consumers.py``)."""
        for model, use_case in use_cases.items():
            self.subscribe(model, _on_event(use_case))

    @property
    def streams(self) -> list[str]:
        return list(self._subscriptions)

    @property
    def events(self) -> list[type[IntegrationEvent]]:
        """The event types subscribed to (checked against ``catalog.CONSUMERS`` by tests)."""
        return [s.model for s in self._subscriptions.values()]

    # -- running ------------------------------------------------------------------------------

    async def ensure_groups(self) -> None:
        """Create the group on every stream at ``0``: a new subscriber sees retained history."""
        for stream in self._subscriptions:
            try:
                await self._redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def recreate_lost_groups(self, error: Exception) -> None:
        """Recreate whichever groups (and streams) are gone, and say so loudly: it means Redis
        lost data, and the events it held but no group had consumed are lost until an operator
        re-publishes them from the outboxes."""
        for stream in self._subscriptions:
            try:
                created = await self._redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
                created = False
            if created:
                self.health.group_recreated(stream)
                log.error(
                    "consumer group was gone and has been recreated: Redis lost data; events "
                    "published before the loss and not yet consumed must be re-published "
                    "(runbook 'Redis lost its data': purna outbox republish --since ...)",
                    extra={"stream": stream, "group": self.group, "error": str(error)},
                )

    async def run(self) -> None:
        """Consume and reclaim until cancelled; lost groups are recreated, outages waited out."""
        if not self._subscriptions:
            return
        await self._retry_redis(self.ensure_groups)
        reclaimer = asyncio.create_task(self._reclaim_forever(), name=f"{self.group}-reclaim")
        try:
            await self._read_forever()
        finally:
            reclaimer.cancel()
            await asyncio.gather(reclaimer, return_exceptions=True)

    async def _retry_redis(self, operation: Callable[[], Awaitable[Any]]) -> Any:
        backoff = 0.1
        while True:
            try:
                return await operation()
            except ResponseError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("redis unavailable, retrying", extra={"error": str(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _read_forever(self) -> None:
        streams = {stream: ">" for stream in self._subscriptions}
        acks: dict[str, list[str]] = {}
        # One batch's transaction runs while the next batch is read and parsed: reading and
        # parsing overlap the database round trips instead of waiting behind them. Batches
        # still commit one after the other, in stream order.
        in_flight: asyncio.Task[dict[str, list[str]]] | None = None
        try:
            while True:
                # The acknowledgements of a batch travel with a later read: no round trip of
                # their own. Lost with a crash, they only cause a redelivery the inbox skips.
                # While a batch is in flight the read does not block: when the streams are
                # drained, that batch's acknowledgements then leave as soon as it commits,
                # not after a whole blocking read.
                response = await self._retry_redis(
                    functools.partial(self._read, streams, acks, block=in_flight is None)
                )
                acks = {}
                batches = [
                    await self._parse(name, entries)
                    for name, entries in self._entries_by_stream(response)
                ]
                if in_flight is not None:
                    acks = await in_flight
                    in_flight = None
                if any(batch.deliveries for batch in batches):
                    in_flight = asyncio.create_task(self._handle_batches(batches))
        finally:
            if in_flight is not None:  # cancelled mid-batch: it rolls back, its entries stay
                in_flight.cancel()  # pending and are reclaimed
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    acks = await in_flight
            with contextlib.suppress(Exception):  # best effort on the way out
                for stream, ids in acks.items():
                    await self._redis.xack(stream, self.group, *ids)

    @staticmethod
    def _entries_by_stream(response: Any) -> list[tuple[str, list[_Entry]]]:
        return [
            (
                _str(stream),
                [_Entry(_str(e), fields, 1) for e, fields in entries if fields is not None],
            )
            for stream, entries in response or ()
        ]

    async def _handle_batches(self, batches: Sequence[_Batch]) -> dict[str, list[str]]:
        acks: dict[str, list[str]] = {}
        for batch in batches:
            if done := await self._handle_batch(batch):
                acks[batch.stream] = done
        return acks

    async def _read(
        self, streams: dict[str, str], acks: dict[str, list[str]], *, block: bool = True
    ) -> Any:
        block_ms = self._settings.consumer_block_ms if block else None
        try:
            if not acks:
                return await self._redis.xreadgroup(
                    self.group,
                    self.consumer_name,
                    streams,  # type: ignore[arg-type]
                    count=self._settings.consumer_batch,
                    block=block_ms,
                )
            pipe = self._redis.pipeline(transaction=False)
            for stream, ids in acks.items():
                pipe.xack(stream, self.group, *ids)
            pipe.xreadgroup(
                self.group,
                self.consumer_name,
                streams,  # type: ignore[arg-type]
                count=self._settings.consumer_batch,
                block=block_ms,
            )
            return (await pipe.execute())[-1]
        except ResponseError as exc:
            if _group_lost(exc):
                await self.recreate_lost_groups(exc)
                return None  # the caller reads again, from the recreated groups
            raise

    async def _reclaim_forever(self) -> None:
        interval = self._settings.reclaim_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reclaim()
            except ConsumerGroupLostError as exc:
                await self._retry_redis(functools.partial(self.recreate_lost_groups, exc))
            except (RedisError, OSError) as exc:
                log.warning("reclaim failed, will retry", extra={"error": str(exc)})

    async def reclaim(self) -> int:
        """Take over and handle entries pending longer than ``reclaim_idle_ms``, whoever held
        them. Returns how many were handled."""
        handled = 0
        for stream in self._subscriptions:
            cursor: bytes | str = "0-0"
            while True:
                try:
                    next_cursor, claimed, *rest = await self._redis.xautoclaim(
                        stream,
                        self.group,
                        self.consumer_name,
                        min_idle_time=self._settings.reclaim_idle_ms,
                        start_id=cursor,
                        count=self._settings.consumer_batch,
                    )
                except ResponseError as exc:
                    if _group_lost(exc):
                        raise ConsumerGroupLostError(str(exc)) from exc
                    raise
                deleted = rest[0] if rest else []
                if deleted:  # trimmed away while pending: nothing left to handle
                    await self._redis.xack(stream, self.group, *deleted)
                live = [(eid, fields) for eid, fields in claimed if fields is not None]
                if live:
                    attempts = await self._delivery_counts(stream, [_str(e) for e, _ in live])
                    entries = [
                        _Entry(_str(eid), fields, attempts.get(_str(eid), 1))
                        for eid, fields in live
                    ]
                    done = await self.handle(stream, entries)
                    if done:
                        await self._redis.xack(stream, self.group, *done)
                    handled += len(entries)
                if _str(next_cursor) == "0-0":
                    break
                cursor = next_cursor
        return handled

    async def _delivery_counts(self, stream: str, entry_ids: Sequence[str]) -> dict[str, int]:
        """Deliveries so far, from Redis' pending-entries list (survives our crashes)."""
        pipe = self._redis.pipeline(transaction=False)
        for entry_id in entry_ids:
            pipe.xpending_range(stream, self.group, min=entry_id, max=entry_id, count=1)
        counts: dict[str, int] = {}
        for result in await pipe.execute():
            for item in result:
                counts[_str(item["message_id"])] = int(item["times_delivered"])
        return counts

    # -- handling -----------------------------------------------------------------------------

    async def handle(self, stream: str, entries: Sequence[_Entry]) -> list[str]:
        """Handle entries of one stream: parse, batch transaction, fall back one by one.

        Returns the ids of the entries handled (now or before), which the caller acknowledges;
        dead letters are acknowledged with their copy; failures stay pending."""
        return await self._handle_batch(await self._parse(stream, entries))

    async def _parse(self, stream: str, entries: Sequence[_Entry]) -> _Batch:
        """Decode and validate entries; dead-letter the ones that are not valid events."""
        model = self._subscriptions[stream].model
        deliveries: list[Delivery[Any]] = []
        for position, entry in enumerate(entries, 1):
            if position % _PARSE_SLICE == 0:
                await asyncio.sleep(0)  # see _PARSE_SLICE
            try:
                envelope = Envelope.from_fields(entry.fields)
                event = envelope.payload(model)
            except EnvelopeError as exc:
                await self._dead_letter(stream, entry, f"invalid entry: {exc}")
                continue
            deliveries.append(Delivery(envelope, event, stream, entry.entry_id, entry.attempt))
        return _Batch(stream, deliveries, entries)

    async def _handle_batch(self, batch: _Batch) -> list[str]:
        stream, deliveries = batch.stream, batch.deliveries
        if not deliveries:
            return []
        subscription = self._subscriptions[stream]
        try:
            await self._handle_holding_through_outages(subscription, deliveries)
        except Exception as exc:
            if len(deliveries) == 1:
                await self._failed(deliveries[0], batch, exc)
                return []
            log.info(
                "batch failed, handling its entries one by one",
                extra={"stream": stream, "size": len(deliveries), "error": repr(exc)},
            )
            done: list[str] = []
            for delivery in deliveries:
                try:
                    await self._handle_holding_through_outages(subscription, [delivery])
                except Exception as single_exc:
                    await self._failed(delivery, batch, single_exc)
                else:
                    done.append(delivery.entry_id)
            return done
        return [d.entry_id for d in deliveries]

    async def _handle_holding_through_outages(
        self, subscription: _Subscription, deliveries: Sequence[Delivery[Any]]
    ) -> None:
        """Handle in one transaction; while it fails because a dependency is unavailable, hold
        the deliveries (no attempt counted, no other consumer takes them) and try again once
        the database and Redis answer. Other failures propagate: those are attempts."""
        backoff = self._settings.outage_backoff_initial_ms / 1000
        while True:
            try:
                await self._handle_in_one_transaction(subscription, deliveries)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                await self._wait_out_outage(deliveries, exc, backoff)
                backoff = min(backoff * 2, self._settings.outage_backoff_max_ms / 1000)
            else:
                if self.health.waiting_since is not None:
                    lasted = self.health.outage_ended()
                    log.warning(
                        "dependencies answer again; held deliveries handled",
                        extra={"group": self.group, "outage_seconds": round(lasted, 1)},
                    )
                return

    async def _wait_out_outage(
        self, deliveries: Sequence[Delivery[Any]], exc: Exception, backoff: float
    ) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:300]
        if self.health.outage_began(reason):
            log.error(
                "a dependency is unavailable; holding deliveries until it answers "
                "(not counted as attempts)",
                extra={"group": self.group, "stream": deliveries[0].stream, "error": reason},
            )
        while True:
            await asyncio.sleep(backoff)
            if await self._keep_claimed() and await self._database_answers():
                return
            backoff = min(backoff * 2, self._settings.outage_backoff_max_ms / 1000)

    async def _keep_claimed(self) -> bool:
        """Reset the idle time of every entry this consumer holds, so that no reclaimer (ours
        or another replica's) redelivers it meanwhile: ``XCLAIM ... JUSTID`` does not count a
        delivery. Returns whether Redis answered."""
        try:
            for stream in self._subscriptions:
                pending = await self._redis.xpending_range(
                    stream,
                    self.group,
                    min="-",
                    max="+",
                    count=self._settings.consumer_batch * 10,
                    consumername=self.consumer_name,
                )
                ids = [item["message_id"] for item in pending]
                if ids:
                    await self._redis.xclaim(
                        stream, self.group, self.consumer_name, 0, ids, justid=True
                    )
        except ResponseError as exc:
            if _group_lost(exc):
                await self.recreate_lost_groups(exc)
                return True
            return not is_outage(exc)
        except (RedisError, OSError):
            return False
        return True

    async def _record_dead_letter(self, fields: dict[str, str]) -> None:
        backoff = self._settings.outage_backoff_initial_ms / 1000
        while True:
            try:
                async with self._sessionmaker() as session, session.begin():
                    await record_dead_letter(session, fields)
                return
            except Exception as exc:
                if not is_outage(exc):
                    raise
                log.warning(
                    "database unavailable; waiting to record a dead letter",
                    extra={"error": str(exc)},
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._settings.outage_backoff_max_ms / 1000)

    async def _database_answers(self) -> bool:
        try:
            async with self._sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:
            if is_outage(exc):
                return False
            raise
        return True

    async def _handle_in_one_transaction(
        self, subscription: _Subscription, deliveries: Sequence[Delivery[Any]]
    ) -> None:
        try:
            await self._transaction(subscription, deliveries)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # The pooled connection had died (a database restart or failover): workers don't
            # pre-ping, so its first use finds out. Once more, on a fresh connection.
            log.info("database connection was lost; retrying the batch", extra={"error": str(exc)})
            await self._transaction(subscription, deliveries)

    async def _transaction(
        self, subscription: _Subscription, deliveries: Sequence[Delivery[Any]]
    ) -> None:
        async with self._sessionmaker() as session, session.begin():
            new_ids = await self._record_in_inbox(session, deliveries)
            if not new_ids:
                return
            # One unit of work per transaction: the batch shares its session and its moment;
            # each delivery's handler emits with that delivery's envelope as the cause.
            uow = self._unit_of_work(session)
            handler = subscription.handler
            for delivery in deliveries:
                envelope = delivery.envelope
                if envelope.id in new_ids:
                    new_ids.discard(envelope.id)  # a duplicate in the same batch: once
                    uow.cause = Cause(envelope.correlationid or envelope.id, envelope.id)
                    await handler(uow, delivery)
            await uow.flush()

    async def _record_in_inbox(
        self, session: AsyncSession, deliveries: Sequence[Delivery[Any]]
    ) -> set[str]:
        """Insert the batch's ``(group, event id)`` rows, skipping ones already there; return
        the ids that are new: the events this group has not handled before."""
        now = datetime.now(UTC)
        ids = [d.envelope.id for d in deliveries]
        connection = await session.connection()
        if is_postgres(connection):
            # One statement whatever the batch size: the ids travel as one array parameter.
            result = await connection.execute(
                _PG_INBOX_INSERT,
                {
                    "group": self.group,
                    "ids": ids,
                    "stream": deliveries[0].stream,
                    "now": now,
                },
            )
        else:
            result = await connection.execute(
                _SQLITE_INBOX_INSERT,
                [
                    {
                        "consumer_group": self.group,
                        "event_id": i,
                        "stream": d.stream,
                        "processed_at": now,
                    }
                    for i, d in zip(ids, deliveries, strict=True)
                ],
            )
        return set(result.scalars().all())

    async def _failed(self, delivery: Delivery[Any], batch: _Batch, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if delivery.attempt >= self._settings.max_deliveries and not is_outage(exc):
            entry = next(e for e in batch.entries if e.entry_id == delivery.entry_id)
            await self._dead_letter(
                delivery.stream, entry, f"handler failed {delivery.attempt} times: {reason}"
            )
            return
        level = logging.INFO if isinstance(exc, Retry) else logging.WARNING
        log.log(
            level,
            "handler failed; entry stays pending for redelivery",
            exc_info=not isinstance(exc, Retry),
            extra={
                "stream": delivery.stream,
                "entry_id": delivery.entry_id,
                "event_id": delivery.envelope.id,
                "correlation_id": delivery.envelope.correlationid,
                "attempt": delivery.attempt,
                "error": reason,
            },
        )

    async def _dead_letter(self, stream: str, entry: _Entry, reason: str) -> None:
        fields: dict[Any, Any] = dead_letter_fields(
            stream=stream,
            entry_id=entry.entry_id,
            group=self.group,
            attempts=entry.attempt,
            error=reason,
            original=entry.fields,
        )
        # First in the service's own database, which survives Redis losing its data; then on
        # the dead-letter stream, acknowledged with the same MULTI.
        await self._record_dead_letter(fields)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xadd(
                    self._dead_letters,
                    fields,
                    maxlen=self._settings.stream_maxlen,
                    approximate=True,
                )
                pipe.xack(stream, self.group, entry.entry_id)
                await pipe.execute()
        except ResponseError as exc:
            if not _group_lost(exc):
                raise
            await self.recreate_lost_groups(exc)
        log.error(
            "entry dead-lettered",
            extra={
                "stream": stream,
                "entry_id": entry.entry_id,
                "attempts": entry.attempt,
                "error": reason,
            },
        )
