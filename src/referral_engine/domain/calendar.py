"""Due dates: calendar days, or working days that skip weekends and configured public holidays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are not working days: weekdays by number (Monday=0) and listed holidays."""

    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = field(default_factory=frozenset)

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
