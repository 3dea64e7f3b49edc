"""Event handlers of the registration service.

Registration is the source of participant events and subscribes to none in v1: it is the
system of record for people, and nothing another service does changes a registration.
``register`` exists so the worker is wired like every other service's.
"""

from __future__ import annotations

from purna_shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    """Subscribe the registration handlers (none in v1)."""
    del consumer
