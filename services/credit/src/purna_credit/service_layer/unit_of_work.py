"""Credit's unit of work: the shared one, plus credit's repository."""

from __future__ import annotations

from purna_shared.unit_of_work import UnitOfWork

from ..adapters.repository import CreditRepository


class CreditUnitOfWork(UnitOfWork):
    def __post_init__(self) -> None:
        self.repo = CreditRepository(self.session)
