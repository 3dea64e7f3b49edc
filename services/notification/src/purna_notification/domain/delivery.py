"""A delivery: one message to one participant on one channel, and what happens after a try.

Exactly once per (cause event, participant, template, channel): the delivery record is written
once, in the transaction that handles the cause event, and the dispatcher moves it through
``scheduled`` to ``sent`` or ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from purna_shared.reference import Zone

from .model import Channel
from .retry import RetryPolicy
from .schedule import QuietHours

DeliveryStatus = Literal["scheduled", "sent", "failed"]
STATUSES: tuple[DeliveryStatus, ...] = ("scheduled", "sent", "failed")


# -- what a channel reports after one attempt ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accepted:
    """The gateway or SMTP server took the message."""

    provider_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class TransientFailure:
    """Worth trying again: a timeout, a refused connection, a 5xx or 429, an SMTP 4xx."""

    reason: str
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class PermanentFailure:
    """Trying again changes nothing: a 4xx other than 429, an invalid address, SMTP 5xx."""

    reason: str


SendResult = Accepted | TransientFailure | PermanentFailure


# -- what the dispatcher records -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarkSent:
    at: datetime
    provider_message_id: str | None


@dataclass(frozen=True, slots=True)
class RetryAt:
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class MarkFailed:
    reason: str


Decision = MarkSent | RetryAt | MarkFailed


def decide(
    result: SendResult,
    *,
    channel: Channel,
    attempts: int,
    now: datetime,
    policy: RetryPolicy,
    quiet_hours: QuietHours,
    zone: Zone,
    jitter: float,
) -> Decision:
    """What to record after attempt number ``attempts`` produced ``result``.

    A transient failure is retried after an exponential, jittered backoff (no sooner than the
    gateway's ``Retry-After``), moved out of quiet hours for phone channels, until the policy's
    attempts are spent."""
    match result:
        case Accepted(provider_message_id):
            return MarkSent(now, provider_message_id)
        case PermanentFailure(reason):
            return MarkFailed(reason)
        case TransientFailure(reason, retry_after):
            if attempts >= policy.max_attempts:
                return MarkFailed(f"gave up after {attempts} attempts: {reason}")
            delay = policy.backoff(attempts, jitter)
            if retry_after is not None:
                delay = max(delay, min(timedelta(seconds=retry_after), policy.max_delay))
            return RetryAt(quiet_hours.next_allowed(channel, now + delay, zone), reason)
    raise AssertionError(f"unknown send result {result!r}")  # pragma: no cover
