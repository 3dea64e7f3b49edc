"""Notification subscribes to exactly what the catalog says it consumes (the production Redis
ACL, generated from the catalog, would refuse a stream it does not list)."""

from __future__ import annotations

import functools

import pytest

from purna_notification.bootstrap import build_message_policy
from purna_notification.entrypoints.consumers import register
from purna_notification.settings import NotificationSettings
from purna_shared.contracts.catalog import CONSUMERS
from purna_shared.testing.subscriptions import subscribed_events

pytestmark = pytest.mark.unit


def test_subscriptions_equal_the_catalog() -> None:
    settings = NotificationSettings()
    subscribe = functools.partial(register, policy=build_message_policy(settings))
    assert subscribed_events(settings, subscribe) == set(CONSUMERS["notification"])
