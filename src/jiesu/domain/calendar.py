"""Working-day calendar (工作日历) for SLA deadlines.

China's official calendar has 调休: some weekends are working days and some weekdays are
holidays, and year N is only published late in year N-1. A `WorkCalendar` therefore knows which
years are *loaded*; outside them it falls back to Mon–Fri and marks results provisional, so an
appeal is never refused because of the calendar (DESIGN §4).

Pure standard library: the data comes from `jiesu.adapters.calendar_source` or the database.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """A computed due time (aware, UTC); provisional if it depends on an unloaded year."""

    at: datetime
    provisional: bool


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime would be read in the server's zone, which silently shifts deadlines.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _weekday_default(d: date) -> bool:
    return d.weekday() < 5


def _weekdays_upto(d: date) -> int:
    """Number of Mon–Fri days in (epoch, d] for a fixed Monday epoch; used for O(1) ranges."""
    ordinal = d.toordinal()  # ordinal 1 (0001-01-01) is a Monday
    weeks, rest = divmod(ordinal, 7)
    # `rest` days of a started week beyond the full weeks: days 1..rest, i.e. Mon..; cap at 5.
    return weeks * 5 + min(rest, 5)


class WorkCalendar:
    """Which dates are working days in the city's time zone, and deadline arithmetic on them.

    `days` holds explicit overrides (True = working day, False = holiday or rest day); a date
    absent from it follows Mon–Fri. Overrides are honoured in any year, but only years in
    `loaded_years` are complete, official data; any result that looked at a day of another
    year is provisional.
    """

    def __init__(
        self,
        days: Mapping[date, bool] = {},
        loaded_years: Iterable[int] = (),
        tz: str = "Asia/Shanghai",
        count_from_next_day: bool = True,
        end_of_day: time = time(23, 59, 59),
    ) -> None:
        if end_of_day.tzinfo is not None:
            raise ValueError("end_of_day is a local wall time and must be naive")
        self._days: dict[date, bool] = dict(days)
        # Only overrides that differ from Mon–Fri change counts; sorted for range queries.
        self._changes: list[date] = sorted(
            d for d, work in self._days.items() if work != _weekday_default(d)
        )
        self._loaded: frozenset[int] = frozenset(loaded_years)
        self.tz: ZoneInfo = ZoneInfo(tz)
        self.count_from_next_day = count_from_next_day
        self.end_of_day = end_of_day

    # -- construction helpers ---------------------------------------------------------------

    @classmethod
    def from_years(
        cls,
        years: Mapping[int, Mapping[date, bool]],
        *,
        tz: str = "Asia/Shanghai",
        count_from_next_day: bool = True,
        end_of_day: time = time(23, 59, 59),
    ) -> WorkCalendar:
        """Build from per-year override maps (as returned by the calendar sources); all loaded."""
        days: dict[date, bool] = {}
        for year, overrides in years.items():
            for d, work in overrides.items():
                if d.year != year:
                    raise ValueError(f"{d.isoformat()} listed under year {year}")
                days[d] = work
        return cls(days, years.keys(), tz, count_from_next_day, end_of_day)

    def with_year(self, year: int, overrides: Mapping[date, bool]) -> WorkCalendar:
        """A copy with `year` loaded from `overrides` (replacing any earlier data for that year)."""
        days = {d: w for d, w in self._days.items() if d.year != year}
        for d, work in overrides.items():
            if d.year != year:
                raise ValueError(f"{d.isoformat()} is not in year {year}")
            days[d] = work
        return WorkCalendar(
            days,
            self._loaded | {year},
            self.tz.key,
            self.count_from_next_day,
            self.end_of_day,
        )

    def without_years(self, years: Iterable[int]) -> WorkCalendar:
        """A copy with `years` not loaded and their entries dropped (Mon–Fri): the calendar a
        provisional deadline was counted on before those years were loaded."""
        gone = frozenset(years)
        return WorkCalendar(
            {d: w for d, w in self._days.items() if d.year not in gone},
            self._loaded - gone,
            self.tz.key,
            self.count_from_next_day,
            self.end_of_day,
        )

    @property
    def loaded_years(self) -> frozenset[int]:
        """Years whose official calendar is loaded."""
        return self._loaded

    @property
    def overrides(self) -> Mapping[date, bool]:
        """The explicit per-date entries, read-only."""
        return MappingProxyType(self._days)

    # -- queries -------------------------------------------------------------------------

    def is_loaded(self, year: int) -> bool:
        """True when the official calendar of `year` is loaded (results are final)."""
        return year in self._loaded

    def is_workday(self, d: date) -> bool:
        """True when `d` is a working day (调休 and holidays applied, else Mon–Fri)."""
        work = self._days.get(d)
        return _weekday_default(d) if work is None else work

    def local_date(self, at: datetime) -> date:
        """The city-local calendar date of an aware instant."""
        _require_aware(at, "at")
        return at.astimezone(self.tz).date()

    def missing_years(self, around: date, *, horizon_days: int | None = None) -> list[int]:
        """Years a deadline computed at `around` may need that are not loaded.

        By default this year and next year (the next year's schedule appears late in the year);
        with `horizon_days`, only years touched by [around, around + horizon_days].
        """
        if horizon_days is None:
            years = [around.year, around.year + 1]
        else:
            if horizon_days < 0:
                raise ValueError("horizon_days must be >= 0")
            last = around + timedelta(days=horizon_days)
            years = list(range(around.year, last.year + 1))
        return [y for y in years if y not in self._loaded]

    # -- arithmetic ------------------------------------------------------------------------

    def _end_of(self, d: date) -> datetime:
        return datetime.combine(d, self.end_of_day, tzinfo=self.tz).astimezone(UTC)

    def add_working_days(
        self, start: datetime, n: int, *, from_next_day: bool | None = None
    ) -> Deadline:
        """Deadline at end_of_day (local) of the n-th working day counted from `start`.

        With count_from_next_day, day 1 is the first working day after start's local date even
        when that date is itself a working day; otherwise start's date is day 1 if it is a
        working day. `from_next_day` overrides the calendar's setting for one call (extensions
        always count from the day after the old deadline). n == 0 means the end of start's own
        local day.
        """
        _require_aware(start, "start")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start.astimezone(self.tz).date()
        if n == 0:
            return Deadline(self._end_of(day), provisional=False)
        if self.count_from_next_day if from_next_day is None else from_next_day:
            day += _ONE_DAY
        provisional = False
        counted = 0
        while True:
            # Every day looked at decides the result, rest days included, so each one can
            # make the deadline provisional.
            if day.year not in self._loaded:
                provisional = True
            if self.is_workday(day):
                counted += 1
                if counted == n:
                    return Deadline(self._end_of(day), provisional)
            day += _ONE_DAY

    def add_duration(self, start: datetime, delta: timedelta) -> Deadline:
        """Wall-clock deadline: elapsed real time, ignoring weekends and holidays."""
        _require_aware(start, "start")
        if delta < timedelta(0):
            raise ValueError("duration must be >= 0")
        # Arithmetic in UTC so a DST change in a configured zone cannot add or lose an hour.
        return Deadline((start.astimezone(UTC) + delta), provisional=False)

    def add_hours(self, start: datetime, hours: float) -> Deadline:
        """Wall-clock deadline `hours` after start; never provisional."""
        return self.add_duration(start, timedelta(hours=hours))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; negative when end < start.

        So `add_working_days` (counting from the next day) from a start on local date s lands
        on a date e with working_days_between(s, e) == n, and the count is additive:
        between(a, b) + between(b, c) == between(a, c).
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = _weekdays_upto(end) - _weekdays_upto(start)
        lo = bisect.bisect_right(self._changes, start)
        hi = bisect.bisect_right(self._changes, end)
        for d in self._changes[lo:hi]:
            # Each listed change flips one day away from its Mon–Fri default.
            count += 1 if self._days[d] else -1
        return count

    def subtract_working_days(self, at: datetime, n: int) -> datetime:
        """The same local wall time on the n-th working day before at's local date, in UTC.

        Used for "1 working day before due": a deadline at the end of day D gives the end of
        the working day before D.
        """
        _require_aware(at, "at")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        local = at.astimezone(self.tz)
        if n == 0:
            return local.astimezone(UTC)
        day = local.date()
        counted = 0
        while counted < n:
            day -= _ONE_DAY
            if self.is_workday(day):
                counted += 1
        moved = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.tz)
        return moved.astimezone(UTC)
