"""The one place the training service's dependencies are wired (per entry point)."""

from __future__ import annotations

from purna_shared.clock import Clock, SystemClock
from purna_shared.unit_of_work import UnitOfWorkFactory

from .service_layer.unit_of_work import TrainingUnitOfWork
from .settings import TrainingSettings


def build_unit_of_work(clock: Clock | None = None) -> UnitOfWorkFactory[TrainingUnitOfWork]:
    source = TrainingSettings.service
    return UnitOfWorkFactory(TrainingUnitOfWork, source, clock or SystemClock())
