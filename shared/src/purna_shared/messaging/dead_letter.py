"""The dead-letter stream: where entries go that cannot be handled, and how they come back.

A dead letter keeps everything needed to understand and redrive it::

    stream      the original stream key
    entry_id    the original entry id
    group       the consumer group that gave up
    attempts    deliveries to that group (from Redis' pending-entries list)
    error       why: the parse/validation error or the handler's last exception
    failed_at   RFC 3339 UTC
    original    the original entry's fields, as a JSON object
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from ..contracts.catalog import CATALOG, consumers_of, dead_letter_stream
from ..contracts.envelope import format_time


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    stream: str
    entry_id: str
    group: str
    attempts: int
    error: str
    failed_at: str
    original: dict[str, str]

    @classmethod
    def from_entry(cls, entry_id: bytes | str, fields: Mapping[bytes, bytes]) -> DeadLetter:
        f = {_text(k): _text(v) for k, v in fields.items()}
        return cls(
            id=_text(entry_id),
            stream=f.get("stream", ""),
            entry_id=f.get("entry_id", ""),
            group=f.get("group", ""),
            attempts=int(f.get("attempts", "0") or 0),
            error=f.get("error", ""),
            failed_at=f.get("failed_at", ""),
            original=json.loads(f.get("original", "{}")),
        )


def dead_letter_fields(
    *,
    stream: str,
    entry_id: str,
    group: str,
    attempts: int,
    error: str,
    original: Mapping[bytes, bytes] | Mapping[str, str],
) -> dict[str, str]:
    return {
        "stream": stream,
        "entry_id": entry_id,
        "group": group,
        "attempts": str(attempts),
        "error": error[:4000],
        "failed_at": format_time(datetime.now(UTC)),
        "original": json.dumps(
            {_text(k): _text(v) for k, v in original.items()}, ensure_ascii=False
        ),
    }


class RedriveRefusedError(ValueError):
    """A dead letter that redrive will not re-publish, and why."""


_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


class DeadLetters:
    """Lists and redrives dead letters (the operator's side; see ``purna dlq``)."""

    def __init__(self, redis: Redis, prefix: str = "") -> None:
        self._redis = redis
        self._prefix = prefix
        self.stream = dead_letter_stream(prefix)

    async def list(self, *, count: int = 100, stream: str | None = None) -> list[DeadLetter]:
        raw = await self._redis.xrange(self.stream, count=count if stream is None else None)
        letters = [DeadLetter.from_entry(entry_id, fields) for entry_id, fields in raw]
        if stream is not None:
            letters = [d for d in letters if d.stream in (stream, self._prefix + stream)]
        return letters[:count]

    async def redrive(self, dead_letter_id: str) -> str:
        """Put the original entry back on its stream (as a new entry) and remove the dead
        letter. Groups that already handled the event skip it through their inbox.

        Any service may write to the dead-letter stream (Redis ACLs cannot tell its entries
        apart), so a dead letter is only a claim: redrive re-publishes it only when its stream is
        one of the catalog's, its group is the Purna service that consumes that stream, and the
        original entry is still on that stream with the same fields (only the stream's producer
        can have written it). Otherwise it raises ``RedriveRefusedError`` and changes nothing.
        """
        if not _ENTRY_ID.match(dead_letter_id):
            raise RedriveRefusedError(
                f"{dead_letter_id!r} is not a stream entry id (like 1722400000000-0)"
            )
        raw = await self._redis.xrange(self.stream, min=dead_letter_id, max=dead_letter_id)
        if not raw:
            raise KeyError(f"no dead letter {dead_letter_id} in {self.stream}")
        letter = DeadLetter.from_entry(*raw[0])
        await self._check_origin(letter)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(letter.stream, letter.original)  # type: ignore[arg-type]
            pipe.xdel(self.stream, letter.id)
            new_id, _ = await pipe.execute()
        return _text(new_id)

    async def _check_origin(self, letter: DeadLetter) -> None:
        event = next((e for e in CATALOG if e.stream(self._prefix) == letter.stream), None)
        refuse = f"dead letter {letter.id} not redriven:"
        if event is None:
            raise RedriveRefusedError(f"{refuse} {letter.stream!r} is not a stream of the catalog")
        if letter.group not in consumers_of(event):
            raise RedriveRefusedError(
                f"{refuse} group {letter.group!r} does not consume {letter.stream} "
                f"(its consumers: {', '.join(consumers_of(event))})"
            )
        if letter.original.get("type") != event.event_type():
            raise RedriveRefusedError(f"{refuse} the entry is not a {event.event_type()} event")
        if not _ENTRY_ID.match(letter.entry_id):
            raise RedriveRefusedError(f"{refuse} its entry id {letter.entry_id!r} is malformed")
        found = await self._redis.xrange(letter.stream, min=letter.entry_id, max=letter.entry_id)
        if not found:
            raise RedriveRefusedError(
                f"{refuse} entry {letter.entry_id} is no longer on {letter.stream} (trimmed?), "
                "so its content cannot be checked against what the producer published"
            )
        published = {_text(k): _text(v) for k, v in found[0][1].items()}
        if published != letter.original:
            raise RedriveRefusedError(
                f"{refuse} its content differs from entry {letter.entry_id} on {letter.stream}"
            )
