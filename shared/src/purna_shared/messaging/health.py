"""What a worker's event consumer tells operators: outages it is waiting out and consumer
groups it had to recreate (Redis lost its data).

The consumer updates one :class:`ConsumerHealth`; the worker's health app shows it in
``/readyz`` (``consumer``) and exports it on ``/metrics``:

* ``purna_consumer_groups_recreated_total{stream}``: groups or streams found gone and
  recreated. Non-zero means Redis lost data: follow the runbook "Redis lost its data" in
  docs/operations.md (re-publish the outbox from before the loss).
* ``purna_consumer_outage_waits_total``: deliveries held back while the database or Redis was
  unavailable (not counted as attempts, see :mod:`purna_shared.outages`).
* ``purna_consumer_waiting_for_dependencies``: 1 while the consumer is holding deliveries
  until a dependency answers again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass
class ConsumerHealth:
    """Mutable state of one consumer, read by ``/readyz`` and ``/metrics``."""

    group: str
    groups_recreated: dict[str, int] = field(default_factory=dict)
    last_recreated_at: str | None = None
    outage_waits: int = 0
    waiting_since: float | None = None  # time.time() when the current outage began
    waiting_reason: str | None = None

    def group_recreated(self, stream: str) -> None:
        self.groups_recreated[stream] = self.groups_recreated.get(stream, 0) + 1
        self.last_recreated_at = datetime.now(UTC).isoformat(timespec="seconds")

    def outage_began(self, reason: str) -> bool:
        """Record a delivery held back; True when this starts a new outage."""
        self.outage_waits += 1
        self.waiting_reason = reason
        if self.waiting_since is None:
            self.waiting_since = time.time()
            return True
        return False

    def outage_ended(self) -> float:
        """Seconds the outage lasted."""
        began, self.waiting_since, self.waiting_reason = self.waiting_since, None, None
        return time.time() - began if began is not None else 0.0

    def detail(self) -> dict[str, Any]:
        """The ``consumer`` member of ``/readyz``."""
        detail: dict[str, Any] = {"group": self.group, "status": "ok"}
        if self.waiting_since is not None:
            detail["status"] = "waiting for the database or Redis"
            detail["waiting_since"] = datetime.fromtimestamp(self.waiting_since, UTC).isoformat(
                timespec="seconds"
            )
            detail["reason"] = self.waiting_reason
        if self.groups_recreated:
            detail["status"] = (
                "recreated lost consumer groups: Redis lost data; "
                "run `purna outbox republish --since` (runbook: Redis lost its data)"
            )
            detail["groups_recreated"] = dict(self.groups_recreated)
            detail["last_recreated_at"] = self.last_recreated_at
        return detail


class ConsumerHealthCollector(Collector):
    """Exports a :class:`ConsumerHealth` to Prometheus."""

    def __init__(self, health: ConsumerHealth) -> None:
        self._health = health

    def collect(self) -> Iterator[Metric]:
        health = self._health
        recreated = CounterMetricFamily(
            "purna_consumer_groups_recreated",
            "Consumer groups or streams found gone (Redis lost data) and recreated",
            labels=["group", "stream"],
        )
        for stream, count in health.groups_recreated.items():
            recreated.add_metric([health.group, stream], count)
        yield recreated
        waits = CounterMetricFamily(
            "purna_consumer_outage_waits",
            "Deliveries held back while a dependency was unavailable (not counted as attempts)",
            labels=["group"],
        )
        waits.add_metric([health.group], health.outage_waits)
        yield waits
        waiting = GaugeMetricFamily(
            "purna_consumer_waiting_for_dependencies",
            "1 while the consumer waits for the database or Redis to answer again",
            labels=["group"],
        )
        waiting.add_metric([health.group], 1 if health.waiting_since is not None else 0)
        yield waiting
