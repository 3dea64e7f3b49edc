"""Which failures mean "a dependency is unavailable" (503, not an attempt) and which are bugs."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
import redis.exceptions
import sqlalchemy.exc

from purna_shared.http.problems import unexpected_error_problem
from purna_shared.outages import is_out_of_range, is_outage

pytestmark = pytest.mark.unit


def _wrapped(orig: BaseException) -> sqlalchemy.exc.DBAPIError:
    """As SQLAlchemy raises it: a DBAPIError whose ``orig`` and ``__cause__`` are the driver's."""
    try:
        try:
            raise orig
        except BaseException as exc:
            raise sqlalchemy.exc.DBAPIError("SELECT 1", None, exc) from exc
    except sqlalchemy.exc.DBAPIError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        ConnectionRefusedError(111, "Connect call failed"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed, [Errno 99] Cannot assign"),
        sqlite3.OperationalError("database is locked"),
    ],
)
def test_database_unavailability_is_an_outage(exc: BaseException) -> None:
    assert is_outage(_wrapped(exc))


@pytest.mark.parametrize(
    "exc",
    [
        redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"),
        redis.exceptions.ReadOnlyError("You can't write against a read only replica."),
        redis.exceptions.OutOfMemoryError("command not allowed when used memory > 'maxmemory'"),
        redis.exceptions.ResponseError("MISCONF Redis is configured to save RDB snapshots"),
        redis.exceptions.ResponseError("MASTERDOWN Link with MASTER is down"),
        redis.exceptions.TimeoutError("Timeout reading from socket"),
        sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached"),
    ],
)
def test_redis_unavailability_and_pool_exhaustion_are_outages(exc: BaseException) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad"),
        KeyError("x"),
        FileNotFoundError(2, "No such file"),
        PermissionError(13, "denied"),
        redis.exceptions.ResponseError("WRONGTYPE Operation against a key"),
        redis.exceptions.ResponseError("NOGROUP No such key"),
        sqlite3.OperationalError("no such table: participants"),
    ],
)
def test_bugs_and_bad_data_are_not_outages(exc: BaseException) -> None:
    assert not is_outage(exc)


def test_constraint_violations_are_not_outages() -> None:
    exc = asyncpg.UniqueViolationError("duplicate key value violates unique constraint")
    assert not is_outage(_wrapped(exc))
    assert not is_outage(sqlalchemy.exc.IntegrityError("INSERT", None, exc))


@pytest.mark.parametrize(
    "exc",
    [
        OverflowError("date value out of range"),
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        asyncpg.NumericValueOutOfRangeError("bigint out of range"),
        asyncpg.DatetimeFieldOverflowError("date/time field value out of range"),
    ],
)
def test_values_out_of_range_are_the_requests_fault(exc: BaseException) -> None:
    assert is_out_of_range(_wrapped(exc))
    problem = unexpected_error_problem(_wrapped(exc))
    assert problem.status == 422
    assert "out of range" not in (problem.detail or "")  # the value and error are not echoed


def test_other_errors_are_not_out_of_range() -> None:
    assert not is_out_of_range(ValueError("x"))
    assert unexpected_error_problem(ValueError("x")).status == 500
