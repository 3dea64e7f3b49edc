"""The ministry's KUR allocation: set it, and reserve/commit/release against it.

Never over-committed, even under concurrency. Every change to a year's pools first locks the
year's *total* row (``SELECT ... FOR UPDATE``), then the province/bank rows it touches, in that
order, and re-reads them under the lock; so changes to one year's quota are serialised, see
each other's committed effects, and cannot deadlock. The check constraint
``reserved + committed <= total`` on every row is the database's own guard behind that.
SQLite (the embedded default) has one writer at a time (``BEGIN IMMEDIATE``), which gives the
same guarantee.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..adapters.orm import AllocationPool, Application
from ..adapters.repository import CreditRepository
from ..domain.allocation import (
    AllocationBelowUsageError,
    Pool,
    PoolScope,
    check_new_total,
    no_allocation_reason,
    pools_short_of,
    shortfall_reason,
)
from .errors import NotFoundError
from .unit_of_work import CreditUnitOfWork


@dataclass(frozen=True, slots=True)
class SetAllocation:
    """``PUT /allocations/{year}``: the whole allocation; sub-limits not listed are removed."""

    year: int
    total: int
    provinces: Mapping[str, int]
    banks: Mapping[str, int]


class AllocationConflictError(Exception):
    """A requested total is below what is already reserved and committed (per pool)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class AllocationView:
    total: Pool
    provinces: list[Pool]
    banks: list[Pool]


def _pool(row: AllocationPool) -> Pool:
    return Pool(
        year=row.year,
        scope=PoolScope(row.scope),
        key=row.key,
        total=row.total,
        reserved=row.reserved,
        committed=row.committed,
    )


async def lock_pools(
    repo: CreditRepository, year: int, province_code: str, bank: str
) -> list[AllocationPool] | None:
    """The pools an application of ``province_code`` and ``bank`` draws on, locked (the total
    first); None when the year has no allocation."""
    total = await repo.lock_total_pool(year)
    if total is None:
        return None
    return [total, *await repo.lock_pools(year, province_code, bank)]


async def reserve(
    repo: CreditRepository,
    *,
    year: int,
    province_code: str,
    bank: str,
    amount: int,
    now: datetime,
) -> str | None:
    """Reserve ``amount``; return None when reserved, else why it is waitlisted (Bahasa)."""
    rows = await lock_pools(repo, year, province_code, bank)
    if rows is None:
        return no_allocation_reason(year)
    pools = [_pool(row) for row in rows]
    if short := pools_short_of(pools, amount):
        return shortfall_reason(short, amount)
    for row, pool in zip(rows, pools, strict=True):
        row.reserved = pool.reserve(amount).reserved
        row.updated_at = now
    await repo.flush()
    return None


async def release(repo: CreditRepository, application: Application, now: datetime) -> None:
    """Give back what ``application`` holds in reservation (nothing if it holds nothing)."""
    amount = application.reserved_amount
    if amount:
        rows = await lock_pools(
            repo, application.allocation_year, application.province_code, application.bank
        )
        for row in rows or ():
            row.reserved = _pool(row).release(amount).reserved
            row.updated_at = now
        await repo.flush()
    application.reserved_amount = 0


async def commit(
    repo: CreditRepository, application: Application, final_amount: int, now: datetime
) -> None:
    """Turn the application's reservation into a commitment of ``final_amount``."""
    rows = await lock_pools(
        repo, application.allocation_year, application.province_code, application.bank
    )
    for row in rows or ():
        committed = _pool(row).commit(application.reserved_amount, final_amount)
        row.reserved, row.committed = committed.reserved, committed.committed
        row.updated_at = now
    await repo.flush()
    application.reserved_amount = 0
    application.committed_amount = final_amount


async def set_allocation(
    uow: CreditUnitOfWork, command: SetAllocation, *, by: str
) -> AllocationView:
    """Set the year's total and sub-limits. Usage is recomputed from the applications under the
    lock, so a sub-limit added mid-year starts with what its province or bank already holds."""
    repo, now, year = uow.repo, uow.now, command.year
    await repo.add_total_pool_once(
        dict(
            year=year,
            scope=PoolScope.TOTAL.value,
            key="",
            total=command.total,
            reserved=0,
            committed=0,
            updated_by=by,
            updated_at=now,
        )
    )
    total_row = await repo.lock_total_pool(year)
    assert total_row is not None
    existing = {(row.scope, row.key): row for row in await repo.lock_sub_pools(year)}
    usage = {
        PoolScope.TOTAL: await repo.usage(year, None),
        PoolScope.PROVINCE: await repo.usage(year, Application.province_code),
        PoolScope.BANK: await repo.usage(year, Application.bank),
    }
    wanted: dict[tuple[PoolScope, str], int] = {(PoolScope.TOTAL, ""): command.total}
    wanted |= {(PoolScope.PROVINCE, k): v for k, v in command.provinces.items()}
    wanted |= {(PoolScope.BANK, k): v for k, v in command.banks.items()}

    errors: list[tuple[str, str]] = []
    pools: dict[tuple[PoolScope, str], Pool] = {}
    for (scope, key), total in wanted.items():
        reserved, committed = usage[scope].get(key, (0, 0))
        pool = Pool(year, scope, key, total, reserved, committed)
        try:
            check_new_total(pool, total)
        except AllocationBelowUsageError as exc:
            field = {"total": "total", "province": f"provinces.{key}", "bank": f"banks.{key}"}
            errors.append((field[scope.value], str(exc)))
        pools[(scope, key)] = pool
    if errors:
        raise AllocationConflictError(errors)

    for (scope, key), pool in pools.items():
        row = total_row if scope is PoolScope.TOTAL else existing.pop((scope.value, key), None)
        if row is None:
            row = AllocationPool(year=year, scope=scope.value, key=key)
            repo.add(row)
        row.total, row.reserved, row.committed = pool.total, pool.reserved, pool.committed
        row.updated_by, row.updated_at = by, now
    for row in existing.values():  # sub-limits no longer wanted
        await repo.delete(row)
    await repo.flush()
    return _view(list(pools.values()))


def _view(pools: Sequence[Pool]) -> AllocationView:
    total = next(p for p in pools if p.scope is PoolScope.TOTAL)
    return AllocationView(
        total=total,
        provinces=sorted((p for p in pools if p.scope is PoolScope.PROVINCE), key=lambda p: p.key),
        banks=sorted((p for p in pools if p.scope is PoolScope.BANK), key=lambda p: p.key),
    )


async def get_allocation(uow: CreditUnitOfWork, year: int) -> AllocationView:
    rows = await uow.repo.pools(year)
    if not rows:
        raise NotFoundError(f"no KUR allocation is set for {year}")
    return _view([_pool(row) for row in rows])
