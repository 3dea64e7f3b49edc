"""Dates as the office handling a case sees them: validity and due dates are calendar dates in
the zone of the BP3MI office that made the assessment (``purna_shared.reference``).

An office not in the reference data gets the westernmost zone, whose date is the earliest in
Indonesia: a validity then never ends early, it may end a few hours late.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from purna_shared.reference import Zone, office_zone, seed_offices

#: the zone whose date is the earliest anywhere in Indonesia
WESTERNMOST: Zone = min(Zone, key=lambda zone: zone.utc_offset())


def local_date(moment: datetime, zone: Zone) -> date:
    """The calendar date of an aware timestamp in ``zone``."""
    return zone.local_date(moment)


def zone_of_office(office: str) -> Zone:
    return office_zone(office, default=WESTERNMOST)


def office_date(moment: datetime, office: str) -> date:
    """The calendar date at ``moment`` for ``office`` (validity, schedules, disbursement)."""
    return local_date(moment, zone_of_office(office))


def offices_by_zone() -> dict[Zone, list[str]]:
    """The known offices grouped by zone (a sweep compares each group with its own today)."""
    groups: dict[Zone, list[str]] = defaultdict(list)
    for office in seed_offices().values():
        groups[office.zone].append(office.code)
    return dict(groups)
