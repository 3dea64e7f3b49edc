"""A worker sizes the collector's youngest generation to its consumer's batches, and only for
its own lifetime."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from purna_shared.messaging.worker import young_generation_for_batches

pytestmark = pytest.mark.unit


@pytest.fixture
def default_thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_the_young_generation_outgrows_a_batch_and_is_restored_after(
    default_thresholds: tuple[int, int, int],
) -> None:
    with young_generation_for_batches(100):
        young, *older = gc.get_threshold()
        assert young == 10_000
        assert tuple(older) == default_thresholds[1:]  # older generations as they were
    assert gc.get_threshold() == default_thresholds


def test_a_larger_threshold_already_set_is_kept(default_thresholds: tuple[int, int, int]) -> None:
    gc.set_threshold(50_000, 10, 10)
    with young_generation_for_batches(10):
        assert gc.get_threshold()[0] == 50_000
    assert gc.get_threshold() == (50_000, 10, 10)


def test_the_threshold_is_restored_when_the_worker_fails(
    default_thresholds: tuple[int, int, int],
) -> None:
    with pytest.raises(RuntimeError), young_generation_for_batches(100):
        raise RuntimeError("worker crashed")
    assert gc.get_threshold() == default_thresholds
