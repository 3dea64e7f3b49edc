"""When a message may go out: quiet hours for phone channels and the session reminder's time.

People read their phones in their own zone, so every rule here is stated in wall-clock time and
applied in the recipient's zone (``purna_shared.reference.Zone``: from their address, else their
office's); every stored moment stays UTC. Indonesia has no daylight saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from purna_shared.reference import Zone, office_zone

from .model import Channel

#: The office whose zone applies to a recipient with neither a known province nor a known
#: office (a deployment sets its own: ``NOTIFICATION_HOME_OFFICE``)
DEFAULT_HOME_OFFICE = "NTB"


def home_zone(office: str = DEFAULT_HOME_OFFICE) -> Zone:
    return office_zone(office)


#: Channels that ring a phone and therefore respect quiet hours; e-mail waits in an inbox.
PHONE_CHANNELS: frozenset[Channel] = frozenset({"sms", "whatsapp"})


def to_local(moment: datetime, zone: Zone) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store and pass aware (UTC) moments")
    return zone.local(moment)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """``start`` to ``end`` in the recipient's zone, wrapping midnight when ``start > end``
    (21:00-07:00). ``start == end`` means no quiet hours at all."""

    start: time
    end: time

    def contains(self, moment: datetime, zone: Zone) -> bool:
        local = to_local(moment, zone).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, channel: Channel, moment: datetime, zone: Zone) -> datetime:
        """``moment`` itself when ``channel`` may be used then; else the end of the quiet hours
        in ``zone`` (as UTC): an SMS due at 21:30 in Surabaya goes at 07:00 Surabaya time the
        next morning; one due at the same instant to someone in Lombok (22:30 there) at 07:00
        Lombok time, an hour earlier."""
        if channel not in PHONE_CHANNELS or not self.contains(moment, zone):
            return moment
        local = to_local(moment, zone)
        end_today = zone.at(local.date(), self.end)
        end = end_today if local < end_today else end_today + timedelta(days=1)
        return end.astimezone(UTC)

    def quiet_zones(self, moment: datetime) -> frozenset[Zone]:
        """The zones in which phone channels are silent at ``moment``."""
        return frozenset(zone for zone in Zone if self.contains(moment, zone))


@dataclass(frozen=True, slots=True)
class ReminderRule:
    """A reminder goes ``days_before`` the session's first day at ``at`` in the recipient's
    zone (09:00 the eve)."""

    days_before: int
    at: time

    def reminder_time(self, start_date: date, zone: Zone) -> datetime:
        local = zone.at(start_date - timedelta(days=self.days_before), self.at)
        return local.astimezone(UTC)

    def reminder_due(self, start_date: date, now: datetime, zone: Zone) -> datetime | None:
        """When to remind someone enrolled ``now``; ``None`` when that moment has passed (the
        enrolment confirmation then is the reminder)."""
        moment = self.reminder_time(start_date, zone)
        return moment if moment > now else None
