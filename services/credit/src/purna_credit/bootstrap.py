"""The one place the credit service's dependencies are wired (per entry point)."""

from __future__ import annotations

from purna_shared.clock import Clock, SystemClock
from purna_shared.unit_of_work import UnitOfWorkFactory

from .service_layer.unit_of_work import CreditUnitOfWork
from .settings import CreditSettings


def build_unit_of_work(clock: Clock | None = None) -> UnitOfWorkFactory[CreditUnitOfWork]:
    source = CreditSettings.service
    return UnitOfWorkFactory(CreditUnitOfWork, source, clock or SystemClock())
