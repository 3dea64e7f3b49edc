"""Registration's unit of work: the shared one, plus registration's repositories."""

from __future__ import annotations

from purna_shared.unit_of_work import UnitOfWork


class RegistrationUnitOfWork(UnitOfWork):
    pass
