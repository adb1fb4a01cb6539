"""Which kind of unit may sit under which (moving a unit to another parent)."""

from __future__ import annotations

import pytest

from jiesu.domain.unit_tree import parent_fits, parent_groups


@pytest.mark.parametrize(("parent", "child"), [
    ("street", "community"), ("district", "community"), ("city", "district"),
    ("community", "grid"), ("grid", "micro_grid"), ("city", "department"),
    ("department", "department"), ("department", "enterprise"), ("city", "custom"),
    ("district", "department")])
def test_a_unit_goes_under_a_higher_level_of_its_branch(parent: str, child: str) -> None:
    assert parent_fits(parent, child)


@pytest.mark.parametrize(("parent", "child"), [
    ("community", "street"), ("street", "street"), ("community", "community"),
    ("department", "community"), ("street", "department"), ("grid", "district"),
    ("district", "city"), ("micro_grid", "grid")])
def test_a_unit_never_goes_under_its_own_level_a_lower_one_or_the_other_branch(
        parent: str, child: str) -> None:
    assert not parent_fits(parent, child)


def test_the_choices_follow_the_tree() -> None:
    assert parent_groups("community") == ["city", "district", "street"]
    assert parent_groups("department") == ["city", "district", "department", "enterprise"]
    assert parent_groups("city") == []
