"""The real calendar of a run: day 0 is `sim.start_date`; weekdays, Chinese public holidays and the
make-up working days (调休) follow the calendar of the year (ODD 2.3, input data).

Which days are official working days (工作日), by year:

1. years the State Council has announced (2004 to the last year the installed `chinesecalendar`
   package knows; 2026 in version 1.11): the announcement, with its holidays and the weekend days
   worked in exchange (调休);
2. other years from 1950 to 2100: the statutory holidays of the 全国年节及纪念日放假办法 computed by
   the `holidays` package (lunar festivals included, and a day in lieu when a holiday falls on a
   weekend), with weekends off; the make-up Saturdays and Sundays are not known in advance, so
   none are worked;
3. beyond 2100: weekends and the fixed-date holidays (元旦 1 Jan, 劳动节 1 May, 国庆节 1-3 Oct).

The per-day arrays are computed once, for whole calendar years, and grow if a run goes on past
`sim.days`: hot paths read arrays, never the packages.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np

FIRST_YEAR, LAST_YEAR = 1950, 2100  # the start dates allowed: years the `holidays` package computes
START_DATE_RULE = (f"an ISO date YYYY-MM-DD from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31 "
                   "(day 0 of the run)")
FIXED_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))  # month, day: the fallback beyond 2100
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_start_date(text: object) -> dt.date | None:
    """The date `text` names (strictly YYYY-MM-DD, within the allowed years), or None."""
    if not isinstance(text, str) or not _ISO.fullmatch(text):
        return None
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return date if FIRST_YEAR <= date.year <= LAST_YEAR else None


def parse_month_day(text: object) -> int | None:
    """'MM-DD' as month * 100 + day (29 February allowed), or None when it is not such a date."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{2}-\d{2}", text):
        return None
    try:
        date = dt.date.fromisoformat(f"2000-{text}")  # a leap year
    except ValueError:
        return None
    return date.month * 100 + date.day


@lru_cache(maxsize=256)
def year_workdays(year: int) -> tuple[np.ndarray, str]:
    """(official working day, one bool per day of `year`), and which source said so."""
    first = dt.date(year, 1, 1)
    days = [first + dt.timedelta(i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
    announced = _announced(days)
    if announced is not None:
        return announced, "announced"
    if year <= LAST_YEAR:
        import holidays

        off = holidays.China(years=year)
        return np.array([d.weekday() < 5 and d not in off for d in days]), "computed"
    return np.array([d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS for d in days]), "weekends"


def _announced(days: list[dt.date]) -> np.ndarray | None:
    import chinese_calendar

    try:
        return np.array([chinese_calendar.is_workday(d) for d in days])
    except NotImplementedError:  # a year the package has no announcement for
        return None


class Dates:
    """Per-day calendar facts of a run, day 0 = `start`: the date, the weekday (0 = Monday), whether
    it is an official working day, its month * 100 + day (for seasons) and its year."""

    def __init__(self, start: dt.date, days: int = 366) -> None:
        self.start = start
        self.workday = np.zeros(0, dtype=bool)
        self.weekday = np.zeros(0, dtype=np.int64)
        self.month_day = np.zeros(0, dtype=np.int64)
        self.year = np.zeros(0, dtype=np.int64)
        self.ensure(max(1, days) - 1)

    def __len__(self) -> int:
        return len(self.workday)

    def ensure(self, day: int) -> None:
        """Make the arrays reach `day`: whole calendar years at a time."""
        while len(self) <= day:
            self._add_year(self.date(len(self)).year)

    def _add_year(self, year: int) -> None:
        first = max(self.date(len(self)), dt.date(year, 1, 1))
        offset = first.timetuple().tm_yday - 1
        work, _ = year_workdays(year)
        dates = [first + dt.timedelta(i) for i in range(len(work) - offset)]
        self.workday = np.concatenate([self.workday, work[offset:]])
        self.weekday = np.concatenate([self.weekday, [d.weekday() for d in dates]])
        self.month_day = np.concatenate([self.month_day, [d.month * 100 + d.day for d in dates]])
        self.year = np.concatenate([self.year, np.full(len(dates), year)])

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def iso(self, day: int) -> str:
        return self.date(day).isoformat()

    def is_workday(self, day: int) -> bool:
        if day >= len(self):
            self.ensure(day)
        return bool(self.workday[day])


def year_days(year: int) -> tuple[np.ndarray, np.ndarray]:
    """(official working day, month * 100 + day), one entry per day of the calendar year `year`."""
    work, _ = year_workdays(year)
    first = dt.date(year, 1, 1)
    md = np.array([(d.month * 100 + d.day) for d in (first + dt.timedelta(i) for i in range(len(work)))])
    return work, md


def in_season(month_day: np.ndarray, start: int, end: int) -> np.ndarray:
    """Whether each month * 100 + day lies in the window from `start` to `end`, both included; a
    window whose end comes before its start runs over the new year (20 Oct - 20 Apr)."""
    if start <= end:
        return (month_day >= start) & (month_day <= end)
    return (month_day >= start) | (month_day <= end)
