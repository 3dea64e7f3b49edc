"""The KUR allocation (quota) never over-commits, and every rupiah reserved is accounted for.

The example tests pin the rules one at a time (two reservations on one pool, an approval of
exactly the reserved amount, a total raised or lowered around what is used); the state machine
drives any sequence of reservations, releases, approvals, cancellations and total changes
through the pools the way the service does (the amount must fit every pool it draws on, or
nothing is reserved) and checks the ledger after every step.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
)

from purna_credit.domain.allocation import (
    AllocationBelowUsageError,
    AllocationExhaustedError,
    Pool,
    PoolScope,
    check_new_total,
    no_allocation_reason,
    pools_short_of,
    shortfall_reason,
)

pytestmark = pytest.mark.unit

JUTA = 1_000_000  # one million rupiah


def test_a_release_gives_back_only_its_own_reservation() -> None:
    pool = Pool(2026, PoolScope.TOTAL, "", total=100 * JUTA).reserve(30 * JUTA).reserve(50 * JUTA)
    released = pool.release(30 * JUTA)
    assert (released.reserved, released.available) == (50 * JUTA, 50 * JUTA)
    # the other application's reservation still holds its quota
    with pytest.raises(AllocationExhaustedError):
        released.reserve(51 * JUTA)


def test_an_approval_commits_the_final_amount_and_frees_only_its_reservation() -> None:
    pool = Pool(2026, PoolScope.BANK, "BRI", total=100 * JUTA).reserve(30 * JUTA).reserve(50 * JUTA)
    approved = pool.commit(reserved_amount=30 * JUTA, final_amount=30 * JUTA)  # the usual case
    assert (approved.reserved, approved.committed, approved.available) == (
        50 * JUTA,
        30 * JUTA,
        20 * JUTA,
    )
    less = pool.commit(reserved_amount=50 * JUTA, final_amount=20 * JUTA)
    assert (less.reserved, less.committed, less.available) == (30 * JUTA, 20 * JUTA, 50 * JUTA)


def test_an_approval_never_asks_for_more_than_its_reservation() -> None:
    pool = Pool(2026, PoolScope.TOTAL, "", total=100 * JUTA).reserve(30 * JUTA)
    with pytest.raises(ValueError, match="more than was reserved"):
        pool.commit(reserved_amount=30 * JUTA, final_amount=30 * JUTA + 1)


def test_an_amount_fits_up_to_the_last_rupiah() -> None:
    pool = Pool(2026, PoolScope.PROVINCE, "52", total=10 * JUTA, reserved=3 * JUTA, committed=2)
    assert pool.used == 3 * JUTA + 2
    assert pool.available == 7 * JUTA - 2
    assert pool.fits(7 * JUTA - 2)
    assert not pool.fits(7 * JUTA - 1)
    assert pool.reserve(7 * JUTA - 2).available == 0


def test_a_total_may_grow_or_shrink_to_exactly_what_is_used() -> None:
    pool = Pool(2026, PoolScope.BANK, "BNI", total=10 * JUTA, reserved=4 * JUTA, committed=3)
    check_new_total(pool, 50 * JUTA)  # raised above what is used
    check_new_total(pool, 4 * JUTA + 3)  # down to exactly what is used
    with pytest.raises(AllocationBelowUsageError) as info:
        check_new_total(pool, 4 * JUTA + 2)
    assert str(info.value) == (
        "bank BNI: total 4000002 is below the 4000003 already reserved (4000000) and committed (3)"
    )


def test_a_release_or_approval_never_leaves_a_negative_reservation() -> None:
    # More than the pool holds in reservation (a pool whose sub-limit was set after the
    # application reserved): the pool's reservation stops at zero, it never goes negative.
    pool = Pool(2026, PoolScope.PROVINCE, "52", total=10 * JUTA, reserved=2 * JUTA, committed=1)
    assert pool.release(3 * JUTA).reserved == 0
    assert pool.release(3 * JUTA).available == 10 * JUTA - 1
    approved = pool.commit(reserved_amount=3 * JUTA, final_amount=3 * JUTA)
    assert (approved.reserved, approved.committed) == (0, 3 * JUTA + 1)


def test_a_pool_is_a_value_changed_only_through_its_rules() -> None:
    pool = Pool(2026, PoolScope.TOTAL, "", total=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pool.reserved = 11  # type: ignore[misc]


def test_pool_scopes_are_stored_and_reported_by_name() -> None:
    assert [scope.value for scope in PoolScope] == ["total", "province", "bank"]
    pool = Pool(2026, PoolScope.PROVINCE, "52", total=1, committed=1)
    with pytest.raises(AllocationBelowUsageError, match=r"^province 52: total 0 is below the 1"):
        check_new_total(pool, 0)


def test_the_total_pool_is_named_by_its_year() -> None:
    pool = Pool(2026, PoolScope.TOTAL, "", total=1, committed=1)
    with pytest.raises(AllocationBelowUsageError, match=r"^total 2026: total 0 is below the 1"):
        check_new_total(pool, 0)


def test_each_pool_describes_itself_in_the_reason() -> None:
    pools = [
        Pool(2026, PoolScope.TOTAL, "", total=5),
        Pool(2026, PoolScope.PROVINCE, "52", total=5),
        Pool(2026, PoolScope.BANK, "BRI", total=5, reserved=6),  # over-used: shown as Rp0 left
    ]
    assert pools_short_of(pools, 5) == [pools[2]]
    assert shortfall_reason(pools, 6) == (
        "Alokasi tidak cukup untuk Rp6: alokasi KUR 2026 tersisa Rp5; "
        "alokasi KUR 2026 provinsi 52 tersisa Rp5; alokasi KUR 2026 bank BRI tersisa Rp0"
    )
    assert no_allocation_reason(2027) == "Alokasi KUR 2027 belum ditetapkan"


def test_a_refused_reservation_says_which_pool_and_changes_nothing() -> None:
    pool = Pool(2026, PoolScope.PROVINCE, "52", total=10 * JUTA, reserved=9 * JUTA)
    with pytest.raises(AllocationExhaustedError) as info:
        pool.reserve(2 * JUTA)
    assert str(info.value) == (
        "Alokasi tidak cukup untuk Rp2.000.000: alokasi KUR 2026 provinsi 52 tersisa Rp1.000.000"
    )
    assert pool.reserved == 9 * JUTA  # frozen: the refused reservation left no trace


SCOPES = [(PoolScope.TOTAL, ""), (PoolScope.PROVINCE, "52"), (PoolScope.BANK, "BRI")]


class QuotaLedger(RuleBasedStateMachine):
    """One year's pools (total, a province and a bank), applications drawing on a subset of
    them, and the service's sequence of operations over both."""

    reservations = Bundle("reservations")

    def __init__(self) -> None:
        super().__init__()
        self.pools: dict[str, Pool] = {}
        # what each live reservation and each approval holds, per pool key
        self.held: dict[int, tuple[int, tuple[str, ...]]] = {}
        self.approved: list[tuple[int, tuple[str, ...]]] = []
        self.next_id = 0

    @rule(
        total=st.integers(0, 100 * JUTA),
        province=st.one_of(st.none(), st.integers(0, 60 * JUTA)),
        bank=st.one_of(st.none(), st.integers(0, 60 * JUTA)),
    )
    @precondition(lambda self: not self.pools)
    def set_allocation(self, total: int, province: int | None, bank: int | None) -> None:
        for (scope, key), amount in zip(SCOPES, (total, province, bank), strict=True):
            if amount is not None:
                self.pools[key] = Pool(2026, scope, key, total=amount)

    def _draws_on(self, with_province: bool, with_bank: bool) -> tuple[str, ...]:
        wanted = ["", *(["52"] if with_province else []), *(["BRI"] if with_bank else [])]
        return tuple(key for key in wanted if key in self.pools)

    @rule(target=reservations, amount=st.integers(1, 40 * JUTA), p=st.booleans(), b=st.booleans())
    @precondition(lambda self: bool(self.pools))
    def reserve(self, amount: int, p: bool, b: bool) -> int:
        keys = self._draws_on(p, b)
        pools = [self.pools[k] for k in keys]
        if pools_short_of(pools, amount):
            for pool in pools_short_of(pools, amount):
                with pytest.raises(AllocationExhaustedError):
                    pool.reserve(amount)
            return -1  # waitlisted: nothing reserved anywhere
        for key in keys:
            self.pools[key] = self.pools[key].reserve(amount)
        self.next_id += 1
        self.held[self.next_id] = (amount, keys)
        return self.next_id

    @rule(ref=consumes(reservations))
    def release(self, ref: int) -> None:
        """A rejection, a cancellation or an expired pre-qualification."""
        if ref in self.held:
            amount, keys = self.held.pop(ref)
            for key in keys:
                self.pools[key] = self.pools[key].release(amount)

    @rule(ref=consumes(reservations), data=st.data())
    def approve(self, ref: int, data: st.DataObject) -> None:
        if ref in self.held:
            amount, keys = self.held.pop(ref)
            final = data.draw(st.one_of(st.just(amount), st.integers(1, amount)), "final amount")
            for key in keys:
                self.pools[key] = self.pools[key].commit(amount, final)
            self.approved.append((final, keys))

    @rule(key=st.sampled_from(["", "52", "BRI"]), total=st.integers(0, 120 * JUTA))
    def change_total(self, key: str, total: int) -> None:
        if key not in self.pools:
            return
        pool = self.pools[key]
        if total < pool.used:
            with pytest.raises(AllocationBelowUsageError):
                check_new_total(pool, total)
        else:
            check_new_total(pool, total)
            self.pools[key] = Pool(pool.year, pool.scope, key, total, pool.reserved, pool.committed)

    @invariant()
    def never_over_committed(self) -> None:
        for pool in self.pools.values():
            assert pool.reserved >= 0
            assert pool.committed >= 0
            assert pool.reserved + pool.committed <= pool.total
            assert pool.available == pool.total - pool.reserved - pool.committed >= 0

    @invariant()
    def every_rupiah_is_accounted_for(self) -> None:
        for key, pool in self.pools.items():
            assert pool.reserved == sum(a for a, keys in self.held.values() if key in keys)
            assert pool.committed == sum(a for a, keys in self.approved if key in keys)


# 30 steps reach every kind of pool state; the loaded profile sets how many sequences run
QuotaLedger.TestCase.settings = settings(settings.default, stateful_step_count=30)
test_quota_ledger = QuotaLedger.TestCase
