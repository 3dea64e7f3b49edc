"""The numbers of the training rules, kept in one place (see ../shared/domain.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

#: BP3MI NTB runs a village training over about four days ...
DEFAULT_SESSION_DAYS: Final = 4
#: ... for about 20 participants
DEFAULT_CAPACITY: Final = 20
#: a participant completes when present on at least this share of the session days
DEFAULT_MIN_ATTENDANCE_SHARE: Final = Decimal("0.75")

#: upper bounds that catch typing errors (a 400-seat or a three-month village training)
MAX_CAPACITY: Final = 200
MAX_SESSION_DAYS: Final = 31

#: attendance rates are shown (API, events) with this many decimal places
ATTENDANCE_RATE_PLACES: Final = 4
