"""Training's unit of work: the shared one, plus training's repository."""

from __future__ import annotations

from purna_shared.unit_of_work import UnitOfWork

from ..adapters.repository import TrainingRepository


class TrainingUnitOfWork(UnitOfWork):
    def __post_init__(self) -> None:
        self.repo = TrainingRepository(self.session)
