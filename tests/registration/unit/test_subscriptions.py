"""Registration subscribes to exactly what the catalog says it consumes: nothing in v1 (the
production Redis ACL, generated from the catalog, would refuse a stream it does not list)."""

from __future__ import annotations

import pytest

from purna_registration.entrypoints.consumers import register
from purna_registration.settings import RegistrationSettings
from purna_shared.contracts.catalog import CONSUMERS
from purna_shared.testing.subscriptions import subscribed_events

pytestmark = pytest.mark.unit


def test_subscriptions_equal_the_catalog() -> None:
    assert subscribed_events(RegistrationSettings(), register) == set(
        CONSUMERS.get("registration", ())
    )
