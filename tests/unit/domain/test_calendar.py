"""WorkCalendar on real dates (the 2025 State Council schedule) and as properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiesu.domain.calendar import Deadline, WorkCalendar

SH = ZoneInfo("Asia/Shanghai")

# Every 2025 date that differs from Mon–Fri, from the State Council notice (国办发明电〔2024〕12号).
OFFICIAL_2025: dict[date, bool] = {
    date(2025, 1, 1): False,
    date(2025, 1, 26): True,
    **{date(2025, 1, d): False for d in (28, 29, 30, 31)},
    date(2025, 2, 3): False,
    date(2025, 2, 4): False,
    date(2025, 2, 8): True,
    date(2025, 4, 4): False,
    date(2025, 4, 27): True,
    date(2025, 5, 1): False,
    date(2025, 5, 2): False,
    date(2025, 5, 5): False,
    date(2025, 6, 2): False,
    date(2025, 9, 28): True,
    **{date(2025, 10, d): False for d in (1, 2, 3, 6, 7, 8)},
    date(2025, 10, 11): True,
}


def cal_2025(**kwargs: object) -> WorkCalendar:
    return WorkCalendar(OFFICIAL_2025, loaded_years=[2025], **kwargs)  # type: ignore[arg-type]


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


# -- is_workday ------------------------------------------------------------------------------


def test_adjusted_sunday_is_a_working_day_and_national_day_is_not() -> None:
    cal = cal_2025()
    assert date(2025, 9, 28).weekday() == 6
    assert cal.is_workday(date(2025, 9, 28))
    assert cal.is_workday(date(2025, 10, 11))  # Saturday 调休
    for d in range(1, 9):
        assert not cal.is_workday(date(2025, 10, d))
    assert cal.is_workday(date(2025, 10, 9))


def test_dates_absent_from_overrides_follow_monday_to_friday() -> None:
    cal = cal_2025()
    assert cal.is_workday(date(2025, 3, 3))  # Monday
    assert not cal.is_workday(date(2025, 3, 1))  # Saturday


def test_is_loaded_and_missing_years() -> None:
    cal = cal_2025()
    assert cal.is_loaded(2025)
    assert not cal.is_loaded(2026)
    assert cal.missing_years(date(2025, 6, 1)) == [2026]
    assert cal.missing_years(date(2025, 6, 1), horizon_days=60) == []
    assert cal.missing_years(date(2025, 11, 20), horizon_days=60) == [2026]
    assert cal.missing_years(date(2024, 12, 31), horizon_days=1) == [2024]


# -- add_working_days --------------------------------------------------------------------------


def test_three_working_days_after_september_30_is_october_11() -> None:
    deadline = cal_2025().add_working_days(local(2025, 9, 30, 10), 3)
    assert deadline.at == local(2025, 10, 11, 23, 59, 59).astimezone(UTC)
    assert deadline.at.tzinfo is UTC
    assert not deadline.provisional


def test_counting_starts_the_next_day_even_from_a_working_day() -> None:
    # Monday 2025-03-03 10:00: day 1 is Tuesday.
    deadline = cal_2025().add_working_days(local(2025, 3, 3, 10), 1)
    assert deadline.at == local(2025, 3, 4, 23, 59, 59)


def test_same_day_counting_counts_the_start_day() -> None:
    cal = cal_2025(count_from_next_day=False)
    assert cal.add_working_days(local(2025, 3, 3, 10), 1).at == local(2025, 3, 3, 23, 59, 59)
    # From 2025-09-30 (a working day) the 3rd working day is 10-10, not 10-11.
    assert cal.add_working_days(local(2025, 9, 30, 10), 3).at == local(2025, 10, 10, 23, 59, 59)
    # A holiday start day does not count.
    assert cal.add_working_days(local(2025, 10, 1, 9), 1).at == local(2025, 10, 9, 23, 59, 59)


def test_from_next_day_overrides_the_setting_for_one_call() -> None:
    cal = cal_2025(count_from_next_day=False)
    got = cal.add_working_days(local(2025, 3, 3, 10), 1, from_next_day=True)
    assert got.at == local(2025, 3, 4, 23, 59, 59)


def test_start_is_read_in_the_city_time_zone() -> None:
    # 2025-09-30T17:00Z is 2025-10-01 01:00 in Shanghai, a holiday: with same-day counting the
    # start day must not count (read as UTC it would be 09-30, a working day).
    start = datetime(2025, 9, 30, 17, tzinfo=UTC)
    same_day = cal_2025(count_from_next_day=False)
    assert same_day.add_working_days(start, 1).at == local(2025, 10, 9, 23, 59, 59)
    # 2025-09-27T17:00Z is Sunday 09-28 01:00 local (调休): day 1 is Monday 09-29, whereas
    # reading it as Saturday 09-27 would make day 1 the Sunday.
    late_saturday = datetime(2025, 9, 27, 17, tzinfo=UTC)
    assert cal_2025().add_working_days(late_saturday, 1).at == local(2025, 9, 29, 23, 59, 59)


def test_configurable_end_of_day_and_zone() -> None:
    cal = WorkCalendar(tz="Europe/Berlin", end_of_day=time(18, 0))
    deadline = cal.add_working_days(datetime(2025, 3, 3, 9, tzinfo=UTC), 1)
    assert deadline.at == datetime(2025, 3, 4, 17, 0, tzinfo=UTC)  # 18:00 CET
    with pytest.raises(ValueError):
        WorkCalendar(end_of_day=time(18, 0, tzinfo=UTC))


def test_zero_days_is_end_of_start_day_and_negative_is_rejected() -> None:
    cal = cal_2025()
    assert cal.add_working_days(local(2025, 3, 1, 8), 0) == Deadline(
        local(2025, 3, 1, 23, 59, 59).astimezone(UTC), provisional=False
    )
    with pytest.raises(ValueError):
        cal.add_working_days(local(2025, 3, 1, 8), -1)


def test_naive_datetimes_are_rejected() -> None:
    cal = cal_2025()
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(datetime(2025, 3, 3, 10), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_hours(datetime(2025, 3, 3, 10), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.subtract_working_days(datetime(2025, 3, 3, 10), 1)


# -- provisional years -----------------------------------------------------------------------


def test_deadline_in_an_unloaded_year_is_provisional_and_recomputed_on_load() -> None:
    cal = WorkCalendar(loaded_years=[2026])
    start = local(2026, 12, 20, 10)
    before = cal.add_working_days(start, 15)
    # Mon–Fri from Mon 12-21: 12-21..12-31 is 9 days, then 2027-01-01 (Fri) and 01-04..01-08.
    assert before.at == local(2027, 1, 8, 23, 59, 59)
    assert before.provisional

    loaded = cal.with_year(2027, {date(2027, 1, 1): False})
    after = loaded.add_working_days(start, 15)
    assert not after.provisional
    assert after.at == local(2027, 1, 11, 23, 59, 59)


def test_a_rest_day_in_an_unloaded_year_makes_the_result_provisional() -> None:
    # Fri 2026-12-31 start, one working day: looks at Sat 2027-01-01 .. Mon 01-04.
    cal = WorkCalendar(loaded_years=[2026])
    assert cal.add_working_days(local(2026, 12, 30, 9), 1).provisional is False
    assert cal.add_working_days(local(2026, 12, 31, 9), 1).provisional is True


def test_overrides_outside_loaded_years_apply_but_stay_provisional() -> None:
    cal = WorkCalendar({date(2027, 1, 1): False}, loaded_years=[2026])
    got = cal.add_working_days(local(2026, 12, 31, 9), 1)
    assert got.at == local(2027, 1, 4, 23, 59, 59)
    assert got.provisional


def test_from_years_and_with_year_validate_the_year() -> None:
    cal = WorkCalendar.from_years({2025: OFFICIAL_2025})
    assert cal.loaded_years == frozenset({2025})
    assert not cal.is_workday(date(2025, 10, 1))
    with pytest.raises(ValueError):
        WorkCalendar.from_years({2026: {date(2025, 10, 1): False}})
    with pytest.raises(ValueError):
        cal.with_year(2026, {date(2025, 10, 1): False})
    # Reloading a year replaces its old data.
    reloaded = cal.with_year(2025, {})
    assert reloaded.is_workday(date(2025, 10, 1))
    assert dict(reloaded.overrides) == {}


# -- hours -------------------------------------------------------------------------------------


def test_hours_are_wall_clock_across_holidays() -> None:
    cal = cal_2025()
    start = datetime(2025, 9, 30, 17, tzinfo=UTC)  # 2025-10-01 01:00 in Shanghai, a holiday
    got = cal.add_hours(start, 24)
    assert got == Deadline(datetime(2025, 10, 1, 17, tzinfo=UTC), provisional=False)
    # Also across a weekend, and in a year that is not loaded: never provisional.
    assert cal.add_hours(local(2030, 1, 4, 20), 2).provisional is False
    assert cal.add_hours(local(2025, 3, 7, 23), 2).at == local(2025, 3, 8, 1)
    with pytest.raises(ValueError):
        cal.add_hours(start, -1)


def test_add_hours_returns_utc() -> None:
    got = cal_2025().add_hours(local(2025, 3, 3, 10), 0.5)
    assert got.at.tzinfo is UTC
    assert got.at == datetime(2025, 3, 3, 2, 30, tzinfo=UTC)


def test_add_duration_uses_elapsed_time_across_dst() -> None:
    # 2025-03-30 02:00 CET jumps to 03:00 CEST: 2 real hours from 01:00 CET is 04:00 CEST.
    cal = WorkCalendar(tz="Europe/Berlin")
    start = datetime(2025, 3, 30, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    got = cal.add_duration(start, timedelta(hours=2))
    assert got.at.astimezone(ZoneInfo("Europe/Berlin")).hour == 4


# -- between / subtract -------------------------------------------------------------------------


def test_working_days_between_on_real_dates() -> None:
    cal = cal_2025()
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert cal.working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
    assert cal.working_days_between(date(2025, 9, 27), date(2025, 9, 28)) == 1
    assert cal.working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert cal.working_days_between(date(2025, 3, 3), date(2025, 3, 3)) == 0
    # A whole year: 261 weekdays - 18 weekday holidays + 5 调休 weekend days = 248.
    assert cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248


def test_subtract_working_days_skips_holidays_and_keeps_the_wall_time() -> None:
    cal = cal_2025()
    due = local(2025, 10, 9, 23, 59, 59)
    assert cal.subtract_working_days(due, 1) == local(2025, 9, 30, 23, 59, 59)
    assert cal.subtract_working_days(due, 2) == local(2025, 9, 29, 23, 59, 59)
    assert cal.subtract_working_days(due, 3) == local(2025, 9, 28, 23, 59, 59)
    assert cal.subtract_working_days(due, 0) == due
    assert cal.subtract_working_days(due, 1).tzinfo is UTC
    with pytest.raises(ValueError):
        cal.subtract_working_days(due, -1)


# -- properties --------------------------------------------------------------------------------

years = st.integers(min_value=2024, max_value=2027)
any_day = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
overrides = st.dictionaries(any_day, st.booleans(), max_size=60)
calendars = st.builds(
    WorkCalendar,
    days=overrides,
    loaded_years=st.frozensets(years),
    count_from_next_day=st.booleans(),
)
starts = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2026, 12, 31),
    timezones=st.sampled_from([UTC, SH, ZoneInfo("America/New_York")]),
)
counts = st.integers(min_value=1, max_value=40)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=starts, n=counts)
def test_deadline_lands_on_a_working_day_at_end_of_day(
    cal: WorkCalendar, start: datetime, n: int
) -> None:
    got = cal.add_working_days(start, n)
    at_local = got.at.astimezone(cal.tz)
    assert got.at.tzinfo is UTC
    assert cal.is_workday(at_local.date())
    assert at_local.time() == cal.end_of_day
    assert at_local.date() >= cal.local_date(start)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=starts, n=counts)
def test_more_days_never_give_an_earlier_deadline(
    cal: WorkCalendar, start: datetime, n: int
) -> None:
    a, b = cal.add_working_days(start, n), cal.add_working_days(start, n + 1)
    assert a.at < b.at
    # A longer count looks at every day the shorter one did.
    assert b.provisional or not a.provisional


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=starts, n=counts)
def test_working_days_between_inverts_add_working_days(
    cal: WorkCalendar, start: datetime, n: int
) -> None:
    got = cal.add_working_days(start, n)
    first = cal.local_date(start)
    if not cal.count_from_next_day:
        first -= timedelta(days=1)  # the start day itself is counted
    assert cal.working_days_between(first, cal.local_date(got.at)) == n


@settings(max_examples=200, deadline=None)
@given(cal=calendars, a=any_day, b=any_day)
def test_working_days_between_matches_day_by_day_count(cal: WorkCalendar, a: date, b: date) -> None:
    lo, hi = min(a, b), max(a, b)
    slow = sum(cal.is_workday(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    assert cal.working_days_between(lo, hi) == slow
    assert cal.working_days_between(hi, lo) == -slow


@settings(max_examples=200, deadline=None)
@given(cal=calendars, a=any_day, b=any_day, c=any_day)
def test_working_days_between_is_additive(cal: WorkCalendar, a: date, b: date, c: date) -> None:
    assert cal.working_days_between(a, b) + cal.working_days_between(
        b, c
    ) == cal.working_days_between(a, c)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=starts, n=counts)
def test_subtract_undoes_add_on_working_days(cal: WorkCalendar, start: datetime, n: int) -> None:
    due = cal.add_working_days(start, n)
    back = cal.subtract_working_days(due.at, n)
    back_day = cal.local_date(back)
    assert cal.working_days_between(back_day, cal.local_date(due.at)) == n
    assert back.astimezone(cal.tz).time() == cal.end_of_day


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=starts, n=counts)
def test_fully_loaded_range_is_never_provisional(
    cal: WorkCalendar, start: datetime, n: int
) -> None:
    full = WorkCalendar(
        cal.overrides, loaded_years=range(2023, 2030), count_from_next_day=cal.count_from_next_day
    )
    assert not full.add_working_days(start, n).provisional
