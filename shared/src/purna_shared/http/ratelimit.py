"""A per-user request budget kept in Redis, shared by every API process of a service.

Used where one answer is cheap for a person but a stream of them is a disclosure: a NIK lookup
says whether a NIK is registered, and ~400 of them a second walk every serial of a birth date.
A fixed window per user (``INCR`` + ``EXPIRE``) is enough for that: it bounds a user to
``limit`` answers per ``window_seconds``, whichever process answers.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from redis.asyncio import Redis

from .problems import ProblemError


class RateLimiter:
    def __init__(
        self, redis: Redis, *, name: str, limit: int, window_seconds: int, key_prefix: str = ""
    ) -> None:
        self.redis = redis
        self.name = name
        self.limit = limit
        self.window = window_seconds
        self.key_prefix = key_prefix

    def _key(self, subject: str, window: int) -> str:
        # The subject is hashed: keys are visible to whoever can list Redis keys.
        who = hashlib.sha256(subject.encode()).hexdigest()[:24]
        return f"{self.key_prefix}purna:rate:{self.name}:{who}:{window}"

    async def hit(self, subject: str, *, now: float | None = None) -> int:
        """Count one use by ``subject``; a 429 problem (with ``Retry-After``) once the window's
        budget is spent. Returns the uses so far in this window."""
        moment = time.time() if now is None else now
        window = int(moment // self.window)
        key = self._key(subject, window)
        pipe: Any = self.redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, self.window + 1)
        used, _ = await pipe.execute()
        if int(used) > self.limit:
            retry = max(1, math.ceil((window + 1) * self.window - moment))
            raise ProblemError(
                429,
                "Too Many Requests",
                f"At most {self.limit} of these requests per {self.window} seconds per user; "
                f"try again in {retry} s.",
                headers={"Retry-After": str(retry)},
            )
        return int(used)
