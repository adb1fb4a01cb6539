"""The demo's support policies say what their titles say."""

from __future__ import annotations

from datetime import date

from jiesu.demo import POLICIES
from jiesu.domain.enterprise import SizeClass
from jiesu.domain.policy import Facts, evaluate, parse_conditions


def test_the_above_scale_industry_policy_goes_by_revenue_not_by_size_class() -> None:
    """规模以上工业企业 are industrial enterprises with 2000 万元 revenue or more: a small
    manufacturer (fewer than 300 employees) with 4200 万元 is one, one with 1500 万元 is not
    (the demo asked for 大型、中型 instead, which leaves out the small ones above 2000 万元)."""
    (conditions,) = [c for code, title, *_, c in POLICIES if title.startswith("规上工业")]
    parsed = parse_conditions(conditions)
    small_maker = Facts(industry="C39", size=SizeClass.SMALL, employees=85, revenue=4200.0)
    smaller_maker = Facts(industry="C34", size=SizeClass.SMALL, employees=40, revenue=1500.0)
    today = date(2026, 11, 28)
    assert evaluate(parsed, small_maker, today).eligible is True
    assert evaluate(parsed, smaller_maker, today).eligible is False
