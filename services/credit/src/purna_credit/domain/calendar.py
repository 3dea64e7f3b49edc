"""Credit's calendar is the assessing office's: validity, decision, disbursement and schedule
dates are calendar dates in the zone of the BP3MI office that made the assessment
(``purna_shared.reference``), read with the one ``purna_shared.clock.local_date``.

An office not in the reference data gets the westernmost zone, whose date is the earliest in
Indonesia: a validity then never ends early; it may end a few hours late in the east.
"""

from __future__ import annotations

from datetime import date, datetime

from purna_shared.clock import local_date
from purna_shared.reference import Zone, office_zone

#: the zone whose date is the earliest anywhere in Indonesia
WESTERNMOST: Zone = min(Zone, key=lambda zone: zone.utc_offset())


def office_date(moment: datetime, office: str) -> date:
    """The calendar date at ``moment`` for ``office``."""
    return local_date(moment, office_zone(office, default=WESTERNMOST).tz)
