"""Is this failure the request's (or event's) fault, or is a dependency unavailable?

One answer for the whole system: the HTTP problem handler turns an outage into ``503`` with
``Retry-After`` (a client should simply retry), and the event consumer does not count a
delivery that failed for an outage as an attempt (an outage must never turn events into dead
letters). Everything else stays a genuine failure: a 500, or an attempt that counts.

What counts as "unavailable", whatever layer wraps it (SQLAlchemy wraps asyncpg and sqlite3
errors; both keep the original as ``__cause__`` / ``.orig``):

* the network: connection refused, reset or timed out, a name that does not resolve;
* PostgreSQL refusing or dropping work: SQLSTATE class 08 (connection exception), class 53
  (insufficient resources: too many connections, disk full, out of memory), class 57P
  (operator intervention: shutting down, **starting up** (57P03), crash recovery), 57014
  (statement cancelled by a timeout under load), 25006 (read-only: writes reached a standby
  during a failover); a pool that had no free connection in time;
* SQLite busy or locked beyond its timeout, or its file unreachable;
* Redis down, loading its data set (``LOADING``), a replica answering writes (``READONLY``),
  a primary without its replicas or a cluster still electing (``MASTERDOWN``, ``NOREPLICAS``,
  ``CLUSTERDOWN``, ``TRYAGAIN``), or refusing writes because it cannot persist or is out of
  memory (``MISCONF``, ``OOM``).
"""

from __future__ import annotations

import errno
import sqlite3

import redis.exceptions
import sqlalchemy.exc

#: PostgreSQL SQLSTATEs (exact) and classes (prefixes) that mean "the database is unavailable"
_PG_STATES = frozenset({"57014", "25006"})
_PG_CLASSES = ("08", "53", "57P")

#: first word of a Redis error reply that means "Redis can't serve this right now"
_REDIS_REPLIES = frozenset(
    {"LOADING", "READONLY", "MASTERDOWN", "NOREPLICAS", "CLUSTERDOWN", "TRYAGAIN", "MISCONF", "OOM"}
)

#: sqlite3.OperationalError messages about the database file, not the statement
_SQLITE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)

#: OSErrors about the local file system: a bug or a misconfiguration, not an outage
_FILE_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.EHOSTDOWN,
        errno.ENOTCONN,
    }
)

_UNAVAILABLE_TYPES: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,  # also asyncio's
    sqlalchemy.exc.TimeoutError,  # no pooled connection became free in time
    sqlalchemy.exc.DisconnectionError,
    redis.exceptions.ConnectionError,  # also BusyLoadingError (LOADING)
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.TryAgainError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.MasterDownError,
)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps, without cycles."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)
        todo += [
            current.__cause__,
            current.__context__,
            orig if isinstance(orig, BaseException) else None,
        ]
    return seen


def _one_is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, _UNAVAILABLE_TYPES):
        return True
    if isinstance(exc, OSError) and not isinstance(exc, _FILE_ERRORS):
        # asyncio's "Multiple exceptions: [Errno 111] ..." (one per address) has no errno
        return exc.errno in _NETWORK_ERRNOS or (exc.errno is None and "Errno" in str(exc))
    sqlstate = getattr(exc, "sqlstate", None)  # asyncpg's PostgresError (psycopg: pgcode)
    sqlstate = sqlstate if isinstance(sqlstate, str) else getattr(exc, "pgcode", None)
    if isinstance(sqlstate, str):
        return sqlstate in _PG_STATES or sqlstate.startswith(_PG_CLASSES)
    if type(exc).__name__ in ("TooManyConnectionsError", "CannotConnectNowError"):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return any(m in message for m in _SQLITE_MESSAGES)
    if isinstance(exc, redis.exceptions.ResponseError):
        words = str(exc).split(maxsplit=1)
        return bool(words) and words[0] in _REDIS_REPLIES
    return False


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or anything it wraps) says a dependency is unavailable, not that the
    request or event is wrong: see the module's docstring for the cases."""
    return any(_one_is_unavailable(e) for e in _causes(exc))


#: SQLSTATEs of a value the database cannot hold: numeric out of range, datetime overflow,
#: invalid datetime format, out-of-range interval
_PG_OUT_OF_RANGE = frozenset({"22003", "22008", "22007", "22015"})


def is_out_of_range(exc: BaseException) -> bool:
    """Whether ``exc`` (or anything it wraps) is a value too large or too far to compute or
    store: a huge integer, a date past year 9999 after arithmetic. Reached from a request it is
    the request's fault (a 422), not a bug of the service (a 500)."""
    for e in _causes(exc):
        if isinstance(e, OverflowError):
            return True
        sqlstate = getattr(e, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate in _PG_OUT_OF_RANGE:
            return True
        if type(e).__name__ in ("NumericValueOutOfRangeError", "DatetimeFieldOverflowError"):
            return True
    return False


#: what an API answers in ``Retry-After`` while a dependency is unavailable (seconds)
RETRY_AFTER_SECONDS = 2
