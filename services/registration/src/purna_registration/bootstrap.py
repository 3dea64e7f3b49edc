"""The one place the registration service's dependencies are wired (per entry point)."""

from __future__ import annotations

from purna_shared.clock import Clock, SystemClock
from purna_shared.unit_of_work import UnitOfWorkFactory

from .service_layer.unit_of_work import RegistrationUnitOfWork
from .settings import RegistrationSettings


def build_unit_of_work(clock: Clock | None = None) -> UnitOfWorkFactory[RegistrationUnitOfWork]:
    return UnitOfWorkFactory(
        RegistrationUnitOfWork, RegistrationSettings.service, clock or SystemClock()
    )
