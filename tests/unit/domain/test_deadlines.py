"""SLA table matching, the DESIGN §4 defaults, due dates, yellow warnings and extensions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiesu.domain.calendar import Deadline, WorkCalendar
from jiesu.domain.deadlines import (
    DEFAULT_RULES,
    MAX_EXTENSION_WORKDAYS,
    POLICY_CLOCKS,
    Clock,
    Limit,
    LimitUnit,
    SlaRule,
    SlaTable,
    WarningLevel,
    due,
    extend,
    warning_level,
    workdays_counted,
    yellow_at,
)

SH = ZoneInfo("Asia/Shanghai")
KINDS = ("consult", "help", "complaint", "report", "suggestion", "praise")
URGENCIES = ("normal", "urgent", "emergency")

# The 2025 National Day / Mid-autumn block (国办发明电〔2024〕12号).
NATIONAL_DAY_2025 = {
    date(2025, 9, 28): True,
    **{date(2025, 10, d): False for d in (1, 2, 3, 6, 7, 8)},
    date(2025, 10, 11): True,
}
CAL = WorkCalendar(NATIONAL_DAY_2025, loaded_years=[2025])


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


# -- the defaults of DESIGN §4 ------------------------------------------------------------------

EXPECTED_HANDLE = {
    ("consult", "normal"): Limit.workdays(2),
    ("help", "normal"): Limit.workdays(5),
    ("complaint", "normal"): Limit.workdays(15),
    ("report", "normal"): Limit.workdays(15),
    ("suggestion", "normal"): Limit.workdays(10),
    ("praise", "normal"): Limit.workdays(5),
    **{(k, "urgent"): Limit.hours(24) for k in KINDS if k != "suggestion"},
    **{(k, "emergency"): Limit.hours(2) for k in KINDS if k != "suggestion"},
    # Suggestions have no urgent/emergency limit and fall back to their normal one.
    ("suggestion", "urgent"): Limit.workdays(10),
    ("suggestion", "emergency"): Limit.workdays(10),
}
BY_URGENCY = {
    Clock.SIGN: {
        "normal": Limit.workdays(1),
        "urgent": Limit.hours(2),
        "emergency": Limit.minutes(30),
    },
    Clock.RETURN_WINDOW: {
        "normal": Limit.workdays(2),
        "urgent": Limit.hours(2),
        "emergency": Limit.minutes(30),
    },
    Clock.FOLLOW_UP: dict.fromkeys(URGENCIES, Limit.workdays(1)),
    Clock.RECTIFICATION: dict.fromkeys(URGENCIES, Limit.workdays(15)),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("urgency", URGENCIES)
def test_default_handle_limit_for_every_kind_and_urgency(kind: str, urgency: str) -> None:
    got = SlaTable.default().limit_for(Clock.HANDLE, kind=kind, urgency=urgency)
    assert got == EXPECTED_HANDLE[(kind, urgency)]


@pytest.mark.parametrize("clock", list(BY_URGENCY))
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("urgency", URGENCIES)
def test_default_limits_of_the_other_clocks(clock: Clock, kind: str, urgency: str) -> None:
    got = SlaTable.default().limit_for(clock, kind=kind, urgency=urgency)
    assert got == BY_URGENCY[clock][urgency]


def test_every_clock_has_a_default_and_max_extension_is_ten() -> None:
    """延期 has no rule: the setting max_extension_days (default MAX_EXTENSION_WORKDAYS)
    bounds it, and a time-limit rule may not be set for it (POLICY_CLOCKS)."""
    assert {r.clock for r in DEFAULT_RULES} == set(POLICY_CLOCKS)
    assert Clock.EXTENSION not in POLICY_CLOCKS
    assert MAX_EXTENSION_WORKDAYS == 10
    assert len(SlaTable.default()) == len(DEFAULT_RULES)


# -- specificity ------------------------------------------------------------------------------


def test_category_rule_overrides_the_kind_default() -> None:
    table = SlaTable.default().with_rules(
        [SlaRule(Clock.HANDLE, Limit.workdays(3), category="heating", urgency="normal")]
    )
    assert table.limit_for(
        Clock.HANDLE, kind="complaint", urgency="normal", category="heating"
    ) == Limit.workdays(3)
    # Other categories and other urgencies keep the defaults.
    assert table.limit_for(
        Clock.HANDLE, kind="complaint", urgency="normal", category="roads"
    ) == Limit.workdays(15)
    assert table.limit_for(
        Clock.HANDLE, kind="complaint", urgency="emergency", category="heating"
    ) == Limit.hours(2)


def test_unit_rule_overrides_category_and_unit_plus_category_wins() -> None:
    table = SlaTable.default().with_rules(
        [
            SlaRule(Clock.HANDLE, Limit.workdays(3), category="heating"),
            SlaRule(Clock.HANDLE, Limit.workdays(7), unit="water-co"),
            SlaRule(Clock.HANDLE, Limit.workdays(1), unit="water-co", category="heating"),
        ]
    )
    q = {"kind": "help", "urgency": "normal"}
    assert table.limit_for(Clock.HANDLE, **q, unit="water-co") == Limit.workdays(7)
    assert table.limit_for(Clock.HANDLE, **q, category="heating") == Limit.workdays(3)
    assert table.limit_for(
        Clock.HANDLE, **q, unit="water-co", category="heating"
    ) == Limit.workdays(1)
    assert table.limit_for(Clock.HANDLE, **q, unit="water-co", category="roads") == Limit.workdays(
        7
    )
    assert table.limit_for(Clock.HANDLE, **q, unit="other") == Limit.workdays(5)


def test_a_category_rule_without_urgency_outranks_urgency_defaults() -> None:
    # Documented consequence of the order: give such rules an urgency to keep 2 h emergencies.
    table = SlaTable.default().with_rules(
        [SlaRule(Clock.HANDLE, Limit.workdays(3), category="heating")]
    )
    assert table.limit_for(
        Clock.HANDLE, kind="help", urgency="emergency", category="heating"
    ) == Limit.workdays(3)


def test_naming_kind_refines_within_a_level() -> None:
    table = SlaTable(
        [
            SlaRule(Clock.SIGN, Limit.workdays(1)),
            SlaRule(Clock.SIGN, Limit.hours(4), urgency="urgent"),
            SlaRule(Clock.SIGN, Limit.hours(8), kind="praise"),
            SlaRule(Clock.SIGN, Limit.hours(1), kind="praise", urgency="urgent"),
        ]
    )
    assert table.limit_for(Clock.SIGN, kind="help", urgency="normal") == Limit.workdays(1)
    assert table.limit_for(Clock.SIGN, kind="help", urgency="urgent") == Limit.hours(4)
    assert table.limit_for(Clock.SIGN, kind="praise", urgency="normal") == Limit.hours(8)
    assert table.limit_for(Clock.SIGN, kind="praise", urgency="urgent") == Limit.hours(1)


def test_rule_for_explains_the_choice_and_no_match_is_none() -> None:
    table = SlaTable.default()
    rule = table.rule_for(Clock.HANDLE, kind="suggestion", urgency="urgent")
    assert rule == SlaRule(Clock.HANDLE, Limit.workdays(10), kind="suggestion")
    assert SlaTable([]).limit_for(Clock.SIGN, kind="help", urgency="normal") is None


def test_duplicate_rules_are_rejected_and_with_rules_replaces() -> None:
    rule = SlaRule(Clock.SIGN, Limit.workdays(1))
    with pytest.raises(ValueError, match="duplicate"):
        SlaTable([rule, SlaRule(Clock.SIGN, Limit.workdays(2))])
    with pytest.raises(ValueError, match="duplicate"):
        SlaTable.default().with_rules([rule, rule])
    table = SlaTable.default().with_rules([SlaRule(Clock.SIGN, Limit.workdays(2))])
    assert len(table) == len(DEFAULT_RULES)
    assert table.limit_for(Clock.SIGN, kind="help", urgency="normal") == Limit.workdays(2)
    # The original table is untouched.
    assert SlaTable.default().limit_for(
        Clock.SIGN, kind="help", urgency="normal"
    ) == Limit.workdays(1)


def test_limit_validation_and_text() -> None:
    with pytest.raises(ValueError):
        Limit(-1, LimitUnit.HOUR)
    with pytest.raises(ValueError):
        Limit(1.5, LimitUnit.WORKDAY)
    with pytest.raises(ValueError):
        Limit.workdays(1).duration()
    assert str(Limit.workdays(15)) == "15 workday"
    assert str(Limit.hours(1.5)) == "1.5 hour"
    assert Limit.minutes(30).duration() == timedelta(minutes=30)
    assert Limit.hours(2).is_wall_clock and not Limit.workdays(2).is_wall_clock


# -- due --------------------------------------------------------------------------------------


def test_due_counts_working_days_on_the_calendar() -> None:
    got = due(CAL, local(2025, 9, 30, 10), Limit.workdays(3))
    assert got == Deadline(local(2025, 10, 11, 23, 59, 59).astimezone(UTC), provisional=False)


def test_due_for_hours_and_minutes_is_wall_clock() -> None:
    start = datetime(2025, 9, 30, 17, tzinfo=UTC)  # 10-01 01:00 local, a holiday
    assert due(CAL, start, Limit.hours(2)).at == datetime(2025, 9, 30, 19, tzinfo=UTC)
    assert due(CAL, start, Limit.minutes(30)).at == datetime(2025, 9, 30, 17, 30, tzinfo=UTC)
    assert not due(CAL, local(2031, 1, 1), Limit.hours(24)).provisional


def test_due_in_an_unloaded_year_is_provisional() -> None:
    cal = WorkCalendar(loaded_years=[2026])
    got = due(cal, local(2026, 12, 20, 10), Limit.workdays(15))
    assert got.provisional
    assert not due(cal.with_year(2027, {}), local(2026, 12, 20, 10), Limit.workdays(15)).provisional


# -- yellow ------------------------------------------------------------------------------------


def test_yellow_is_one_working_day_before_due() -> None:
    start = local(2025, 9, 25, 10)
    deadline = due(CAL, start, Limit.workdays(5))  # 09-26, 28, 29, 30, 10-09
    assert deadline.at == local(2025, 10, 9, 23, 59, 59)
    assert yellow_at(CAL, start, deadline, Limit.workdays(5)) == local(2025, 9, 30, 23, 59, 59)


def test_yellow_never_before_start() -> None:
    cal = WorkCalendar(count_from_next_day=False)
    start = local(2025, 3, 3, 10)  # Monday; 1 working day counting today ends tonight
    deadline = due(cal, start, Limit.workdays(1))
    assert yellow_at(cal, start, deadline, Limit.workdays(1)) == start


def test_yellow_for_hour_limits_is_twenty_percent_before_due() -> None:
    start = datetime(2025, 10, 1, 0, tzinfo=UTC)
    limit = Limit.hours(24)
    deadline = due(CAL, start, limit)
    assert yellow_at(CAL, start, deadline, limit) == datetime(2025, 10, 1, 19, 12, tzinfo=UTC)
    minutes = Limit.minutes(30)
    assert yellow_at(CAL, start, due(CAL, start, minutes), minutes) == start + timedelta(minutes=24)
    assert yellow_at(CAL, start, deadline, limit, hour_fraction=0.5) == start + timedelta(hours=12)
    with pytest.raises(ValueError):
        yellow_at(CAL, start, deadline, limit, hour_fraction=1.5)


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    limit=st.one_of(
        st.integers(1, 20).map(Limit.workdays),
        st.integers(1, 72).map(Limit.hours),
        st.integers(1, 600).map(Limit.minutes),
    ),
    next_day=st.booleans(),
)
def test_yellow_lies_between_start_and_due(start: datetime, limit: Limit, next_day: bool) -> None:
    cal = WorkCalendar(NATIONAL_DAY_2025, loaded_years=[2025], count_from_next_day=next_day)
    deadline = due(cal, start, limit)
    yellow = yellow_at(cal, start, deadline, limit)
    assert start <= yellow <= deadline.at
    assert warning_level(deadline.at + timedelta(seconds=1), yellow=yellow, deadline=deadline) is (
        WarningLevel.RED
    )


def test_warning_level() -> None:
    deadline = Deadline(datetime(2025, 3, 5, tzinfo=UTC), provisional=False)
    yellow = datetime(2025, 3, 4, tzinfo=UTC)
    assert warning_level(yellow - timedelta(seconds=1), yellow=yellow, deadline=deadline) is (
        WarningLevel.NONE
    )
    assert warning_level(yellow, yellow=yellow, deadline=deadline) is WarningLevel.YELLOW
    assert warning_level(deadline.at, yellow=yellow, deadline=deadline) is WarningLevel.YELLOW
    assert (
        warning_level(deadline.at + timedelta(microseconds=1), yellow=yellow, deadline=deadline)
        is WarningLevel.RED
    )


# -- extension ---------------------------------------------------------------------------------


def test_extension_adds_working_days_after_the_old_deadline() -> None:
    old = due(CAL, local(2025, 9, 25, 10), Limit.workdays(5))  # 10-09
    assert extend(CAL, old, 2).at == local(2025, 10, 11, 23, 59, 59)  # 10-10, Sat 10-11


def test_extension_counts_from_next_day_even_with_same_day_counting() -> None:
    cal = WorkCalendar(NATIONAL_DAY_2025, loaded_years=[2025], count_from_next_day=False)
    old = due(cal, local(2025, 3, 3, 10), Limit.workdays(1))  # Monday night
    assert extend(cal, old, 1).at == local(2025, 3, 4, 23, 59, 59)


def test_extension_bounds_and_provisional_carry_over() -> None:
    old = Deadline(local(2025, 3, 3, 23, 59, 59), provisional=True)
    assert extend(CAL, old, 1).provisional
    with pytest.raises(ValueError):
        extend(CAL, old, MAX_EXTENSION_WORKDAYS + 1)
    with pytest.raises(ValueError):
        extend(CAL, old, 0)
    assert extend(CAL, old, 12, max_workdays=15).at == local(2025, 3, 19, 23, 59, 59)


def test_enterprise_rules_outrank_kind_rules_but_not_category_or_unit_rules() -> None:
    """涉企诉求 (DESIGN §8) may have their own, shorter limits: a rule naming the requester
    type beats the general rule of the same kind; a category's or unit's own rule still wins."""
    table = SlaTable.default().with_rules([
        SlaRule(Clock.HANDLE, Limit.workdays(10), kind="complaint", requester="enterprise"),
        SlaRule(Clock.SIGN, Limit.hours(2), requester="enterprise"),
        SlaRule(Clock.HANDLE, Limit.workdays(3), category="heating"),
    ])
    q = {"kind": "complaint", "urgency": "normal"}
    assert table.limit_for(Clock.HANDLE, **q, requester="enterprise") == Limit.workdays(10)
    assert table.limit_for(Clock.HANDLE, **q, requester="resident") == Limit.workdays(15)
    assert table.limit_for(Clock.HANDLE, **q) == Limit.workdays(15)
    assert table.limit_for(Clock.HANDLE, kind="help", urgency="normal",
                           requester="enterprise") == Limit.workdays(5)
    assert table.limit_for(Clock.HANDLE, **q, category="heating",
                           requester="enterprise") == Limit.workdays(3)
    assert table.limit_for(Clock.SIGN, **q, requester="enterprise") == Limit.hours(2)
    assert table.limit_for(Clock.SIGN, **q, requester="resident") == Limit.workdays(1)


def test_workdays_counted_recovers_the_limit_a_deadline_was_counted_with() -> None:
    """The working days a deadline was counted with, from it and its start: counting from the
    next day or the same day, with 延期 days after it; none for a wall-clock deadline."""
    start = datetime(2026, 3, 2, 10, tzinfo=SH)  # a Monday
    for next_day in (True, False):
        cal = WorkCalendar(count_from_next_day=next_day)
        for n in (1, 5, 15):
            at = cal.add_working_days(start, n).at
            assert workdays_counted(cal, start, at) == n
            moved = cal.add_working_days(at, 3, from_next_day=True).at
            assert workdays_counted(cal, start, moved, 3) == n
    assert workdays_counted(WorkCalendar(), start, start + timedelta(hours=24)) is None
