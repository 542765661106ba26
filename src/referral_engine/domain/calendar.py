"""Due dates: calendar days, or working days that skip weekends and configured public holidays;
and the workflow's local day of a moment (its time zone), on which dates entered are judged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are not working days: weekdays by number (Monday=0) and listed holidays; and
    the time zone whose day is the workflow's "today" (the loader reads it, so no file is read
    here)."""

    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = field(default_factory=frozenset)
    time_zone: tzinfo = UTC

    def day(self, moment: datetime) -> date:
        """The local day of `moment` (an aware time) in the workflow's time zone: a step taken
        at 01:00 in Kyiv is taken on that Kyiv day, though it is still the day before in UTC."""
        return moment.astimezone(self.time_zone).date()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def add(self, start: date, days: int, *, working: bool) -> date:
        """The day `days` calendar or working days after `start`."""
        if not working:
            return start + timedelta(days=days)
        current, left = start, days
        while left > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def before(self, end: date, days: int, *, working: bool) -> date:
        """The day `days` calendar or working days before `end` (`add` backwards)."""
        if not working:
            return end - timedelta(days=days)
        current, left = end, days
        while left > 0:
            current -= timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current


def add_months(start: date, months: int) -> date:
    """The same day of the month `months` calendar months after `start`, or that month's last
    day when it has no such day (one month after 31 January is 28 or 29 February)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    following = date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(start.day, (following - timedelta(days=1)).day))
