"""Backoff and what is recorded after an attempt."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from purna_notification.domain.delivery import (
    Accepted,
    MarkFailed,
    MarkSent,
    PermanentFailure,
    RetryAt,
    TransientFailure,
    decide,
)
from purna_notification.domain.retry import RetryPolicy
from purna_notification.domain.schedule import QuietHours
from purna_shared.reference import Zone

WITA = Zone.WITA.tz

pytestmark = pytest.mark.unit

POLICY = RetryPolicy(max_attempts=5, base_seconds=10, max_delay_seconds=120)
QUIET = QuietHours(time(21, 0), time(7, 0))
NOON = datetime(2024, 8, 15, 4, 0, tzinfo=UTC)  # 12:00 WITA


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(1, 5, 10), (2, 10, 20), (3, 20, 40), (4, 40, 80), (5, 60, 120), (30, 60, 120)],
)
def test_backoff_doubles_within_half_to_full_step_and_is_capped(
    attempt: int, low: float, high: float
) -> None:
    assert POLICY.backoff(attempt, 0.0) == timedelta(seconds=low)
    assert POLICY.backoff(attempt, 1.0) == timedelta(seconds=high)
    assert POLICY.backoff(attempt, 0.5) == timedelta(seconds=(low + high) / 2)


def test_backoff_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        POLICY.backoff(0, 0.5)
    with pytest.raises(ValueError, match="jitter"):
        POLICY.backoff(1, 1.5)
    with pytest.raises(ValueError, match="base_seconds"):
        RetryPolicy(max_attempts=3, base_seconds=10, max_delay_seconds=5)


def _decide(result: object, attempts: int, now: datetime = NOON, channel: str = "sms") -> object:
    return decide(
        result,  # type: ignore[arg-type]
        channel=channel,  # type: ignore[arg-type]
        attempts=attempts,
        now=now,
        policy=POLICY,
        quiet_hours=QUIET,
        zone=Zone.WITA,
        jitter=0.0,
    )


def test_accepted_is_sent_now() -> None:
    assert _decide(Accepted("gw-1"), 1) == MarkSent(NOON, "gw-1")


def test_permanent_failure_is_failed_at_once() -> None:
    assert _decide(PermanentFailure("gateway answered 400"), 1) == MarkFailed(
        "gateway answered 400"
    )


def test_transient_failure_is_retried_after_backoff() -> None:
    assert _decide(TransientFailure("gateway answered 500"), 1) == RetryAt(
        NOON + timedelta(seconds=5), "gateway answered 500"
    )
    assert _decide(TransientFailure("timeout"), 3) == RetryAt(
        NOON + timedelta(seconds=20), "timeout"
    )


def test_retry_after_is_honoured_within_the_cap() -> None:
    slow_down = TransientFailure("gateway answered 429", retry_after=90)
    assert _decide(slow_down, 1) == RetryAt(NOON + timedelta(seconds=90), "gateway answered 429")
    way_too_long = TransientFailure("gateway answered 429", retry_after=3600)
    capped = RetryAt(NOON + timedelta(seconds=120), "gateway answered 429")
    assert _decide(way_too_long, 1) == capped


def test_the_last_attempt_fails_for_good() -> None:
    assert _decide(TransientFailure("gateway answered 503"), 5) == MarkFailed(
        "gave up after 5 attempts: gateway answered 503"
    )


def test_an_sms_retry_falling_in_quiet_hours_waits_for_morning() -> None:
    late = datetime(2024, 8, 15, 20, 59, 58, tzinfo=WITA)
    decision = _decide(TransientFailure("timeout"), 1, now=late)
    assert decision == RetryAt(datetime(2024, 8, 16, 7, 0, tzinfo=WITA), "timeout")
    email = _decide(TransientFailure("timeout"), 1, now=late, channel="email")
    assert email == RetryAt(late + timedelta(seconds=5), "timeout")
