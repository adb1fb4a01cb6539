"""Calendar sources: the chinesecalendar package and admin CSV files, fed into WorkCalendar."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jiesu.adapters.calendar_source import (
    CalendarYearUnavailable,
    calendar_csv,
    covered_years,
    official_year,
    official_years,
    read_calendar_csv,
)
from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.deadlines import Limit, due

SH = ZoneInfo("Asia/Shanghai")


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


# -- the package -------------------------------------------------------------------------------


def test_package_covers_2004_to_at_least_2026() -> None:
    years = covered_years()
    assert years[0] == 2004
    assert years[-1] >= 2026
    assert years == list(range(years[0], years[-1] + 1))


def test_official_2025_matches_the_state_council_notice() -> None:
    got = official_year(2025)
    assert got == {
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


def test_official_year_lists_only_differences_from_monday_to_friday() -> None:
    for year in (2024, 2026):
        for d, work in official_year(year).items():
            assert d.year == year
            assert work != (d.weekday() < 5)


def test_package_calendar_gives_the_national_day_deadline() -> None:
    cal = WorkCalendar.from_years(official_years([2025]))
    assert cal.is_workday(date(2025, 9, 28))  # Sunday 调休
    assert not any(cal.is_workday(date(2025, 10, d)) for d in range(1, 9))
    got = cal.add_working_days(local(2025, 9, 30, 10), 3)
    assert got.at == local(2025, 10, 11, 23, 59, 59).astimezone(UTC)
    assert not got.provisional
    same_day = WorkCalendar.from_years(official_years([2025]), count_from_next_day=False)
    assert same_day.add_working_days(local(2025, 9, 30, 10), 3).at == local(
        2025, 10, 10, 23, 59, 59
    )


def test_hours_from_a_utc_start_are_wall_clock_over_the_holiday() -> None:
    cal = WorkCalendar.from_years(official_years([2025]))
    start = datetime.fromisoformat("2025-09-30T17:00:00+00:00")
    assert cal.local_date(start) == date(2025, 10, 1)
    assert not cal.is_workday(cal.local_date(start))
    got = due(cal, start, Limit.hours(24))
    assert got.at == datetime(2025, 10, 1, 17, tzinfo=UTC)
    assert not got.provisional


def test_uncovered_year_raises_a_clear_error_in_chinese() -> None:
    year = covered_years()[-1] + 1
    with pytest.raises(CalendarYearUnavailable, match=f"未收录 {year} 年的官方工作日历.*CSV"):
        official_year(year)
    with pytest.raises(CalendarYearUnavailable, match="未收录 1999 年"):
        official_year(1999)


# -- 2026 into 2027: provisional, then loaded from a CSV ---------------------------------------


def test_unloaded_2027_is_provisional_until_a_csv_loads_it(tmp_path: Path) -> None:
    package = official_years([2026])
    cal = WorkCalendar.from_years(package)
    start = local(2026, 12, 20, 10)
    before = due(cal, start, Limit.workdays(15))
    assert before.provisional
    assert before.at == local(2027, 1, 8, 23, 59, 59)
    assert cal.missing_years(date(2026, 12, 20), horizon_days=30) == [2027]

    csv_file = tmp_path / "calendar-2027.csv"
    csv_file.write_text("date,is_workday\n2027-01-01,否\n", encoding="utf-8")
    loaded = read_calendar_csv(csv_file)
    assert loaded == {2027: {date(2027, 1, 1): False}}

    cal = cal.with_year(2027, loaded[2027])
    after = due(cal, start, Limit.workdays(15))
    assert not after.provisional
    assert after.at == local(2027, 1, 11, 23, 59, 59)  # moved: New Year's Day is a holiday
    assert cal.missing_years(date(2026, 12, 20), horizon_days=30) == []


# -- CSV parsing -------------------------------------------------------------------------------


def test_csv_accepts_every_flag_spelling_and_extra_columns() -> None:
    text = (
        "date,is_workday,note\n"
        "2027-01-01,0,元旦\n"
        "2027-02-06,1,调休\n"
        "2027-02-08,false,\n"
        "2027-02-07,TRUE,\n"
        "2027-02-09,否,\n"
        "2027-02-20,是,\n"
        "\n"
        "2027-02-10,N,\n"
        "2028-01-01,y,\n"
    )
    got = read_calendar_csv(text)
    assert got == {
        2027: {
            date(2027, 1, 1): False,
            date(2027, 2, 6): True,
            date(2027, 2, 8): False,
            date(2027, 2, 7): True,
            date(2027, 2, 9): False,
            date(2027, 2, 20): True,
            date(2027, 2, 10): False,
        },
        2028: {date(2028, 1, 1): True},
    }


def test_csv_reads_files_with_bom_or_gbk_and_open_streams(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("date,is_workday\n2027-01-01,否\n".encode("utf-8-sig"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("date,is_workday\n2027-01-01,否\n".encode("gbk"))
    expected = {2027: {date(2027, 1, 1): False}}
    assert read_calendar_csv(bom) == expected
    assert read_calendar_csv(str(gbk)) == expected
    assert read_calendar_csv(io.StringIO("date,is_workday\n2027-01-01,0\n")) == expected


def test_csv_header_is_required() -> None:
    with pytest.raises(ValueError, match="第 1 行：工作日历 CSV 的表头须有 date,is_workday"):
        read_calendar_csv("2027-01-01,0\n2027-01-02,0\n")
    with pytest.raises(ValueError, match="工作日历 CSV 是空的"):
        read_calendar_csv("\n\n")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2027/01/01,0", "第 3 行：日期“2027/01/01”不是 YYYY-MM-DD 格式"),
        ("2027-02-30,0", "第 3 行：日期“2027-02-30”不存在"),
        ("2027-01-04,maybe", "第 3 行：is_workday 的值“maybe”无效，应为 1/0、true/false、是/否"),
        ("2027-01-04", "第 3 行：应有 date,is_workday 两列，实为 2027-01-04"),
        ("2027-01-01,1", "第 3 行：2027-01-01 与第 2 行同一日期的值相反"),
    ],
)
def test_csv_bad_rows_name_the_line(row: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        read_calendar_csv(f"date,is_workday\n2027-01-01,0\n{row}\n")
    assert str(info.value).startswith(message)


def test_csv_round_trip() -> None:
    days = official_year(2025)
    text = calendar_csv(days)
    assert text.startswith("date,is_workday,note\n2025-01-01,0,放假\n")
    assert read_calendar_csv(text) == {2025: days}
