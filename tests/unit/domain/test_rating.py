"""好差评 rules: stars, rectification lifecycle and rating appeals (jiesu.domain.rating)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.deadlines import Clock, Limit, SlaRule, SlaTable
from jiesu.domain.errors import IllegalTransition, InvalidArguments
from jiesu.domain.rating import (
    RatingAppeal,
    RatingAppealStatus,
    Rectification,
    RectificationStatus,
    check_stars,
    default_rating_at,
    is_bad,
    is_good,
    rectification_due,
)

CAL = WorkCalendar()  # Mon–Fri
SLA = SlaTable.default()
NOW = datetime(2026, 3, 2, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai


def test_stars() -> None:
    assert [is_bad(s) for s in range(1, 6)] == [True, True, False, False, False]
    assert [is_good(s) for s in range(1, 6)] == [False, False, True, True, True]
    for bad in (0, 6, True, "5", None):
        with pytest.raises(InvalidArguments):
            check_stars(bad)


def test_rectification_due_is_15_working_days_and_configurable() -> None:
    # 15 working days counted from the next day: Tuesday 3 March … Monday 23 March.
    assert rectification_due(CAL, SLA, NOW).at.astimezone(CAL.tz).date().isoformat() == \
        "2026-03-23"
    short = SLA.with_rules([SlaRule(Clock.RECTIFICATION, Limit.workdays(5))])
    assert rectification_due(CAL, short, NOW).at.astimezone(CAL.tz).day == 9


def test_rectification_lifecycle() -> None:
    r = Rectification.open(CAL, SLA, NOW)
    assert r.status is RectificationStatus.OPEN and not r.overdue(NOW)
    assert r.overdue(r.due_at + timedelta(seconds=1))
    with pytest.raises(IllegalTransition):
        r.publish(NOW)
    with pytest.raises(InvalidArguments):
        r.submit_report("  ", NOW)
    r.submit_report("已约谈工作人员并上门致歉", NOW)
    assert r.status is RectificationStatus.REPORTED
    later = NOW + timedelta(days=3)
    r.follow_up(False, later, CAL, SLA)  # not satisfied: another round with a new deadline
    assert r.status is RectificationStatus.OPEN and r.rounds == 2
    assert r.due_at == rectification_due(CAL, SLA, later).at
    r.submit_report("再次整改", later)
    r.follow_up(True, later, CAL, SLA)
    assert r.status is RectificationStatus.VERIFIED and r.satisfied is True
    r.publish(later)
    assert r.status is RectificationStatus.PUBLISHED
    with pytest.raises(IllegalTransition):
        r.cancel("太晚了")


def test_cancel_keeps_reason() -> None:
    r = Rectification.open(CAL, SLA, NOW)
    r.cancel("评价经申诉被剔除")
    assert r.status is RectificationStatus.CANCELLED and r.cancelled_reason == "评价经申诉被剔除"


def test_rating_appeal_rules() -> None:
    with pytest.raises(IllegalTransition):
        RatingAppeal.file("恶意", stars=4, excluded=False, pending_exists=False)
    with pytest.raises(IllegalTransition):
        RatingAppeal.file("恶意", stars=1, excluded=False, pending_exists=True)
    with pytest.raises(IllegalTransition):
        RatingAppeal.file("恶意", stars=1, excluded=True, pending_exists=False)
    with pytest.raises(InvalidArguments):
        RatingAppeal.file(" ", stars=1, excluded=False, pending_exists=False)
    ra = RatingAppeal.file("诉求人辱骂", stars=1, excluded=False, pending_exists=False)
    assert ra.status is RatingAppealStatus.PENDING
    with pytest.raises(InvalidArguments):
        ra.decide(True, "", NOW)
    ra.decide(True, "经核实属恶意差评", NOW)
    assert ra.status is RatingAppealStatus.UPHELD and ra.decision_reason == "经核实属恶意差评"
    with pytest.raises(IllegalTransition):
        ra.decide(False, "再审", NOW)


def test_default_rating_time() -> None:
    assert default_rating_at(NOW, 7) == NOW + timedelta(days=7)
    with pytest.raises(InvalidArguments):
        default_rating_at(NOW, 0)
