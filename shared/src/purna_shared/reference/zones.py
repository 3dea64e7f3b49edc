"""Indonesia's three time zones. The only place in Purna that names a zone (a test checks it).

No daylight saving anywhere in Indonesia, so each zone is a fixed UTC offset; the IANA names
are used anyway so that ``zoneinfo`` stays the one source of truth for offsets.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo


class Zone(StrEnum):
    """Waktu Indonesia Barat / Tengah / Timur (western, central, eastern Indonesian time)."""

    WIB = "WIB"
    WITA = "WITA"
    WIT = "WIT"

    @property
    def iana(self) -> str:
        return _IANA[self]

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.iana)  # ZoneInfo caches instances per key

    @property
    def abbreviation(self) -> str:
        """How Indonesians write it after a time: ``09.00 WIB``."""
        return self.value

    def utc_offset(self) -> timedelta:
        offset = datetime(2000, 1, 1, tzinfo=self.tz).utcoffset()
        assert offset is not None
        return offset

    def local(self, moment: datetime) -> datetime:
        """``moment`` (aware) as wall-clock time in this zone."""
        return moment.astimezone(self.tz)

    def local_date(self, moment: datetime) -> date:
        """The calendar day in this zone at ``moment`` (aware)."""
        return moment.astimezone(self.tz).date()

    def at(self, day: date, clock: time) -> datetime:
        """The aware moment of wall-clock ``clock`` on ``day`` in this zone."""
        return datetime.combine(day, clock, tzinfo=self.tz)


_IANA: dict[Zone, str] = {
    Zone.WIB: "Asia/Jakarta",
    Zone.WITA: "Asia/Makassar",
    Zone.WIT: "Asia/Jayapura",
}


def latest_date(moment: datetime) -> date:
    """The calendar date at ``moment`` in Indonesia's easternmost zone: the latest date it is
    anywhere in the country (a date not after it has come somewhere)."""
    return max(zone.local_date(moment) for zone in Zone)


def earliest_date(moment: datetime) -> date:
    """The date at ``moment`` in the westernmost zone: the earliest date it is anywhere."""
    return min(zone.local_date(moment) for zone in Zone)
