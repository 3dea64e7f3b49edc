"""Training subscribes to exactly what the catalog says it consumes (the production Redis ACL,
generated from the catalog, would refuse a stream it does not list)."""

from __future__ import annotations

import pytest

from purna_shared.contracts.catalog import CONSUMERS
from purna_shared.testing.subscriptions import subscribed_events
from purna_training.entrypoints.consumers import register
from purna_training.settings import TrainingSettings

pytestmark = pytest.mark.unit


def test_subscriptions_equal_the_catalog() -> None:
    assert subscribed_events(TrainingSettings(), register) == set(CONSUMERS["training"])
