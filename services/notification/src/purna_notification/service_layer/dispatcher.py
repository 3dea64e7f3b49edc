"""The dispatcher: sends scheduled deliveries after their inbox transaction committed.

Each cycle claims due deliveries in one short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so dispatchers in several workers never take the same row; a claim token with a
lease, so the claims of a dispatcher that died are taken again once the lease runs out), sends
them concurrently outside any transaction, and records each outcome in its own transaction
together with its ``NotificationSent`` / ``NotificationFailed`` outbox row.

What remains at-least-once: a dispatcher that dies after the gateway accepted a message and
before ``sent`` was committed leaves the claim to expire, and the message is sent again. The
window is one round trip plus one commit, and the resend carries the same idempotency key (the
delivery id: HTTP ``Idempotency-Key`` / e-mail ``Message-ID``), so a gateway that honours it
delivers once. Choosing at-least-once over at-most-once is deliberate: a lost message costs a
participant their chance; a duplicate with the same key usually costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import uuid_utils
from sqlalchemy import Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import NotificationFailed, NotificationSent
from purna_shared.messaging.outbox import Outbox

from ..adapters import repository as repo
from ..adapters.channels import Channels, OutgoingMessage
from ..adapters.templates import TemplateError, TemplateRenderer
from ..adapters.wakeup import listen_forever
from ..domain.clock import Clock
from ..domain.delivery import (
    Accepted,
    Decision,
    MarkFailed,
    MarkSent,
    PermanentFailure,
    RetryAt,
    SendResult,
    TransientFailure,
    decide,
)
from ..domain.model import Channel, Contact
from ..domain.retry import RetryPolicy
from ..domain.schedule import PHONE_CHANNELS, QuietHours

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    retry: RetryPolicy
    quiet_hours: QuietHours
    concurrency: int = 16
    lease: timedelta = timedelta(seconds=120)
    poll_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this dispatcher holds, with what it needs to send it."""

    row: Row[Any]
    contact: Contact | None

    @property
    def id(self) -> str:
        return cast(str, self.row.id)

    @property
    def channel(self) -> Channel:
        return cast(Channel, self.row.channel)


class Dispatcher:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        channels: Channels,
        renderer: TemplateRenderer,
        clock: Clock,
        policy: DispatchPolicy,
        outbox: Outbox,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._engine = engine
        self._sessionmaker = sessionmaker
        self._channels = channels
        self._renderer = renderer
        self._clock = clock
        self._policy = policy
        self._outbox = outbox
        self._jitter = jitter
        self._token = str(uuid_utils.uuid7())
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    # -- loops --------------------------------------------------------------------------------

    async def dispatch_due(self) -> int:
        """Send everything due now and wait for the outcomes (tests, tooling). Returns how many
        deliveries were handled."""
        await self.fail_abandoned()
        total = 0
        while claimed := await self.claim(self._policy.concurrency):
            await asyncio.gather(*(self.process(c) for c in claimed))
            total += len(claimed)
        return total

    async def run(self) -> None:
        """Dispatch until cancelled, keeping up to ``concurrency`` sends in flight."""
        listener = asyncio.create_task(
            listen_forever(self._engine, repo.DUE_CHANNEL, self.wake), name="dispatch-listen"
        )
        in_flight: set[asyncio.Task[None]] = set()
        sweep_every = max(self._policy.lease.total_seconds() / 4, self._policy.poll_seconds)
        next_sweep = 0.0
        backoff = 0.1
        loop = asyncio.get_running_loop()
        try:
            while True:
                free = self._policy.concurrency - len(in_flight)
                claimed: list[Claimed] = []
                if free > 0:
                    try:
                        if loop.time() >= next_sweep:
                            await self.fail_abandoned()
                            next_sweep = loop.time() + sweep_every
                        self._wake.clear()
                        claimed = await self.claim(free)
                        backoff = 0.1
                    except (SQLAlchemyError, OSError) as exc:
                        log.warning(
                            "dispatcher: claim failed, will retry", extra={"error": str(exc)}
                        )
                        await asyncio.sleep(backoff)
                        backoff = min(backoff * 2, 5.0)
                        continue
                    for item in claimed:
                        task = asyncio.create_task(self.process(item))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                if free > 0 and len(claimed) == free:
                    continue  # more may be due: claim again as soon as a slot frees
                if free <= 0 or claimed:
                    # busy: a finished send frees a slot (and may have more to claim)
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                await self._idle()
        finally:
            listener.cancel()
            for task in list(in_flight):
                task.cancel()
            await asyncio.gather(listener, *in_flight, return_exceptions=True)

    async def _idle(self) -> None:
        """Nothing due: sleep until woken, the next due time, or the poll interval."""
        timeout = self._policy.poll_seconds
        with contextlib.suppress(SQLAlchemyError, OSError):
            async with self._sessionmaker() as session:
                next_due = await repo.next_due(session)
            if next_due is not None:
                until = (next_due - self._clock.now()).total_seconds()
                timeout = min(timeout, max(until, 0.01))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    # -- steps --------------------------------------------------------------------------------

    def _usable_channels(self, now: datetime) -> list[Channel]:
        quiet = self._policy.quiet_hours.contains(now)
        return [c for c in self._channels if not (quiet and c in PHONE_CHANNELS)]

    async def claim(self, limit: int) -> list[Claimed]:
        now = self._clock.now()
        async with self._sessionmaker() as session, session.begin():
            rows = await repo.claim_due(
                session,
                token=self._token,
                now=now,
                lease=self._policy.lease,
                limit=limit,
                max_attempts=self._policy.retry.max_attempts,
                channels=self._usable_channels(now),
            )
            if not rows:
                return []
            contacts = await repo.get_contacts(session, {row.participant_id for row in rows})
        return [Claimed(row, contacts.get(row.participant_id)) for row in rows]

    async def fail_abandoned(self) -> int:
        now = self._clock.now()
        async with self._sessionmaker() as session, session.begin():
            rows = await repo.fail_abandoned(
                session, now=now, max_attempts=self._policy.retry.max_attempts
            )
            for row in rows:
                await self._outbox.add(
                    session, _failed_event(row, row.last_error, now), cause=_cause(row)
                )
        return len(rows)

    async def process(self, item: Claimed) -> None:
        """Send one claimed delivery and record the outcome. Never raises: a failure to record
        leaves the claim to expire, and the delivery is tried again."""
        try:
            await self._process(item)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "dispatcher: delivery not recorded; it is retried when its claim expires",
                extra={"delivery_id": item.id, "participant_id": item.row.participant_id},
            )

    async def _process(self, item: Claimed) -> None:
        row = item.row
        contact = item.contact
        refusal = contact.refusal(item.channel) if contact else "participant unknown"
        if refusal is not None or contact is None:
            await self._record(item, MarkFailed(refusal or "participant unknown"), None, None)
            return
        address = contact.address(item.channel)
        assert address is not None  # refusal() checked it
        try:
            rendered = self._renderer.render(
                row.template,
                item.channel,
                {**row.context, "nama": contact.full_name, "sapaan": contact.salutation},
            )
        except TemplateError as exc:
            await self._record(item, MarkFailed(f"template: {exc}"), None, None)
            return
        message = OutgoingMessage(
            delivery_id=item.id,
            channel=item.channel,
            template=row.template,
            to=address,
            body=rendered.body,
            subject=rendered.subject,
            segments=rendered.segments,
        )
        started = self._clock.now()
        try:
            result: SendResult = await self._channels[item.channel].send(message)
        except Exception as exc:  # a channel bug must not take the message with it
            log.exception("channel raised", extra={"delivery_id": item.id})
            result = TransientFailure(f"channel error: {type(exc).__name__}")
        now = self._clock.now()
        decision = decide(
            result,
            channel=item.channel,
            attempts=row.attempts,
            now=now,
            policy=self._policy.retry,
            quiet_hours=self._policy.quiet_hours,
            jitter=self._jitter(),
        )
        await self._record(item, decision, result, started, segments=rendered.segments)

    async def _record(
        self,
        item: Claimed,
        decision: Decision,
        result: SendResult | None,
        started: datetime | None,
        *,
        segments: int | None = None,
    ) -> None:
        row = item.row
        now = self._clock.now()
        attempted = result is not None
        attempts = row.attempts if attempted else row.attempts - 1
        async with self._sessionmaker() as session, session.begin():
            if isinstance(decision, RetryAt):
                held = await repo.finish_claim(
                    session,
                    item.id,
                    self._token,
                    status="scheduled",
                    now=now,
                    values={"scheduled_for": decision.at, "last_error": decision.reason[:500]},
                )
                if held is not None and held.cancel_reason is not None:
                    # cancelled while this attempt was in flight: it was the last one
                    decision = MarkFailed(held.cancel_reason)
                    await repo.fail_delivery(session, item.id, reason=held.cancel_reason, now=now)
            elif isinstance(decision, MarkSent):
                held = await repo.finish_claim(
                    session,
                    item.id,
                    self._token,
                    status="sent",
                    now=now,
                    values={
                        "sent_at": decision.at,
                        "provider_message_id": decision.provider_message_id,
                        "last_error": None,
                        "segments": segments,
                    },
                )
            else:
                held = await repo.finish_claim(
                    session,
                    item.id,
                    self._token,
                    status="failed",
                    now=now,
                    values={
                        "failed_at": now,
                        "last_error": decision.reason[:500],
                        "attempts": attempts,
                    },
                )
            if held is None:
                log.warning(
                    "dispatcher: claim lost before the outcome was recorded (lease too short?)",
                    extra={"delivery_id": item.id, "outcome": type(decision).__name__},
                )
                return
            if attempted and started is not None:
                await repo.add_attempt(
                    session,
                    delivery_id=item.id,
                    attempt=row.attempts,
                    started_at=started,
                    finished_at=now,
                    outcome=_outcome(result),
                    detail=_detail(result),
                )
            if isinstance(decision, MarkSent):
                await self._outbox.add(
                    session,
                    NotificationSent(
                        notification_id=item.id,
                        participant_id=row.participant_id,
                        channel=item.channel,
                        template=row.template,
                        cause_event_id=row.cause_event_id,
                        attempts=attempts,
                        sent_at=decision.at,
                    ),
                    cause=_cause(row),
                )
            elif isinstance(decision, MarkFailed):
                await self._outbox.add(
                    session,
                    _failed_event(row, decision.reason, now, attempts=attempts),
                    cause=_cause(row),
                )
        log.info(
            "delivery attempt recorded",
            extra={
                "delivery_id": item.id,
                "participant_id": row.participant_id,
                "channel": item.channel,
                "template": row.template,
                "attempt": row.attempts,
                "outcome": type(decision).__name__,
                "event_id": row.cause_event_id,
            },
        )


def _cause(row: Row[Any]) -> Envelope:
    """The envelope of the event that caused a delivery, as far as the outbox needs it (so
    NotificationSent/Failed carry its causation and correlation ids)."""
    return Envelope(
        type=row.cause_event_type,
        source="",
        data="",
        id=row.cause_event_id,
        correlationid=row.correlation_id,
    )


def _failed_event(
    row: Row[Any], reason: str | None, now: datetime, *, attempts: int | None = None
) -> NotificationFailed:
    return NotificationFailed(
        notification_id=row.id,
        participant_id=row.participant_id,
        channel=row.channel,
        template=row.template,
        cause_event_id=row.cause_event_id,
        attempts=row.attempts if attempts is None else attempts,
        reason=(reason or "failed")[:500],
        failed_at=now,
    )


def _outcome(result: SendResult | None) -> str:
    if isinstance(result, Accepted):
        return "accepted"
    if isinstance(result, PermanentFailure):
        return "permanent"
    return "transient"


def _detail(result: SendResult | None) -> str | None:
    if isinstance(result, Accepted):
        return result.provider_message_id
    if isinstance(result, TransientFailure | PermanentFailure):
        return result.reason
    return None
