"""KPI formulas, periods and rankings (jiesu.domain.kpi), hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jiesu.domain.errors import InvalidArguments
from jiesu.domain.kpi import (
    PUBLISHED_PLACES,
    KpiCounts,
    KpiFormula,
    PeriodKind,
    ResponseMeasure,
    composite,
    month,
    months_between,
    parse_period,
    rank,
    rates,
)

F = KpiFormula()


def test_default_formula_is_design_section_5() -> None:
    assert (F.version, F.weight_response, F.weight_resolution, F.weight_satisfaction) == (
        1, 0.10, 0.45, 0.45)
    assert F.basic_satisfaction_weight == 0.8
    assert F.response_measure is ResponseMeasure.FIRST_CONTACT


def test_three_rates_and_composite_by_hand() -> None:
    c = KpiCounts(response_due=10, responded_on_time=9, reached=8, resolved=6, partly_resolved=1,
                  satisfied=5, basically_satisfied=2, dissatisfied=1)
    r = rates(c, F)
    assert r.response_rate == pytest.approx(0.9)
    assert r.resolution_rate == pytest.approx(6 / 8)
    assert r.satisfaction_rate == pytest.approx((5 + 0.8 * 2) / 8)
    assert r.composite == pytest.approx(100 * (0.1 * 0.9 + 0.45 * 0.75 + 0.45 * 6.6 / 8))


def test_partly_resolved_and_basic_weights_are_settings() -> None:
    c = KpiCounts(reached=4, resolved=2, partly_resolved=2, satisfied=2, basically_satisfied=2)
    f = KpiFormula(version=2, partly_resolved_weight=0.5, basic_satisfaction_weight=1.0)
    r = rates(c, f)
    assert r.resolution_rate == pytest.approx(3 / 4)
    assert r.satisfaction_rate == pytest.approx(1.0)


def test_no_data_gives_none_and_composite_rescales() -> None:
    r = rates(KpiCounts(), F)
    assert r.response_rate is None and r.composite is None and r.on_time_rate is None
    only_response = rates(KpiCounts(response_due=4, responded_on_time=3), F)
    assert only_response.resolution_rate is None
    assert only_response.composite == pytest.approx(75.0)
    assert composite([(0.1, None), (0.45, 1.0), (0.45, 0.5)]) == pytest.approx(75.0)


def test_unreachable_requesters_are_not_in_resolution_or_satisfaction() -> None:
    c = KpiCounts(closed=3, followed_up=3, unreachable=2, reached=1, resolved=1, satisfied=1)
    r = rates(c, F)
    assert r.resolution_rate == 1.0 and r.satisfaction_rate == 1.0
    assert r.unreachable_rate == pytest.approx(2 / 3)


def test_other_rates() -> None:
    c = KpiCounts(dispatched=20, returned=2, handle_due=10, completed_on_time=7, extended=1,
                  closed=8, reworked=2, ratings=5, bad_ratings=1)
    r = rates(c, F)
    assert (r.return_rate, r.on_time_rate, r.extension_rate) == (0.1, 0.7, 0.1)
    assert (r.rework_rate, r.bad_rating_rate) == (0.25, 0.2)
    assert c.overdue == 3


def test_counts_add_and_round_trip() -> None:
    a = KpiCounts(dispatched=1, satisfied=2)
    b = KpiCounts(dispatched=3, red_cards=1)
    s = a + b
    assert (s.dispatched, s.satisfied, s.red_cards) == (4, 2, 1)
    assert KpiCounts.from_mapping(s.as_dict()) == s


@pytest.mark.parametrize("bad", [
    {"weight_response": 0.5},  # weights no longer sum to 1
    {"basic_satisfaction_weight": 1.5},
    {"response_measure": "phone"},
    {"unknown": 1},
])
def test_formula_settings_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidArguments):
        KpiFormula.from_settings(2, {**F.settings(), **bad})


def test_formula_settings_round_trip() -> None:
    f = KpiFormula.from_settings(3, {**F.settings(), "response_measure": "sign"})
    assert f.version == 3 and f.response_measure is ResponseMeasure.SIGN
    assert KpiFormula.from_settings(3, f.settings()) == f


def test_rank_is_competition_ranking_and_skips_no_data() -> None:
    places = rank({"a": 90.0, "b": 95.0, "c": 90.0000000001, "d": None, "e": 80.0})
    assert places == {"b": 1, "a": 2, "c": 2, "e": 4, "d": None}


def test_rank_judges_ties_on_the_published_figure() -> None:
    """80.004 and 79.996 are both published as 80.00: they share a place, and the next
    unit is third (the 万人诉求比 ranking's rule, one helper for both)."""
    assert rank({"a": 80.004, "b": 79.996, "c": 79.99}) == {"a": 1, "b": 1, "c": 3}
    # a tie exactly when the two-decimal texts the pages show are the same
    values = [55 + i / 2000 for i in range(-40, 40)] + [80.005, 80.015, 0.125, 0.135]
    for x in values:
        for y in values:
            tied = len(set(rank({"x": x, "y": y}).values())) == 1
            assert tied == (f"{x:.{PUBLISHED_PLACES}f}" == f"{y:.{PUBLISHED_PLACES}f}"), (x, y)


@pytest.mark.parametrize(("text", "kind", "start", "end"), [
    ("2026-03", PeriodKind.MONTH, date(2026, 3, 1), date(2026, 4, 1)),
    ("2026-12", PeriodKind.MONTH, date(2026, 12, 1), date(2027, 1, 1)),
    ("2026-03-05", PeriodKind.DAY, date(2026, 3, 5), date(2026, 3, 6)),
    ("2026-W10", PeriodKind.WEEK, date(2026, 3, 2), date(2026, 3, 9)),
    ("2026-03-01..2026-03-15", PeriodKind.CUSTOM, date(2026, 3, 1), date(2026, 3, 16)),
])
def test_parse_period(text: str, kind: PeriodKind, start: date, end: date) -> None:
    p = parse_period(text)
    assert (p.kind, p.start, p.end) == (kind, start, end)
    assert parse_period(p.label) == p


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "march", "", "2026-03-15..2026-03-01"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(InvalidArguments):
        parse_period(text)


def test_period_bounds_are_local_midnights() -> None:
    a, b = month(2026, 3).bounds("Asia/Shanghai")
    assert a == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert b == datetime(2026, 3, 31, 16, tzinfo=UTC)


def test_previous_and_months_between() -> None:
    assert month(2026, 1).previous() == month(2025, 12)
    assert parse_period("2026-W10").previous().label == "2026-W09"
    labels = [p.label for p in months_between(month(2025, 11), month(2026, 2))]
    assert labels == ["2025-11", "2025-12", "2026-01", "2026-02"]
