"""Where working-day calendars come from: the `chinesecalendar` package and admin CSV files.

Both give per-year override maps (date -> is working day) holding only what the domain's
`WorkCalendar` needs; the database keeps them admin-editable (DESIGN §4).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from importlib import metadata
from typing import TextIO

import chinese_calendar

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"1", "true", "t", "y", "yes", "是"})
_FALSE = frozenset({"0", "false", "f", "n", "no", "否"})
_COLUMNS = ("date", "is_workday")


class CalendarYearUnavailable(LookupError):
    """The package has no official calendar for the requested year."""


def _package_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - vendored or renamed install
        return "unknown version"


def covered_years() -> list[int]:
    """Years whose official calendar the installed `chinesecalendar` package holds."""
    known = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    first, last = min(known).year, max(known).year
    return list(range(first, last + 1))


def official_year(year: int) -> dict[date, bool]:
    """Every date of `year` whose official status differs from Mon–Fri.

    Weekday holidays map to False and 调休 weekend working days to True. Raises
    CalendarYearUnavailable when the package does not cover the year.
    """
    years = covered_years()
    if year not in years:
        raise CalendarYearUnavailable(
            f"chinesecalendar {_package_version()} 未收录 {year} 年的官方工作日历"
            f"（收录 {years[0]}–{years[-1]} 年）；请导入该年的 CSV（列为 date,is_workday），"
            "或在该包发布收录该年的新版后升级它"
        )
    result: dict[date, bool] = {}
    day, end = date(year, 1, 1), date(year, 12, 31)
    while day <= end:
        work = bool(chinese_calendar.is_workday(day))
        if work != (day.weekday() < 5):
            result[day] = work
        day += timedelta(days=1)
    return result


def official_years(years: Iterable[int] | None = None) -> dict[int, dict[date, bool]]:
    """`official_year` for each of `years` (default: every covered year)."""
    return {y: official_year(y) for y in (covered_years() if years is None else years)}


def _parse_flag(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _read_text(source: str | os.PathLike[str] | TextIO) -> str:
    if isinstance(source, str) and ("\n" in source or "," in source):
        return source  # CSV text; a file name never needs a comma or a newline here
    if isinstance(source, str | os.PathLike):
        raw = open(source, "rb").read()  # noqa: SIM115 - read whole and close at once
        try:
            return raw.decode("utf-8-sig")  # Excel writes a BOM
        except UnicodeDecodeError:
            # Chinese Excel often saves CSV as GBK; GB18030 is its superset.
            return raw.decode("gb18030")
    return source.read()


def read_calendar_csv(
    path_or_text: str | os.PathLike[str] | TextIO,
) -> dict[int, dict[date, bool]]:
    """Parse a calendar CSV (header `date,is_workday`) into per-year maps.

    `path_or_text` is a path, an open text file, or the CSV text itself (any string holding a
    comma or a newline). Flags accept 1/0, true/false, 是/否, Y/N (and yes/no); dates are
    YYYY-MM-DD; other columns (e.g. a note) are ignored. Bad rows raise ValueError naming
    the line.
    """
    text = _read_text(path_or_text)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] | None = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            break
    if header is None:
        raise ValueError("工作日历 CSV 是空的；第一行应为表头 date,is_workday")
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise ValueError(
            f"第 {reader.line_num} 行：工作日历 CSV 的表头须有 date,is_workday 两列，"
            f"缺少 {'、'.join(missing)}（表头为 {','.join(header)}）"
        )
    date_col, flag_col = header.index("date"), header.index("is_workday")

    years: dict[int, dict[date, bool]] = {}
    seen_on: dict[date, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(date_col, flag_col):
            raise ValueError(f"第 {line} 行：应有 date,is_workday 两列，实为 {','.join(row)}")
        raw_date, raw_flag = row[date_col].strip(), row[flag_col].strip()
        if not _DATE.fullmatch(raw_date):
            raise ValueError(f"第 {line} 行：日期“{raw_date}”不是 YYYY-MM-DD 格式")
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            raise ValueError(f"第 {line} 行：日期“{raw_date}”不存在") from None
        flag = _parse_flag(raw_flag)
        if flag is None:
            raise ValueError(f"第 {line} 行：is_workday 的值“{raw_flag}”无效，"
                             "应为 1/0、true/false、是/否、Y/N 之一")
        per_year = years.setdefault(day.year, {})
        if day in per_year and per_year[day] != flag:
            raise ValueError(f"第 {line} 行：{raw_date} 与第 {seen_on[day]} 行同一日期的值相反")
        per_year[day] = flag
        seen_on.setdefault(day, line)
    return years


def calendar_csv(days: Mapping[date, bool]) -> str:
    """The calendar CSV `read_calendar_csv` reads back: the days that differ from Mon–Fri
    (a weekday off, a weekend day worked), in date order, with a note for the person editing
    it (next year's file is this year's with the dates changed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "is_workday", "note"])
    for day in sorted(days):
        if days[day] != (day.weekday() < 5):
            writer.writerow([day.isoformat(), int(days[day]),
                             "调休上班" if days[day] else "放假"])
    return out.getvalue()
