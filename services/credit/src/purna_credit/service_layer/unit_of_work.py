"""Credit's unit of work: the shared one, plus credit's repositories."""

from __future__ import annotations

from purna_shared.unit_of_work import UnitOfWork


class CreditUnitOfWork(UnitOfWork):
    pass
