"""The ministry's KUR allocation (quota, *pagu*) for a year, with optional sub-limits.

A year has one ``total`` pool and, optionally, pools per province and per bank. An application
draws on the total and on the pools of its participant's province and of its bank, when those
exist; it must fit in every one of them. Submitting *reserves* the requested amount, a bank's
approval *commits* the final amount (releasing the difference), a rejection or an expired
pre-qualification *releases* the reservation. The allocation is never over-committed:
``reserved + committed <= total`` in every pool, always (the adapters hold the row locks that
make this true under concurrency; this module says what fits).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from .money import format_rupiah


class PoolScope(StrEnum):
    TOTAL = "total"
    PROVINCE = "province"
    BANK = "bank"


@dataclass(frozen=True, slots=True)
class Pool:
    year: int
    scope: PoolScope
    key: str  # "" for the total, a province code (e.g. 52) or a bank code (e.g. BRI)
    total: int
    reserved: int = 0
    committed: int = 0

    @property
    def used(self) -> int:
        return self.reserved + self.committed

    @property
    def available(self) -> int:
        return self.total - self.used

    def fits(self, amount: int) -> bool:
        return amount <= self.available

    def reserve(self, amount: int) -> Pool:
        if not self.fits(amount):
            raise AllocationExhaustedError(shortfall_reason([self], amount))
        return replace(self, reserved=self.reserved + amount)

    def release(self, amount: int) -> Pool:
        return replace(self, reserved=max(self.reserved - amount, 0))

    def commit(self, reserved_amount: int, final_amount: int) -> Pool:
        """Turn a reservation into a commitment of ``final_amount`` (at most what was
        reserved: an approval never asks for more quota than the reservation holds)."""
        if final_amount > reserved_amount:
            raise ValueError("cannot commit more than was reserved")
        return replace(
            self,
            reserved=max(self.reserved - reserved_amount, 0),
            committed=self.committed + final_amount,
        )

    def describe(self) -> str:
        if self.scope is PoolScope.TOTAL:
            return f"alokasi KUR {self.year}"
        if self.scope is PoolScope.PROVINCE:
            return f"alokasi KUR {self.year} provinsi {self.key}"
        return f"alokasi KUR {self.year} bank {self.key}"


class AllocationExhaustedError(Exception):
    """The amount does not fit; the message says which pool and by how much (Bahasa)."""


class AllocationBelowUsageError(ValueError):
    """A new total would leave the pool over-committed."""


def shortfall_reason(pools: Iterable[Pool], amount: int) -> str:
    parts = [
        f"{pool.describe()} tersisa {format_rupiah(max(pool.available, 0))}"
        for pool in pools
        if not pool.fits(amount)
    ]
    return f"Alokasi tidak cukup untuk {format_rupiah(amount)}: " + "; ".join(parts)


def no_allocation_reason(year: int) -> str:
    return f"Alokasi KUR {year} belum ditetapkan"


def pools_short_of(pools: Iterable[Pool], amount: int) -> list[Pool]:
    """The pools ``amount`` does not fit in (empty: it fits everywhere)."""
    return [pool for pool in pools if not pool.fits(amount)]


def check_new_total(pool: Pool, total: int) -> None:
    """A pool's total may shrink, but never below what is already reserved and committed."""
    if total < pool.used:
        raise AllocationBelowUsageError(
            f"{pool.scope.value} {pool.key or pool.year}: total {total} is below the "
            f"{pool.used} already reserved ({pool.reserved}) and committed ({pool.committed})"
        )
