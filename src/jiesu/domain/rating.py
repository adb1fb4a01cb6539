"""好差评 rules: star levels, bad ratings, rectification (整改) and rating appeals (申诉).

Pure standard library; time is passed in. The services store these records and append events
to the rated appeal's chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from jiesu.domain.calendar import Deadline, WorkCalendar
from jiesu.domain.deadlines import (
    Clock,
    Limit,
    SlaTable,
    WarningLevel,
    due,
    warning_level,
    workdays_counted,
    yellow_at,
)
from jiesu.domain.errors import IllegalTransition, InvalidArguments

STARS_ZH = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_MAX = 2  # 1–2 stars are 差评
DEFAULT_RECTIFICATION = Limit.workdays(15)


def check_stars(stars: object) -> int:
    """The star level 1–5, or InvalidArguments."""
    if isinstance(stars, bool) or not isinstance(stars, int) or stars not in STARS_ZH:
        raise InvalidArguments("评价等级须为 1 到 5 星", field="stars")
    return stars


def parse_stars(text: str) -> int:
    """The star level a form sent as text ("1"–"5"), or InvalidArguments: "请选择评价星级"
    when none was chosen, else the message of `check_stars`. Every rating form (an appeal's,
    a service item's, the survey's) parses it so and says the same."""
    value = text.strip()
    if not value:
        raise InvalidArguments("请选择评价星级", field="stars")
    if not (value.isascii() and value.isdigit() and len(value) == 1):
        return check_stars(None)
    return check_stars(int(value))


COMMENT_CHARS = 1000


def check_comment(comment: str | None) -> str | None:
    """The rater's comment, trimmed (None when empty), or InvalidArguments when too long: a
    longer one was cut to its first 1,000 characters without a word."""
    text = (comment or "").strip()
    if len(text) > COMMENT_CHARS:
        raise InvalidArguments(f"评价说明不能超过 {COMMENT_CHARS} 字", field="comment")
    return text or None


def is_bad(stars: int) -> bool:
    """差评: 不满意 or 非常不满意."""
    return stars <= BAD_MAX


def is_good(stars: int) -> bool:
    """好评: 基本满意 and better (everything that is not 差评)."""
    return stars > BAD_MAX


def rectification_limit(sla: SlaTable) -> Limit:
    """The rectification clock's limit (SLA clock `rectification`, default 15 working days)."""
    return sla.limit_for(Clock.RECTIFICATION, kind="", urgency="") or DEFAULT_RECTIFICATION


def rectification_due(calendar: WorkCalendar, sla: SlaTable, start: datetime) -> Deadline:
    """When a rectification started at `start` is due (default 15 working days)."""
    return due(calendar, start, rectification_limit(sla))


def rectification_warning(calendar: WorkCalendar, sla: SlaTable, *, start: datetime,
                          due_at: datetime, now: datetime) -> WarningLevel:
    """The warning an open rectification is at, by the appeals' rule (DESIGN §4): yellow from
    1 working day (hour-based limit: 20 %) before due, red once overdue."""
    deadline = Deadline(due_at, False)
    yellow = yellow_at(calendar, start, deadline, rectification_limit(sla))
    return warning_level(now, yellow=yellow, deadline=deadline)


def rectification_watch_until(calendar: WorkCalendar, sla: SlaTable, now: datetime) -> datetime:
    """A time no earlier than the latest due time that can be yellow at `now`: the sweeper
    looks only at open rectifications due by then. Working days: due on a later local date than
    the next working day means yellow starts on a date after today."""
    limit = rectification_limit(sla)
    if not limit.is_wall_clock:
        return calendar.add_working_days(now, 1, from_next_day=True).at + timedelta(days=1)
    return now + limit.duration()


def default_rating_at(closed_at: datetime, window_days: int) -> datetime:
    """When an unrated, closed appeal gets the configured default rating."""
    if window_days < 1:
        raise InvalidArguments("默认评价期限须至少 1 天", field="rating_window_days")
    return closed_at + timedelta(days=window_days)


def rating_ends(closed_at: datetime | None, window_days: int) -> datetime | None:
    """Until when the requester may rate an appeal closed at `closed_at` (评价期限): the rating
    window counted from its closing, the moment the default rating (if configured) is given
    instead. None while it is not closed (a replied appeal can be rated)."""
    return None if closed_at is None else default_rating_at(closed_at, window_days)


def rating_over(closed_at: datetime | None, window_days: int, now: datetime) -> bool:
    """The rating window of an appeal closed at `closed_at` has passed at `now`."""
    ends = rating_ends(closed_at, window_days)
    return ends is not None and now >= ends


class RectificationStatus(StrEnum):
    OPEN = "open"  # 待整改
    REPORTED = "reported"  # 已提交整改报告，待回访
    VERIFIED = "verified"  # 已回访
    PUBLISHED = "published"  # 已公示
    CANCELLED = "cancelled"  # 差评经申诉被剔除，整改撤销


RECTIFICATION_ZH = {
    RectificationStatus.OPEN: "待整改",
    RectificationStatus.REPORTED: "已整改待回访",
    RectificationStatus.VERIFIED: "已回访",
    RectificationStatus.PUBLISHED: "已公示",
    RectificationStatus.CANCELLED: "已撤销",
}


@dataclass
class Rectification:
    """The work a bad rating triggers, its report, its follow-up and its publication."""

    status: RectificationStatus
    due_at: datetime
    rounds: int = 1
    report: str | None = None
    reported_at: datetime | None = None
    satisfied: bool | None = None
    followed_up_at: datetime | None = None
    published_at: datetime | None = None
    cancelled_reason: str | None = None
    opened_at: datetime | None = None
    warning: WarningLevel = WarningLevel.NONE  # of the current round's deadline

    @classmethod
    def open(cls, calendar: WorkCalendar, sla: SlaTable, now: datetime) -> Rectification:
        return cls(RectificationStatus.OPEN, rectification_due(calendar, sla, now).at,
                   opened_at=now)

    def overdue(self, now: datetime) -> bool:
        return self.status is RectificationStatus.OPEN and now > self.due_at

    @property
    def round_started_at(self) -> datetime | None:
        """When the current round's clock started: the opening, or the dissatisfied 回访."""
        return self.followed_up_at if self.rounds > 1 and self.followed_up_at else self.opened_at

    def check_warning(self, calendar: WorkCalendar, sla: SlaTable,
                      now: datetime) -> WarningLevel | None:
        """Raise yellow, then red, once each per round while open; returns the level just
        reached (a pass after the due time goes straight to red), or None."""
        if self.status is not RectificationStatus.OPEN:
            return None
        start = self.round_started_at or datetime.min.replace(tzinfo=UTC)
        level = rectification_warning(calendar, sla, start=start, due_at=self.due_at, now=now)
        order = list(WarningLevel)
        if order.index(level) <= order.index(self.warning):
            return None
        self.warning = level
        return level

    def recount_due(self, calendar: WorkCalendar, sla: SlaTable, year: int,
                    now: datetime, *, counted_on: WorkCalendar | None = None) -> bool:
        """After `year`'s official calendar is loaded: the open round's deadline counted again
        from the round's start when that count ran through `year` (it was provisional, on
        Mon–Fri, DESIGN §4), with the working days the round started with, counted on
        `counted_on` (the calendar before the load; by default `year` Mon–Fri), even when the
        limit has changed since; a wall-clock deadline stays. True when it moved. A warning
        raised against the old deadline that the new one does not give at `now` goes back to
        the level it gives, so that it is raised again when the new deadline nears and passes
        (docs/deadlines.md)."""
        start = self.round_started_at
        if self.status is not RectificationStatus.OPEN or start is None:
            return False
        if not calendar.local_date(start).year <= year <= calendar.local_date(self.due_at).year:
            return False
        old = counted_on if counted_on is not None else calendar.without_years([year])
        n = workdays_counted(old, start, self.due_at)
        if n is None:
            return False
        moved = calendar.add_working_days(start, n).at
        if moved == self.due_at:
            return False
        self.due_at = moved
        level = rectification_warning(calendar, sla, start=start, due_at=moved, now=now)
        order = list(WarningLevel)
        if order.index(level) < order.index(self.warning):
            self.warning = level
        return True

    def submit_report(self, text: str, now: datetime) -> None:
        """The unit reports what it did (整改报告)."""
        text = (text or "").strip()
        if not text:
            raise InvalidArguments("请填写整改情况", field="report")
        if len(text) > 5000:
            raise InvalidArguments("整改情况不能超过 5000 字", field="report")
        self._require(RectificationStatus.OPEN, "提交整改报告")
        self.report, self.reported_at = text, now
        self.status = RectificationStatus.REPORTED

    def follow_up(self, satisfied: bool, now: datetime, calendar: WorkCalendar,
                  sla: SlaTable) -> None:
        """The requester is asked about the rectification; dissatisfied → another round."""
        self._require(RectificationStatus.REPORTED, "整改回访")
        self.satisfied, self.followed_up_at = satisfied, now
        if satisfied:
            self.status = RectificationStatus.VERIFIED
        else:
            self.rounds += 1
            self.status = RectificationStatus.OPEN
            self.due_at = rectification_due(calendar, sla, now).at
            self.warning = WarningLevel.NONE  # a new deadline is watched afresh

    def publish(self, now: datetime, *, appeal_pending: bool = False) -> None:
        """Publish the rectification result (整改结果公示); not while a 申诉 against its
        rating waits for review (`appeal_pending`): upheld, it would exclude the rating and
        cancel the rectification, and the public would have seen it meanwhile."""
        self._require(RectificationStatus.VERIFIED, "公示")
        if appeal_pending:
            raise IllegalTransition("该差评的申诉正在审核中，申诉审核后才能公示整改结果")
        self.published_at = now
        self.status = RectificationStatus.PUBLISHED

    def cancel(self, reason: str) -> None:
        """The rating behind it was excluded after a successful 申诉."""
        if self.status in (RectificationStatus.PUBLISHED, RectificationStatus.CANCELLED):
            raise IllegalTransition(f"整改已{RECTIFICATION_ZH[self.status]}，不能撤销")
        self.status = RectificationStatus.CANCELLED
        self.cancelled_reason = reason

    def _require(self, status: RectificationStatus, what: str) -> None:
        if self.status is not status:
            raise IllegalTransition(
                f"整改当前状态为“{RECTIFICATION_ZH[self.status]}”，不能{what}")


class RatingAppealStatus(StrEnum):
    PENDING = "pending"  # 待审核
    UPHELD = "upheld"  # 申诉成立：评价被剔除
    REJECTED = "rejected"  # 申诉不成立：评价保留


RATING_APPEAL_ZH = {
    RatingAppealStatus.PENDING: "待审核",
    RatingAppealStatus.UPHELD: "申诉成立",
    RatingAppealStatus.REJECTED: "申诉驳回",
}


@dataclass
class RatingAppeal:
    """A unit's appeal (申诉) against a rating it considers malicious."""

    status: RatingAppealStatus
    reason: str
    decision_reason: str | None = None
    decided_at: datetime | None = None

    @classmethod
    def file(cls, reason: str, *, stars: int, excluded: bool,
             earlier: RatingAppealStatus | None,
             rectification: RectificationStatus | None) -> RatingAppeal:
        """A new 申诉; `earlier` is the status of the rating's earlier 申诉, if it had one: a
        rating is appealed once, so a denied appeal is final. `rectification` is the status of
        the rating's 整改: once its result is published (整改公示) the rating is not appealed
        any more, since an upheld 申诉 would exclude a rating the public has seen corrected
        (and, the other way round, a rectification is not published while a 申诉 waits:
        `Rectification.publish`)."""
        reason = (reason or "").strip()
        if not reason:
            raise InvalidArguments("请填写申诉理由", field="reason")
        if len(reason) > 2000:
            raise InvalidArguments("申诉理由不能超过 2000 字", field="reason")
        if not is_bad(stars):
            raise IllegalTransition("只能对差评提出申诉")
        if excluded:
            raise IllegalTransition("该评价已被剔除")
        if earlier is RatingAppealStatus.PENDING:
            raise IllegalTransition("该评价已有待审核的申诉")
        if earlier is not None:
            raise IllegalTransition("该评价已申诉过且申诉已被驳回，每条评价只能申诉一次")
        if rectification is RectificationStatus.PUBLISHED:
            raise IllegalTransition("整改结果已公示，不能再对该评价提出申诉")
        return cls(RatingAppealStatus.PENDING, reason)

    def decide(self, uphold: bool, reason: str, now: datetime) -> None:
        """A reviewer decides; upholding excludes the rating and keeps this reason."""
        reason = (reason or "").strip()
        if not reason:
            raise InvalidArguments("请填写审核意见", field="reason")
        if self.status is not RatingAppealStatus.PENDING:
            raise IllegalTransition("该申诉已审核")
        self.status = RatingAppealStatus.UPHELD if uphold else RatingAppealStatus.REJECTED
        self.decision_reason, self.decided_at = reason, now
