"""Working-day arithmetic on a set of days off (pure: no database, no clock)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

SATURDAY = 5


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekends plus the given days off (national holidays and cuti bersama)."""

    days_off: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, days_off: Iterable[date]) -> WorkingCalendar:
        return cls(frozenset(days_off))

    def years_without_days_off(self, start: date, end: date) -> list[int]:
        """Years from ``start`` to ``end`` for which no day off is known (not entered yet)."""
        known = {d.year for d in self.days_off}
        return [year for year in range(start.year, end.year + 1) if year not in known]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in self.days_off

    def add(self, start: date, working_days: int) -> date:
        """The date ``working_days`` working days after ``start``.

        The day of receipt is not counted (UU 14/2008 Pasal 22: "paling lambat 10
        hari kerja sejak diterimanya permintaan"): a request received on a Monday
        with no holiday that fortnight is due on the Monday two weeks later.
        """
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        day = start
        remaining = working_days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when
        ``end`` is before ``start``): how many have passed, or how many are left."""
        if end < start:
            return -self.between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
