"""Credit subscribes to exactly what the catalog says it consumes (the production Redis ACL,
generated from the catalog, would refuse a stream it does not list)."""

from __future__ import annotations

import functools

import pytest

from purna_credit.domain.rules import DEFAULT_RULES
from purna_credit.entrypoints.consumers import register
from purna_credit.settings import CreditSettings
from purna_shared.contracts.catalog import CONSUMERS
from purna_shared.testing.subscriptions import subscribed_events

pytestmark = pytest.mark.unit


def test_subscriptions_equal_the_catalog() -> None:
    settings = CreditSettings()
    subscribe = functools.partial(register, rules=DEFAULT_RULES, settings=settings)
    assert subscribed_events(settings, subscribe) == set(CONSUMERS["credit"])
