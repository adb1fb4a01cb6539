"""Resident figures and 万人诉求比 (jiesu.domain.population), hand-computed."""

from __future__ import annotations

import pytest

from jiesu.domain.errors import InvalidArguments
from jiesu.domain.kpi import rank
from jiesu.domain.population import (
    AreaFigures,
    Residents,
    check_area_group,
    parse_figure,
    per_10k,
    rank_by_rate,
    roll_up,
    subtree_totals,
)

# 1 city → 2 district → 3 street (own figures), 4 street → 5 community (population only),
#                                                          6 community (nothing)
#        → 7 district (own population, overriding its street 8) → 8 street
#        → 9 department (nothing at all)
TREE = [
    AreaFigures(1, None),
    AreaFigures(2, 1),
    AreaFigures(3, 2, households=2000, population=5000),
    AreaFigures(4, 2),
    AreaFigures(5, 4, population=3000),
    AreaFigures(6, 4),
    AreaFigures(7, 1, population=9000),
    AreaFigures(8, 7, households=40, population=100),
    AreaFigures(9, 1),
]


def test_a_unit_without_figures_takes_the_sum_of_its_childrens() -> None:
    got = roll_up(TREE)
    assert got[3] == Residents(2000, 5000)  # its own
    assert got[5] == Residents(None, 3000)  # households and population roll up apart
    assert got[6] == Residents(None, None)  # nothing below it either: unknown
    assert got[4] == Residents(None, 3000)  # only the child that has one counts
    assert got[2] == Residents(2000, 8000)  # 5000 + 3000; households 2000 from street 3
    assert got[7] == Residents(40, 9000)  # own population wins over its street's 100
    assert got[9] == Residents(None, None)
    assert got[1] == Residents(2040, 17000)  # 8000 + 9000; 2000 + 40


def test_zero_is_a_figure_and_an_unknown_parent_makes_a_root() -> None:
    got = roll_up([AreaFigures(1, None), AreaFigures(2, 1, population=0),
                   AreaFigures(3, 99, population=7)])
    assert got[1] == Residents(None, 0)
    assert got[3] == Residents(None, 7)


def test_a_deep_tree_rolls_up_without_recursion() -> None:
    chain = [AreaFigures(1, None)] + [AreaFigures(i, i - 1) for i in range(2, 5001)]
    chain[-1] = AreaFigures(5000, 4999, population=12)
    assert roll_up(chain)[1] == Residents(None, 12)
    assert subtree_totals(chain, {5000: 3, 2: 1})[1] == 4


def test_counts_add_up_over_every_descendant() -> None:
    got = subtree_totals(TREE, {3: 2, 5: 1, 6: 4, 2: 1, 7: 5, 8: 1, 999: 50})
    assert got[4] == 5 and got[2] == 1 + 2 + 5
    assert got[7] == 6 and got[9] == 0
    assert got[1] == 8 + 6  # the count of unit 999 (not in the tree) is left out
    assert 999 not in got


@pytest.mark.parametrize(("appeals", "population", "rate"), [
    (30, 20_000, 15.0),
    (1, 3, 3333.33),
    (2, 3, 6666.67),
    (0, 5000, 0.0),
    (5, None, None),
    (5, 0, None),
])
def test_per_10k_is_appeals_over_population_times_10000(
        appeals: int, population: int | None, rate: float | None) -> None:
    assert per_10k(appeals, population) == rate


def test_fewer_appeals_per_resident_ranks_first_with_shared_places() -> None:
    places = rank_by_rate({"a": 15.0, "b": 3.2, "c": 15.0, "d": None, "e": 40.0, "f": 0.0})
    assert places == {"f": 1, "b": 2, "a": 3, "c": 3, "e": 5, "d": None}
    # the published figure (two decimals) decides a tie, not float noise behind it
    assert rank_by_rate({"x": 14.999, "y": 15.001, "z": 15.02}) == {"x": 1, "y": 1, "z": 3}
    assert rank_by_rate({}) == {}


def test_the_kpi_ranking_still_puts_the_highest_first() -> None:
    assert rank({"x": 1.0, "y": 2.0}) == {"y": 1, "x": 2}
    assert rank({"x": 1.0, "y": 2.0}, lower_first=True) == {"x": 1, "y": 2}


@pytest.mark.parametrize(("raw", "value"), [
    (None, None), ("", None), ("  ", None), (0, 0), ("0", 0), (8400, 8400), ("8400", 8400),
    ("12,345", 12345), ("１２３４５", 12345), (" 1 234 ", 1234), (12345.0, 12345),
    ("12345.0", 12345), ("000123", 123), (1_000_000_000, 1_000_000_000),
    ("1,000,000,000", 1_000_000_000),
])
def test_figures_are_whole_numbers_as_people_and_spreadsheets_write_them(
        raw: object, value: int | None) -> None:
    assert parse_figure(raw, "population") == value


@pytest.mark.parametrize("raw", [
    -1, "-1", 1.5, "1.5", "nan", float("nan"), float("inf"), "1e400", "一万", True,
    1_000_000_001, "1000000001", "9" * 5000, "x" * 20_000, "12a",
])
def test_a_figure_that_is_not_a_whole_number_in_range_is_refused(raw: object) -> None:
    with pytest.raises(InvalidArguments) as exc:
        parse_figure(raw, "population")
    assert exc.value.message == "常住人口应为 0 至 10 亿之间的整数"
    assert exc.value.details == {"field": "population"}
    with pytest.raises(InvalidArguments, match="户数应为"):
        parse_figure(raw, "households")


def test_only_areas_are_ranked_by_population() -> None:
    assert check_area_group("grid") == "grid"
    with pytest.raises(InvalidArguments, match="单位分组“department”无效"):
        check_area_group("department")
