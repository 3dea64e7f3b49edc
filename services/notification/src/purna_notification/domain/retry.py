"""Backoff for transient failures: exponential, jittered, bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Up to ``max_attempts`` attempts; after attempt *n* wait between half and all of
    ``min(max_delay, base * 2**(n-1))`` ("equal jitter": spread out, never a stampede at the
    same instant, never sooner than half the exponential step)."""

    max_attempts: int
    base_seconds: float
    max_delay_seconds: float

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_seconds <= 0 or self.max_delay_seconds < self.base_seconds:
            raise ValueError("need 0 < base_seconds <= max_delay_seconds")

    @property
    def max_delay(self) -> timedelta:
        return timedelta(seconds=self.max_delay_seconds)

    def backoff(self, attempt: int, jitter: float) -> timedelta:
        """Delay after attempt number ``attempt`` (1-based); ``jitter`` is uniform in [0, 1)."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        if not 0.0 <= jitter <= 1.0:
            raise ValueError("jitter must be in [0, 1]")
        # cap the exponent too: 2**attempt overflows a float long before max_attempts matters
        step = min(self.max_delay_seconds, self.base_seconds * 2 ** min(attempt - 1, 60))
        return timedelta(seconds=step / 2 + step / 2 * jitter)
