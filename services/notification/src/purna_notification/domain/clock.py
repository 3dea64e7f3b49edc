"""Time as a dependency, so that quiet hours and reminders can be tested at 22:00 WITA: the
shared clocks (``purna_shared.clock``), under the names notification's code and tests use."""

from __future__ import annotations

from purna_shared.clock import Clock, SystemClock
from purna_shared.clock import FixedClock as ControlledClock

__all__ = ["Clock", "ControlledClock", "SystemClock"]
