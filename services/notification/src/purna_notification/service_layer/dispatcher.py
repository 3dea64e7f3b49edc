"""The dispatcher: sends scheduled deliveries after their inbox transaction committed.

Each cycle claims due deliveries in one short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so dispatchers in several workers never take the same row; a claim token with a
lease, so the claims of a dispatcher that died are taken again once the lease runs out), sends
them concurrently outside any transaction, and records each outcome together with its
``NotificationSent`` / ``NotificationFailed`` outbox row. Outcomes that finish while a commit is
under way are recorded together in the next one (group commit): one transaction per batch
instead of per message, and one or two database connections per process whatever the
concurrency.

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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import uuid_utils
from sqlalchemy import Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import NotificationFailed, NotificationSent
from purna_shared.messaging.outbox import Outbox
from purna_shared.reference import Zone, office_sender
from purna_shared.unit_of_work import Cause

from ..adapters import repository as repo
from ..adapters.channels import Channels, OutgoingMessage
from ..adapters.templates import TemplateError, TemplateRenderer
from ..adapters.wakeup import listen_forever
from ..domain.clock import Clock
from ..domain.delivery import (
    Accepted,
    Decision,
    DeliveryStatus,
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
from ..domain.schedule import PHONE_CHANNELS, QuietHours, home_zone

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    retry: RetryPolicy
    quiet_hours: QuietHours
    #: the zone of a delivery planned without one (before zones were recorded)
    home_zone: Zone = field(default_factory=home_zone)
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
        self._pending: list[_Outcome] = []
        self._recorder: asyncio.Task[None] | None = None

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
        # claim in chunks when busy: one claim transaction per few messages, not per message
        chunk = max(1, self._policy.concurrency // 4)
        sweep_every = max(self._policy.lease.total_seconds() / 4, self._policy.poll_seconds)
        next_sweep = 0.0
        backoff = 0.1
        loop = asyncio.get_running_loop()
        try:
            while True:
                free = self._policy.concurrency - len(in_flight)
                claimed: list[Claimed] = []
                if 0 < free < chunk and in_flight:
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
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
            if in_flight:
                # stopping (SIGTERM on a deploy): let sends under way finish and be recorded,
                # so they are not sent again after their lease; give up after a while
                _, unfinished = await asyncio.wait(in_flight, timeout=_DRAIN_SECONDS)
                for task in unfinished:
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

    def _zone_of(self, row: Row[Any]) -> Zone:
        return Zone(row.zone) if row.zone else self._policy.home_zone

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
                channels=list(self._channels),
                quiet=sorted(PHONE_CHANNELS),
                quiet_zones=sorted(z.value for z in self._policy.quiet_hours.quiet_zones(now)),
                home_zone=self._policy.home_zone.value,
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
                cause = _cause(row)
                await self._outbox.add(
                    session,
                    _failed_event(row, row.last_error, now),
                    correlation_id=cause.correlation_id,
                    causation_id=cause.causation_id,
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
                {
                    **row.context,
                    "nama": contact.full_name,
                    "sapaan": contact.salutation,
                    "zona": self._zone_of(row),
                    "bp3mi": office_sender(contact.office) if contact.office else "BP3MI",
                },
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
            zone=self._zone_of(row),
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
        """Queue the outcome for the next group commit and wait until it is committed."""
        outcome = _Outcome(item, decision, result, started, segments, asyncio.Future())
        self._pending.append(outcome)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_pending(), name="dispatch-record")
        await outcome.recorded

    async def _record_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:_RECORD_BATCH], self._pending[_RECORD_BATCH:]
            try:
                await self._record_batch(batch)
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch, exc)
                    continue
                # one bad outcome must not cost the others: record them one by one
                for outcome in batch:
                    try:
                        await self._record_batch([outcome])
                    except Exception as single:
                        _settle([outcome], single)
                    else:
                        _settle([outcome], None)
            else:
                _settle(batch, None)

    async def _record_batch(self, batch: list[_Outcome]) -> None:
        now = self._clock.now()
        attempt_rows: list[dict[str, Any]] = []
        events: list[tuple[str, Envelope]] = []
        async with self._sessionmaker() as session, session.begin():
            for outcome in batch:
                item, decision, result = outcome.item, outcome.decision, outcome.result
                row = item.row
                attempted = result is not None
                attempts = row.attempts if attempted else row.attempts - 1
                held, decision = await self._apply(session, outcome, attempts, now)
                if held is None:
                    log.warning(
                        "dispatcher: claim lost before the outcome was recorded",
                        extra={"delivery_id": item.id, "outcome": type(decision).__name__},
                    )
                    continue
                if attempted and outcome.started is not None:
                    attempt_rows.append(
                        {
                            "delivery_id": item.id,
                            "attempt": row.attempts,
                            "started_at": outcome.started,
                            "finished_at": now,
                            "outcome": _outcome(result),
                            "detail": (_detail(result) or "")[:500] or None,
                        }
                    )
                event: NotificationSent | NotificationFailed | None = None
                if isinstance(decision, MarkSent):
                    event = NotificationSent(
                        notification_id=item.id,
                        participant_id=row.participant_id,
                        channel=item.channel,
                        template=row.template,
                        cause_event_id=row.cause_event_id,
                        attempts=attempts,
                        sent_at=decision.at,
                    )
                elif isinstance(decision, MarkFailed):
                    event = _failed_event(row, decision.reason, now, attempts=attempts)
                if event is not None:
                    cause = _cause(row)
                    envelope = Envelope.wrap(
                        event,
                        source=self._outbox.source,
                        correlation_id=cause.correlation_id,
                        causation_id=cause.causation_id,
                    )
                    events.append((event.stream(), envelope))
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
            if attempt_rows:
                await repo.add_attempts(session, attempt_rows)
            await self._outbox.add_envelopes(session, events)

    async def _apply(
        self, session: AsyncSession, outcome: _Outcome, attempts: int, now: datetime
    ) -> tuple[Row[Any] | None, Decision]:
        """Write one outcome if this dispatcher still holds the claim; returns the row (None
        when the claim was lost) and the decision as finally recorded."""
        item, decision = outcome.item, outcome.decision
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
            return held, decision
        if isinstance(decision, MarkSent):
            values: dict[str, Any] = {
                "sent_at": decision.at,
                "provider_message_id": decision.provider_message_id,
                "last_error": None,
                "segments": outcome.segments,
            }
            status: DeliveryStatus = "sent"
        else:
            values = {"failed_at": now, "last_error": decision.reason[:500], "attempts": attempts}
            status = "failed"
        held = await repo.finish_claim(
            session, item.id, self._token, status=status, now=now, values=values
        )
        return held, decision


_RECORD_BATCH = 200
_DRAIN_SECONDS = 10.0


@dataclass(slots=True)
class _Outcome:
    item: Claimed
    decision: Decision
    result: SendResult | None
    started: datetime | None
    segments: int | None
    recorded: asyncio.Future[None]


def _settle(batch: list[_Outcome], error: BaseException | None) -> None:
    for outcome in batch:
        if outcome.recorded.done():
            continue
        if error is None:
            outcome.recorded.set_result(None)
        else:
            outcome.recorded.set_exception(error)


def _cause(row: Row[Any]) -> Cause:
    """The event that caused a delivery, so NotificationSent/Failed carry its causation and
    correlation ids."""
    return Cause(row.correlation_id or row.cause_event_id, row.cause_event_id)


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
