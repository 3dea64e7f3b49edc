"""Notification's unit of work: the shared one, plus notification's repositories."""

from __future__ import annotations

from purna_shared.unit_of_work import UnitOfWork


class NotificationUnitOfWork(UnitOfWork):
    pass
