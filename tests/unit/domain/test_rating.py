"""好差评 rules: stars, rectification lifecycle and rating appeals (jiesu.domain.rating)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.factories.domain import SH
from tests.factories.domain import calendar as official_2026

from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.deadlines import Clock, Limit, SlaRule, SlaTable, WarningLevel
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
    rating_ends,
    rating_over,
    rectification_due,
    rectification_warning,
    rectification_watch_until,
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
        RatingAppeal.file("恶意", stars=4, excluded=False, earlier=None,
                          rectification=RectificationStatus.OPEN)
    with pytest.raises(IllegalTransition, match="待审核"):
        RatingAppeal.file("恶意", stars=1, excluded=False, earlier=RatingAppealStatus.PENDING,
                          rectification=RectificationStatus.OPEN)
    with pytest.raises(IllegalTransition):
        RatingAppeal.file("恶意", stars=1, excluded=True, earlier=None,
                          rectification=RectificationStatus.OPEN)
    with pytest.raises(InvalidArguments):
        RatingAppeal.file(" ", stars=1, excluded=False, earlier=None,
                          rectification=RectificationStatus.OPEN)
    ra = RatingAppeal.file("诉求人辱骂", stars=1, excluded=False, earlier=None,
                           rectification=RectificationStatus.OPEN)
    assert ra.status is RatingAppealStatus.PENDING
    with pytest.raises(InvalidArguments):
        ra.decide(True, "", NOW)
    ra.decide(True, "经核实属恶意差评", NOW)
    assert ra.status is RatingAppealStatus.UPHELD and ra.decision_reason == "经核实属恶意差评"
    with pytest.raises(IllegalTransition):
        ra.decide(False, "再审", NOW)


def test_a_rating_is_appealed_once_a_denied_appeal_is_final() -> None:
    with pytest.raises(IllegalTransition, match="每条评价只能申诉一次"):
        RatingAppeal.file("再次申诉", stars=1, excluded=False,
                          earlier=RatingAppealStatus.REJECTED,
                          rectification=RectificationStatus.VERIFIED)


@pytest.mark.parametrize("earlier", [None, RatingAppealStatus.REJECTED])
def test_no_appeal_once_the_rectification_is_published(
        earlier: RatingAppealStatus | None) -> None:
    """Upheld, a 申诉 filed after 整改公示 would exclude a rating the public saw corrected;
    the refusal says so (a denied one keeps its own, more precise, refusal)."""
    message = "整改结果已公示" if earlier is None else "每条评价只能申诉一次"
    with pytest.raises(IllegalTransition, match=message):
        RatingAppeal.file("恶意差评", stars=1, excluded=False, earlier=earlier,
                          rectification=RectificationStatus.PUBLISHED)


@pytest.mark.parametrize("status", [RectificationStatus.OPEN, RectificationStatus.REPORTED,
                                    RectificationStatus.VERIFIED, None])
def test_an_appeal_may_be_filed_at_every_step_before_publication(
        status: RectificationStatus | None) -> None:
    """Before 公示 (and for a rating with no rectification) a 申诉 is filed; publishing then
    waits for its decision (`Rectification.publish`)."""
    ra = RatingAppeal.file("恶意差评", stars=2, excluded=False, earlier=None,
                           rectification=status)
    assert ra.status is RatingAppealStatus.PENDING


def test_default_rating_time() -> None:
    assert default_rating_at(NOW, 7) == NOW + timedelta(days=7)
    with pytest.raises(InvalidArguments):
        default_rating_at(NOW, 0)


def test_the_rating_window_runs_from_the_closing_until_the_default_rating() -> None:
    assert rating_ends(None, 7) is None and not rating_over(None, 7, NOW + timedelta(days=99))
    ends = rating_ends(NOW, 7)
    assert ends == default_rating_at(NOW, 7) == NOW + timedelta(days=7)
    assert not rating_over(NOW, 7, ends - timedelta(seconds=1))
    assert rating_over(NOW, 7, ends)  # the default rating (if any) is given from then on
    assert rating_over(NOW, 7, NOW + timedelta(days=35))


def test_no_publication_while_a_rating_appeal_is_pending() -> None:
    r = Rectification.open(CAL, SLA, NOW)
    r.submit_report("已整改", NOW)
    r.follow_up(True, NOW, CAL, SLA)
    with pytest.raises(IllegalTransition, match="申诉正在审核中"):
        r.publish(NOW, appeal_pending=True)
    assert r.status is RectificationStatus.VERIFIED and r.published_at is None
    r.publish(NOW, appeal_pending=False)
    assert r.status is RectificationStatus.PUBLISHED


# --- deadline warnings (DESIGN §4: yellow 1 working day before due, red once overdue) --------

CAL_2026 = official_2026()  # 2026 with 清明 (04-06) and 劳动节 (05-01..05, 05-09 worked)
NONE, YELLOW, RED = WarningLevel.NONE, WarningLevel.YELLOW, WarningLevel.RED


def _level(start: datetime, due_at: datetime, now: datetime, sla: SlaTable = SLA) -> WarningLevel:
    return rectification_warning(CAL_2026, sla, start=start, due_at=due_at, now=now)


def test_rectification_due_on_monday_turns_yellow_at_the_end_of_friday() -> None:
    start = datetime(2026, 3, 2, 10, tzinfo=SH)  # Monday
    due_at = rectification_due(CAL_2026, SLA, start).at
    # 3 March … 20 March are working days 1–14 (two weekends skipped), Monday 23 March is 15th
    assert due_at == datetime(2026, 3, 23, 23, 59, 59, tzinfo=SH)
    # yellow from the end of the working day before: Friday 20 March, over the weekend
    assert _level(start, due_at, datetime(2026, 3, 20, 23, 59, 58, tzinfo=SH)) is NONE
    assert _level(start, due_at, datetime(2026, 3, 20, 23, 59, 59, tzinfo=SH)) is YELLOW
    assert _level(start, due_at, datetime(2026, 3, 22, 12, tzinfo=SH)) is YELLOW
    assert _level(start, due_at, due_at) is YELLOW
    assert _level(start, due_at, datetime(2026, 3, 24, 0, 0, tzinfo=SH)) is RED


def test_rectification_due_after_the_may_holiday_turns_yellow_before_it() -> None:
    start = datetime(2026, 4, 10, 10, tzinfo=SH)  # Friday; day 1 is Monday 13 April
    due_at = rectification_due(CAL_2026, SLA, start).at
    # 13 April … 30 April are days 1–14; 1–5 May are 劳动节 and a weekend → Wednesday 6 May
    assert due_at == datetime(2026, 5, 6, 23, 59, 59, tzinfo=SH)
    # the working day before 6 May is Thursday 30 April: yellow for the whole holiday
    assert _level(start, due_at, datetime(2026, 4, 30, 12, tzinfo=SH)) is NONE
    assert _level(start, due_at, datetime(2026, 4, 30, 23, 59, 59, tzinfo=SH)) is YELLOW
    assert _level(start, due_at, datetime(2026, 5, 3, 9, tzinfo=SH)) is YELLOW
    assert _level(start, due_at, datetime(2026, 5, 7, 0, 0, tzinfo=SH)) is RED


def test_rectification_with_an_hour_limit_turns_yellow_at_80_percent() -> None:
    hours = SLA.with_rules([SlaRule(Clock.RECTIFICATION, Limit.hours(10))])
    start = datetime(2026, 5, 1, 8, tzinfo=SH)  # a holiday: wall clock anyway
    due_at = rectification_due(CAL_2026, hours, start).at
    assert due_at == datetime(2026, 5, 1, 18, tzinfo=SH)
    assert _level(start, due_at, datetime(2026, 5, 1, 15, 59, tzinfo=SH), hours) is NONE
    assert _level(start, due_at, datetime(2026, 5, 1, 16, tzinfo=SH), hours) is YELLOW


def test_the_sweeper_window_holds_every_rectification_that_can_be_yellow() -> None:
    """Whatever `now`, a rectification at yellow or red is due by rectification_watch_until."""
    starts = [datetime(2026, 4, 1, 9, tzinfo=SH) + timedelta(days=d) for d in range(12)]
    dues = [rectification_due(CAL_2026, SLA, s).at for s in starts]
    now = datetime(2026, 4, 20, 0, tzinfo=SH)
    while now < datetime(2026, 5, 15, tzinfo=SH):
        until = rectification_watch_until(CAL_2026, SLA, now)
        for start, due_at in zip(starts, dues, strict=True):
            if _level(start, due_at, now) is not NONE:
                assert due_at <= until, (now, due_at, until)
        now += timedelta(hours=1)
    # and it stays near: on Thursday 30 April only what is due by Wednesday 6 May (+1 day)
    until = rectification_watch_until(CAL_2026, SLA, datetime(2026, 4, 30, 10, tzinfo=SH))
    assert until == datetime(2026, 5, 7, 23, 59, 59, tzinfo=SH)


def test_each_warning_is_raised_once_per_round() -> None:
    start = datetime(2026, 3, 2, 10, tzinfo=SH)
    r = Rectification.open(CAL_2026, SLA, start)
    friday = datetime(2026, 3, 20, 23, 59, 59, tzinfo=SH)
    assert r.check_warning(CAL_2026, SLA, start) is None
    assert r.check_warning(CAL_2026, SLA, friday) is YELLOW and r.warning is YELLOW
    assert r.check_warning(CAL_2026, SLA, friday + timedelta(hours=1)) is None
    late = r.due_at + timedelta(seconds=1)
    assert r.check_warning(CAL_2026, SLA, late) is RED
    assert r.check_warning(CAL_2026, SLA, late + timedelta(days=9)) is None
    # reported: no longer watched; a dissatisfied follow-up opens a round watched afresh
    r.submit_report("已整改", late)
    assert r.check_warning(CAL_2026, SLA, late + timedelta(days=30)) is None
    again = datetime(2026, 3, 26, 10, tzinfo=SH)
    r.follow_up(False, again, CAL_2026, SLA)
    assert r.warning is NONE and r.round_started_at == again
    assert r.check_warning(CAL_2026, SLA, again) is None
    # a pass only after the new due time goes straight to red
    assert r.check_warning(CAL_2026, SLA, r.due_at + timedelta(days=1)) is RED


def test_a_cancelled_rectification_is_not_watched() -> None:
    r = Rectification.open(CAL_2026, SLA, NOW)
    r.cancel("评价经申诉被剔除")
    assert r.check_warning(CAL_2026, SLA, r.due_at + timedelta(days=1)) is None
