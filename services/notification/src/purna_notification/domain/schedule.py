"""When a message may go out: quiet hours for phone channels and the session reminder's time.

NTB keeps WITA (Asia/Makassar, UTC+8, no daylight saving): people read their phones in WITA,
so every rule here is stated in WITA and every stored moment stays UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import Channel

WITA = ZoneInfo("Asia/Makassar")

#: Channels that ring a phone and therefore respect quiet hours; e-mail waits in an inbox.
PHONE_CHANNELS: frozenset[Channel] = frozenset({"sms", "whatsapp"})


def to_wita(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store and pass aware (UTC) moments")
    return moment.astimezone(WITA)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """``start`` to ``end`` in WITA, wrapping midnight when ``start > end`` (21:00-07:00).
    ``start == end`` means no quiet hours at all."""

    start: time
    end: time

    def contains(self, moment: datetime) -> bool:
        local = to_wita(moment).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, channel: Channel, moment: datetime) -> datetime:
        """``moment`` itself when ``channel`` may be used then; else the end of the quiet hours
        (UTC), e.g. an SMS due at 22:00 WITA goes at 07:00 WITA the next morning."""
        if channel not in PHONE_CHANNELS or not self.contains(moment):
            return moment
        local = to_wita(moment)
        end_today = datetime.combine(local.date(), self.end, tzinfo=WITA)
        end = end_today if local < end_today else end_today + timedelta(days=1)
        return end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ReminderRule:
    """A reminder goes ``days_before`` the session's first day at ``at`` WITA (09:00 the eve)."""

    days_before: int
    at: time

    def reminder_time(self, start_date: date) -> datetime:
        local = datetime.combine(start_date - timedelta(days=self.days_before), self.at, WITA)
        return local.astimezone(UTC)

    def reminder_due(self, start_date: date, now: datetime) -> datetime | None:
        """When to remind someone enrolled ``now``; ``None`` when that moment has passed (the
        enrolment confirmation then is the reminder)."""
        moment = self.reminder_time(start_date)
        return moment if moment > now else None
