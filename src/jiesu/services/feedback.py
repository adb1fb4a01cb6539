"""Follow-up (回访) tasks and surveys, 好差评 ratings, rectifications (整改) and rating appeals.

One transaction per public method. Anything that concerns an appeal also appends an event to
that appeal's hash chain in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jiesu.config import Settings
from jiesu.domain import appeal as dom
from jiesu.domain import notices, retention
from jiesu.domain import rating as rules_rating
from jiesu.domain.deadlines import WarningLevel
from jiesu.domain.errors import (
    ConcurrencyConflict,
    DomainError,
    IllegalTransition,
    InvalidArguments,
    NotFound,
    PermissionDenied,
)
from jiesu.domain.events import DomainEvent
from jiesu.nlp.pii import redact
from jiesu.services import notices as unit_notices
from jiesu.services.retention import erased_text
from jiesu.services.rules import RulesProvider
from jiesu.services.service_items import ServiceItemService
from jiesu.services.throttle import AttemptLimiter, ItemRatingLimit
from jiesu.store import feedback_store as fq
from jiesu.store import notify_store
from jiesu.store import rating_queries as rq
from jiesu.store.feedback_tables import (
    RatingAppealRow,
    RatingRow,
    RectificationRow,
    SurveyTokenRow,
)
from jiesu.store.tables import AppealRow
from jiesu.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)
Role = dom.Role
STAFF_READERS = frozenset({Role.FOLLOWUP_AGENT, Role.SUPERVISOR, Role.DISPATCHER, Role.ANALYST,
                           Role.ADMIN, Role.HANDLER, Role.GRID_WORKER, Role.OPERATOR})
# Who may take each step of 整改 and 申诉 (the checks below use these; pages offer forms by them):
# the rated unit reports and appeals (its own subtree, `require_unit`), a follow-up agent asks
# the requester about the rectification, a reviewer publishes it and decides appeals.
UNIT_ACTORS = dom.UNIT_SCOPED_ROLES | {Role.ADMIN}
RECTIFICATION_FOLLOWERS = frozenset({Role.FOLLOWUP_AGENT, Role.ADMIN})
REVIEWERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
RATING_APPEAL_READERS = REVIEWERS | {Role.ANALYST}


ITEM_STOPPED = "该服务事项已停用，暂不接受评价"


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


# --- access checks (the only places that decide who may do what here) -----------------------


def require_role(actor: dom.Actor, roles: frozenset[Role] | set[Role], what: str) -> None:
    """Refuse actors whose role is not in `roles`."""
    if actor.role not in roles:
        raise PermissionDenied(f"“{dom.ROLE_ZH.get(actor.role, actor.role)}”无权{what}")


def require_unit(actor: dom.Actor, unit_id: int | None, what: str) -> None:
    """Unit-scoped roles may act only for their own unit subtree; admins for any unit."""
    if actor.role is Role.ADMIN:
        return
    if actor.role not in dom.UNIT_SCOPED_ROLES or unit_id not in actor.unit_scope:
        raise PermissionDenied(f"只有承办单位本单位人员可以{what}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class FollowUpTask:
    appeal_id: int
    code: str | None
    title: str
    lead_unit_id: int | None
    replied_at: datetime | None
    due_at: datetime | None
    attempts: int
    late: bool
    next_call_at: datetime | None = None  # the next 未联系上 may be recorded from then
    # False: no number to call (anonymous, a governance task); one 未联系上 closes it (无法回访)
    has_phone: bool = True


@dataclass
class SurveyLink:
    token: str
    appeal_id: int
    expires_at: datetime


@dataclass
class SurveyInfo:
    """What the survey link shows: the code, and the title and reply redacted as on the board."""

    appeal_code: str | None
    title: str
    reply_text: str | None
    expires_at: datetime


@dataclass
class RectificationWarnings:
    """What one pass over the open rectifications' deadlines did."""

    checked: int = 0
    yellow: int = 0
    red: int = 0
    units_texted: int = 0  # warnings sent to the rated unit's duty phone


@dataclass
class RatingResult:
    rating_id: int
    bad: bool
    rectification_id: int | None


SURVEY_ROUND_OVER = "该诉求已重新办理，此问卷链接已失效；新的答复将另行回访"


def _check_round(appeal: dom.Appeal, link: SurveyTokenRow) -> None:
    """A survey link asks about the reply it was sent for: Conflict once that reply's
    follow-up is over, by this link or otherwise (a call-back, the dispatcher's 退回重新答复),
    also when the unit has replied again since (a reply after the link was made), whose
    follow-up is another round: answered through the old link it would close the appeal and
    rate the unit on the new reply in the requester's name, before they were asked about it."""
    if appeal.status is dom.Status.CLOSED:
        raise Conflict("该诉求已完成回访")
    if appeal.status is not dom.Status.REPLIED or (
            appeal.replied_at is not None and appeal.replied_at > link.created_at):
        raise Conflict(SURVEY_ROUND_OVER)


class FeedbackService:
    def __init__(self, db: Database, rules: RulesProvider,
                 settings: Settings | None = None, *,
                 limiter: AttemptLimiter | None = None,
                 item_limit: ItemRatingLimit | None = None) -> None:
        self.db = db
        self.rules = rules
        self.settings = settings or rules.settings
        # wrong phone numbers per tracking code, shared with the tracking page (`track:<code>`)
        self.limiter = limiter or AttemptLimiter(db)
        # service-item ratings per client address (none: not limited, e.g. the demo data)
        self.item_limit = item_limit

    # --- follow-up tasks ----------------------------------------------------------------------

    def followup_tasks(self, actor: dom.Actor, now: datetime, *, late_only: bool = False,
                       limit: int = 200, offset: int = 0) -> tuple[list[FollowUpTask], int]:
        """Every replied appeal is a follow-up task (100 % 回访); late ones are past due."""
        require_role(actor, {Role.FOLLOWUP_AGENT, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER,
                             Role.ANALYST}, "查看回访任务")
        with self.db.uow(write=False) as uow:
            rows, total = fq.awaiting_followup(uow.session,
                                               late_before=now if late_only else None,
                                               limit=limit, offset=offset)
        retry = self.rules.get().followup_retry_minutes
        tasks = [FollowUpTask(r.appeal_id, r.code, r.title, r.lead_unit_id, r.replied_at,
                              r.followup_due_at, r.followup_attempts,
                              r.followup_due_at is not None and now > r.followup_due_at,
                              _later(dom.followup_retry_at(r.followup_last_attempt_at, retry),
                                     now),
                              dom.callable_phone(r.requester_phone))
                 for r in rows]
        return tasks, total

    # --- online survey (an alternative to the call) -------------------------------------------

    def create_survey(self, actor: dom.Actor, appeal_id: int, now: datetime) -> SurveyLink:
        """A single-use survey link for the requester of a replied appeal."""
        require_role(actor, {Role.FOLLOWUP_AGENT, Role.ADMIN, Role.SYSTEM}, "发送回访问卷")
        token = secrets.token_urlsafe(24)
        expires = now + timedelta(days=self.settings.survey_token_days)
        with self.db.uow() as uow:
            appeal, _ = uow.appeals.get(appeal_id)
            if appeal.status is not dom.Status.REPLIED:
                raise IllegalTransition("只有已答复待回访的诉求可以发送回访问卷")
            if not appeal.requester_phone:
                raise InvalidArguments("该诉求没有诉求人联系电话，无法发送问卷")
            uow.session.add(SurveyTokenRow(token_hash=token_hash(token), appeal_id=appeal_id,
                                           created_at=now, created_by=actor.user_id,
                                           expires_at=expires))
            # the link goes to the requester by SMS, with the token: it is kept nowhere else
            base = self.settings.public_base_url.strip().rstrip("/")
            text = notices.survey_notice(code=appeal.code or "", city=self.settings.city_name,
                                         url=f"{base}/survey/{token}",
                                         days=self.settings.survey_token_days)
            notify_store.enqueue(uow.session, channel="sms", recipient=appeal.requester_phone,
                                 body=text, kind=notices.SURVEY_KIND, now=now,
                                 ref=notices.requester_ref(appeal_id, notices.SURVEY_STEP))
            uow.commit()
        return SurveyLink(token, appeal_id, expires)

    def _token(self, uow: UnitOfWork, token: str, now: datetime, *,
               lock: bool = False) -> SurveyTokenRow:
        row = fq.survey_token(uow.session, token_hash(token), lock=lock)
        if row is None:
            raise NotFound("问卷链接无效")
        if row.used_at is not None:
            raise Conflict("该问卷已提交过，感谢您的反馈")
        if now > row.expires_at:
            raise Conflict("问卷链接已过期")
        return row

    def survey_info(self, token: str, now: datetime) -> SurveyInfo:
        with self.db.uow(write=False) as uow:
            row = self._token(uow, token, now)
            appeal, _ = uow.appeals.get(row.appeal_id)
            _check_round(appeal, row)
            # the link is a bearer URL in a text message, forwarded and logged like any other:
            # what it opens is what the board would show, not what the tracking page shows
            # after the code and the phone
            names = [appeal.requester_name] if appeal.requester_name else []
            return SurveyInfo(appeal.code, redact(appeal.title or "", names),
                              redact(appeal.reply_text, names) if appeal.reply_text else None,
                              row.expires_at)

    def answer_survey(self, token: str, now: datetime, *, resolved: str, satisfaction: str,
                      stars: int | None = None, comment: str | None = None) -> dom.Appeal:
        """The requester answers online: recorded as the `follow_up` action of the requester.
        A comment over 1,000 characters is refused, as on every rating form."""
        comment = rules_rating.check_comment(comment)
        with self.db.uow() as uow:
            row = self._token(uow, token, now, lock=True)
            appeal, arow = uow.appeals.get(row.appeal_id)
            actor = dom.Actor(role=Role.REQUESTER, phone=appeal.requester_phone)
            _check_round(appeal, row)
            events = dom.apply(appeal, dom.Action.FOLLOW_UP, actor, now, rules=self.rules.get(),
                               reached=True, resolved=resolved, satisfaction=satisfaction,
                               note=f"网上回访问卷{('：' + comment.strip()) if comment else ''}")
            uow.appeals.save(appeal, arow, events, now=now)
            row.used_at = now
            # an answer that sends it back to the unit (重办): the unit and the requester hear
            unit_notices.notify_requester(uow, self.rules.settings, appeal, events, now)
            unit_notices.notify_units(uow, self.rules.settings, appeal, events, now)
            if stars is not None:
                # Rated with the answer, even when the answer sent the appeal back to rework.
                self._rate_appeal(uow, appeal, appeal.requester_phone or "", stars, comment,
                                  now, source="survey", any_status=True)
            uow.commit()
        return appeal

    # --- ratings ----------------------------------------------------------------------------

    def rate_appeal(self, actor: dom.Actor, appeal_id: int, stars: int, comment: str | None,
                    now: datetime) -> RatingResult:
        """The requester (an actor with role requester and the appeal's phone) rates it."""
        stars = rules_rating.check_stars(stars)
        require_role(actor, {Role.REQUESTER}, "评价诉求")
        with self.db.uow() as uow:
            appeal, _ = uow.appeals.get(appeal_id)
            if not _same_phone(actor.phone, appeal.requester_phone):
                raise PermissionDenied("只有诉求人本人可以评价")
            result = self._rate_appeal(uow, appeal, actor.phone or "", stars, comment, now,
                                       source="requester")
            uow.commit()
        return result

    def rate_appeal_by_code(self, code: str, phone: str, stars: int, now: datetime, *,
                            comment: str | None = None) -> RatingResult:
        """Rating from the public API: the tracking code and phone prove who rates. Codes are
        public (receipts, the board): wrong phones count against the code as on the tracking
        page, whose limit this shares, so the API cannot be used to guess a requester's phone
        (TooManyAttempts, 429)."""
        code = code.strip()
        key = f"track:{code}"
        failures = self.limiter.check(key, now)
        with self.db.uow(write=False) as uow:
            appeal_id = uow.appeals.find_by_code(code)
            requester_phone = None
            if appeal_id is not None:
                requester_phone = uow.appeals.get(appeal_id)[0].requester_phone
        if appeal_id is None or not _same_phone(phone, requester_phone):
            self.limiter.failed(key, now)
            raise NotFound("诉求编号或联系电话不正确")
        self.limiter.succeeded(key, failures)
        return self.rate_appeal(dom.Actor(role=Role.REQUESTER, phone=phone), appeal_id, stars,
                                comment, now)

    def _rate_appeal(self, uow: UnitOfWork, appeal: dom.Appeal, phone: str,
                     stars: int, comment: str | None, now: datetime, *,
                     source: str, any_status: bool = False,
                     rated_at: datetime | None = None) -> RatingResult:
        """Rate the appeal at `now`; `rated_at`, the moment a default rating stands for (its
        window's end), dates the rating for the figures while its event keeps `now`."""
        stars = rules_rating.check_stars(stars)
        comment = rules_rating.check_comment(comment)
        if not any_status and appeal.status not in (dom.Status.REPLIED, dom.Status.CLOSED):
            raise IllegalTransition("诉求答复后才能评价")
        if appeal.lead_unit_id is None:
            raise IllegalTransition("该诉求没有承办单位，无需评价")
        if source != "default":
            self._check_rating_window(appeal, now)
        rater = dom.phone_digits(phone)
        taken = fq.appeal_rating_id(uow.session, appeal.id, rater)
        if taken is not None:
            raise Conflict("您已评价过该诉求，每件诉求只能评价一次")
        rating = RatingRow(appeal_id=appeal.id, unit_id=appeal.lead_unit_id, stars=stars,
                           comment=comment, rater_phone=rater, source=source,
                           created_at=rated_at or now, excluded=False)
        uow.session.add(rating)
        uow.session.flush()
        # a bad default rating's 整改 runs from when the unit is told of it (now)
        rect_id = self._open_rectification(uow, rating, now)
        data: dict[str, Any] = {"rating_id": rating.id, "stars": stars,
                                "bad": rules_rating.is_bad(stars), "source": source}
        if rated_at is not None:
            data["rated_at"] = rated_at.isoformat()
        events = [DomainEvent("rated", now, None, Role.REQUESTER if source != "default"
                              else Role.SYSTEM, data)]
        if rect_id is not None:
            events.append(DomainEvent("rectification_opened", now, None, Role.SYSTEM, {
                "rectification_id": rect_id, "rating_id": rating.id}))
        assert appeal.id is not None
        _append_events(uow, appeal.id, events, now)
        return RatingResult(rating.id, rules_rating.is_bad(stars), rect_id)

    def _check_rating_window(self, appeal: dom.Appeal, now: datetime) -> None:
        """A closed appeal is rated within JIESU_RATING_WINDOW_DAYS of its closing (评价期限);
        a later rating is refused (409), as a late reopening is."""
        if appeal.status is not dom.Status.CLOSED:
            return
        days = self.settings.rating_window_days
        ends = rules_rating.rating_ends(appeal.closed_at, days)
        if ends is not None and rules_rating.rating_over(appeal.closed_at, days, now):
            local = ends.astimezone(self.settings.tz).strftime("%Y-%m-%d %H:%M")
            raise IllegalTransition(f"评价期限已过：办结后 {days} 天内可评价（截至 {local}）")

    def rate_service_item(self, item_id: int, phone: str, stars: int, now: datetime, *,
                          comment: str | None = None, address: str = "") -> RatingResult:
        """Anyone who gives a phone number rates a unit's service item; `address` is the
        client's, counted by `item_limit` (TooManyAttempts, 429, before anything is stored)."""
        stars = rules_rating.check_stars(stars)
        comment = rules_rating.check_comment(comment)
        if not dom.phone_digits(phone):
            raise InvalidArguments("请填写联系电话", field="phone")
        if not dom.callable_phone(phone):  # the rule of every channel: 7–20 digits
            raise InvalidArguments("联系电话格式不正确", field="phone")
        if self.item_limit is not None:  # its own short transaction, before the writing one
            self.item_limit.check(item_id, address, now)
        result = self._rate_service_item(item_id, phone, stars, comment, now)
        if self.item_limit is not None:  # only a stored rating counts
            try:
                self.item_limit.record(item_id, address, now)
            except DomainError as exc:  # the rating is stored: a missed count must not hide it
                log.warning("a service-item rating could not be counted: %s", exc.message)
        return result

    def _rate_service_item(self, item_id: int, phone: str, stars: int, comment: str | None,
                           now: datetime) -> RatingResult:
        with self.db.uow() as uow:
            # locked (as an administrator's change locks it), so that two ratings from one
            # phone at once cannot both pass the check below: the second waits, then is refused
            item = fq.service_item(uow.session, item_id, lock=True)
            if item is None:
                raise NotFound(f"服务事项 {item_id} 不存在")
            # switched off (停用), or its unit stopped: its poster may still hang somewhere
            if not item.rateable:
                raise IllegalTransition(ITEM_STOPPED)
            # one phone, one rating of an item a day (by default): a bad one opens a 整改
            hours = self.settings.item_rating_interval_hours
            last = (fq.rated_item_since(uow.session, item.id, dom.phone_digits(phone),
                                           now - timedelta(hours=hours)) if hours else None)
            if last is not None:
                again = (last + timedelta(hours=hours)).astimezone(self.settings.tz)
                raise IllegalTransition(
                    f"该号码已评价过这项服务，{again.strftime('%Y-%m-%d %H:%M')} 后可再次评价")
            rating = RatingRow(service_item_id=item.id, unit_id=item.unit_id, stars=stars,
                               comment=comment, rater_phone=dom.phone_digits(phone),
                               source="requester", created_at=now, excluded=False)
            uow.session.add(rating)
            uow.session.flush()
            rect_id = self._open_rectification(uow, rating, now)
            uow.commit()
            return RatingResult(rating.id, rules_rating.is_bad(stars), rect_id)

    def _open_rectification(self, uow: UnitOfWork, rating: RatingRow,
                            now: datetime) -> int | None:
        if not rules_rating.is_bad(rating.stars):
            return None
        r = self.rules.get()
        rect = rules_rating.Rectification.open(r.calendar, r.sla, now)
        row = RectificationRow(rating_id=rating.id, unit_id=rating.unit_id,
                               appeal_id=rating.appeal_id, status=str(rect.status),
                               due_at=rect.due_at, rounds=rect.rounds, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        return row.id

    def apply_default_ratings(self, now: datetime, *, batch: int = 500) -> int:
        """Give the configured default rating to closed appeals whose rating window passed.

        The rating is dated when its window ended (`rules_rating.default_rating_at`), the moment
        the requester could no longer rate, whenever the job gets to it: a job that was down
        over a month's end does not move it into the next month's figures. Its 'rated' event is
        written at `now` and names that moment (`rated_at`), for the audit trail."""
        stars = self.settings.rating_default_stars
        if stars is None:
            return 0
        stars = rules_rating.check_stars(stars)
        cutoff = now - timedelta(days=self.settings.rating_window_days)
        done = 0
        with self.db.uow() as uow:
            ids = fq.appeals_awaiting_default_rating(
                uow.session, closed_by=cutoff,
                # bounded, so the query stays short; personal data is kept at least this long
                closed_after=cutoff - timedelta(days=retention.DEFAULT_RATING_LOOKBACK_DAYS),
                limit=batch)
            for appeal_id in ids:
                appeal, _ = uow.appeals.get(appeal_id)
                assert appeal.closed_at is not None  # closed, by the query
                ended = rules_rating.default_rating_at(appeal.closed_at,
                                                       self.settings.rating_window_days)
                self._rate_appeal(uow, appeal, appeal.requester_phone or "", stars, None,
                                  now, source="default", rated_at=min(ended, now))
                done += 1
            uow.commit()
        return done

    # --- rating appeals (申诉) -----------------------------------------------------------------

    def file_rating_appeal(self, actor: dom.Actor, rating_id: int, reason: str,
                           now: datetime) -> int:
        """The rated unit says a rating is malicious (恶意差评申诉); once per rating."""
        with self.db.uow() as uow:
            # locked, so that two requests at once cannot both file the rating's one 申诉
            rating = uow.session.get(RatingRow, rating_id, with_for_update=True)
            if rating is None:
                raise NotFound(f"评价 {rating_id} 不存在")
            require_unit(actor, rating.unit_id, "对本单位的评价提出申诉")
            # under the rating's lock, which erasure takes first too: erased before this (its
            # reason is stored as erasure left the rest) or after (erasure redacts it)
            erased = fq.rating_erased(uow.session, rating_id)
            earlier = fq.rating_appeal_status(uow.session, rating_id)
            # read under the rating's lock, which publishing takes first too: a rectification
            # is published either before this 申诉 (refused here) or after its decision
            rect_status = fq.rectification_status(uow.session, rating_id)
            ra = rules_rating.RatingAppeal.file(
                reason, stars=rating.stars, excluded=rating.excluded,
                earlier=rules_rating.RatingAppealStatus(earlier) if earlier else None,
                rectification=(rules_rating.RectificationStatus(rect_status)
                               if rect_status else None))
            reason = (erased_text(ra.reason) or "") if erased else ra.reason
            row = RatingAppealRow(rating_id=rating_id, unit_id=rating.unit_id, reason=reason,
                                  status=str(ra.status), requested_by=actor.user_id,
                                  requested_at=now)
            uow.session.add(row)
            uow.session.flush()
            self._appeal_event(uow, rating.appeal_id, actor, now, "rating_appealed",
                               {"rating_id": rating_id, "rating_appeal_id": row.id,
                                "reason": reason})
            uow.commit()
            return row.id

    def decide_rating_appeal(self, actor: dom.Actor, rating_appeal_id: int, uphold: bool,
                             reason: str, now: datetime) -> str:
        """A reviewer decides; an upheld appeal excludes the rating and keeps the reason."""
        require_role(actor, REVIEWERS, "审核评价申诉")
        with self.db.uow() as uow:
            row = uow.session.get(RatingAppealRow, rating_appeal_id)
            if row is None:
                raise NotFound(f"申诉 {rating_appeal_id} 不存在")
            ra = rules_rating.RatingAppeal(rules_rating.RatingAppealStatus(row.status),
                                           row.reason)
            ra.decide(uphold, reason, now)
            # The rating is locked before the 申诉 is written, as publishing, filing and
            # erasure lock it first (the one order: rating, 申诉, rectification, appeal;
            # jiesu.services.retention): so a rectification is not published while its rating
            # is being excluded, and erasure, holding the rating, never waits for a 申诉 whose
            # decider waits for that rating (a deadlock).
            rating = uow.session.get(RatingRow, row.rating_id, with_for_update=True)
            assert rating is not None
            # erased before this decision (it is stored as erasure left the rest) or after
            # (erasure redacts it): read under the rating's lock, which erasure takes first
            decision = ra.decision_reason
            if fq.rating_erased(uow.session, rating.id):
                decision = erased_text(decision)
            # only while it is still pending: two reviewers deciding at once both read it
            # pending, and for a service item's rating no appeal version stops the second
            if not fq.decide_rating_appeal(uow.session, rating_appeal_id, status=str(ra.status),
                                           reason=decision, decided_at=now,
                                           decided_by=actor.user_id):
                raise Conflict("该申诉已由其他审核人审核，请刷新后查看审核结果")
            if uphold:
                rating.excluded, rating.excluded_at = True, now
                rating.excluded_reason = decision
                # its row lock after the rating's and the 申诉's, as every step takes them: a
                # report or 整改回访 in flight is cancelled after it commits, or refused
                rect = fq.rectification_of_rating(uow.session, rating.id, lock=True)
                if rect is not None and rect.status not in ("published", "cancelled"):
                    rect.status = str(rules_rating.RectificationStatus.CANCELLED)
                    rect.cancelled_reason = f"评价经申诉被剔除：{decision}"
            self._appeal_event(uow, rating.appeal_id, actor, now, "rating_appeal_decided",
                               {"rating_id": rating.id, "rating_appeal_id": rating_appeal_id,
                                "upheld": uphold, "reason": decision})
            uow.commit()
            return str(ra.status)

    # --- rectifications (整改) -----------------------------------------------------------------

    def _rect(self, uow: UnitOfWork, rect_id: int) -> tuple[RectificationRow,
                                                             rules_rating.Rectification]:
        row = uow.session.get(RectificationRow, rect_id)
        if row is None:
            raise NotFound(f"整改 {rect_id} 不存在")
        return row, _rectification(row)

    @staticmethod
    def _store_rect(row: RectificationRow, rect: rules_rating.Rectification) -> None:
        """Copy `rect` onto a row the caller holds locked (the sweeper's SKIP LOCKED claim)."""
        for column, value in _columns(rect).items():
            setattr(row, column, value)

    @staticmethod
    def _save_step(uow: UnitOfWork, rect_id: int, read: dict[str, Any],
                   rect: rules_rating.Rectification, **more: Any) -> None:
        """Store what one step (report, 整改回访, 公示) changed in `rect` (and `more` columns),
        only while the rectification is still as the step read it (`read`: its columns then).
        Of two steps at once one wins and the other is refused with Conflict (409) and changes
        nothing, whatever was rated: a service item's rating has no appeal whose version would
        stop the second. Its row lock is taken here, after the rating's (publishing) and before
        the appeal's (the step's event): the one order (rating, 申诉, rectification, appeal),
        which erasure (retention) keeps too."""
        changed = {k: v for k, v in _columns(rect).items() if v != read[k]} | more
        if not fq.update_rectification(uow.session, rect_id, status=read["status"],
                                       rounds=read["rounds"], values=changed):
            raise Conflict("该整改已由他人处理，请刷新后查看")

    def watch_rectifications(self, now: datetime, *, batch: int = 200,
                             max_batches: int = 1000) -> RectificationWarnings:
        """Raise each open rectification's yellow and red deadline warning once per round
        (DESIGN §4): a `rectification_warning` event on the rated appeal's timeline and an SMS
        to the rated unit's duty phone. Each batch claims its rows with FOR UPDATE SKIP LOCKED,
        so every process may run it."""
        r = self.rules.get()
        due_by = rules_rating.rectification_watch_until(r.calendar, r.sla, now)
        result = RectificationWarnings()
        after: tuple[datetime, int] | None = None
        for _ in range(max_batches):
            with self.db.uow() as uow:
                rows = fq.open_rectifications_to_watch(uow.session, due_by=due_by, limit=batch,
                                                       after=after)
                for row in rows:
                    result.checked += 1
                    rect = _rectification(row)
                    level = rect.check_warning(r.calendar, r.sla, now)
                    if level is None:
                        continue
                    try:
                        with uow.session.begin_nested():
                            self._store_rect(row, rect)
                            self._appeal_event(uow, row.appeal_id, dom.Actor.system(), now,
                                               "rectification_warning", {
                                                   "rectification_id": row.id,
                                                   "level": str(level), "round": row.rounds,
                                                   "due_at": row.due_at.isoformat()})
                            result.units_texted += unit_notices.notify_rectification_unit(
                                uow, self.settings, row, str(level), now)
                    except ConcurrencyConflict:
                        continue  # the appeal was being changed: the next pass warns
                    if level is WarningLevel.RED:
                        result.red += 1
                    else:
                        result.yellow += 1
                uow.commit()
            if len(rows) < batch:
                break
            after = (rows[-1].due_at, rows[-1].id)
        return result

    def report_rectification(self, actor: dom.Actor, rect_id: int, report: str,
                             now: datetime) -> str:
        """The rated unit's 整改报告; of two at once the second gets Conflict (409)."""
        with self.db.uow() as uow:
            row, rect = self._rect(uow, rect_id)
            require_unit(actor, row.unit_id, "提交整改报告")
            read, appeal_id = _columns(rect), row.appeal_id
            rect.submit_report(report, now)
            self._save_step(uow, rect_id, read, rect, reported_by=actor.user_id)
            stored = rect.report
            if fq.rectification_erased(uow.session, rect_id):  # as erasure left the rest
                stored = erased_text(stored)
                fq.update_rectification(uow.session, rect_id, status=str(rect.status),
                                        rounds=rect.rounds, values={"report": stored})
            self._appeal_event(uow, appeal_id, actor, now, "rectification_reported",
                               {"rectification_id": rect_id, "report": stored})
            uow.commit()
            return str(rect.status)

    def follow_up_rectification(self, actor: dom.Actor, rect_id: int, satisfied: bool,
                                now: datetime, note: str | None = None) -> str:
        """整改回访: satisfied → 待公示, not → another round; of two at once the second gets
        Conflict (409)."""
        require_role(actor, RECTIFICATION_FOLLOWERS, "回访整改结果")
        r = self.rules.get()
        with self.db.uow() as uow:
            row, rect = self._rect(uow, rect_id)
            read, appeal_id = _columns(rect), row.appeal_id
            rect.follow_up(satisfied, now, r.calendar, r.sla)
            self._save_step(uow, rect_id, read, rect)
            note = _clean(note, 1000)
            if note and fq.rectification_erased(uow.session, rect_id):
                note = erased_text(note)  # as erasure left the rest
            self._appeal_event(uow, appeal_id, actor, now, "rectification_followed_up",
                               {"rectification_id": rect_id, "satisfied": satisfied,
                                "note": note, "status": str(rect.status)})
            uow.commit()
            return str(rect.status)

    def publish_rectification(self, actor: dom.Actor, rect_id: int, now: datetime) -> str:
        require_role(actor, REVIEWERS, "公示整改结果")
        with self.db.uow() as uow:
            rating_id = fq.rating_id_of_rectification(uow.session, rect_id)
            if rating_id is None:
                raise NotFound(f"整改 {rect_id} 不存在")
            # the rating locked first (as filing and deciding a 申诉 lock it), so no 申诉 is
            # filed or decided between the check and the publication
            uow.session.get(RatingRow, rating_id, with_for_update=True)
            row, rect = self._rect(uow, rect_id)
            read, appeal_id = _columns(rect), row.appeal_id
            rect.publish(now, appeal_pending=fq.rating_appeal_pending(uow.session, rating_id))
            self._save_step(uow, rect_id, read, rect)
            self._appeal_event(uow, appeal_id, actor, now, "rectification_published",
                               {"rectification_id": rect_id})
            uow.commit()
            return str(rect.status)

    # --- the lists of the 整改 / 好差评 pages --------------------------------------------------

    @staticmethod
    def readable_unit(actor: dom.Actor, unit_id: int | None) -> int | None:
        """The unit subtree `actor` may list: handlers and grid workers their own (or a unit
        within it), other staff any unit (None: all units)."""
        require_role(actor, STAFF_READERS, "查看整改和评价")
        if actor.role not in dom.UNIT_SCOPED_ROLES:
            return unit_id
        if actor.unit_id is None:
            raise PermissionDenied("您的账号未关联承办单位，请联系管理员")
        if unit_id is None:
            return actor.unit_id
        if unit_id not in actor.unit_scope:
            raise PermissionDenied("只能查看本单位及下级单位的数据")
        return unit_id

    def rectification_page(self, actor: dom.Actor, *, statuses: Sequence[str] = (),
                           unit_id: int | None = None, page: int = 1, per_page: int = 20
                           ) -> tuple[list[rq.RectificationLine], int]:
        """Rectifications the actor may see, open ones first, then by deadline."""
        unit = self.readable_unit(actor, unit_id)
        with self.db.uow(write=False) as uow:
            return rq.rectification_page(uow.session, unit_id=unit, statuses=statuses,
                                         page=page, per_page=per_page)

    def feedback_counts(self, actor: dom.Actor, unit_id: int | None = None) -> dict[str, int]:
        """Rectifications per status and, for those who decide or read them, pending 申诉
        (`pending_appeals`): the figures of the page's tabs."""
        unit = self.readable_unit(actor, unit_id)
        with self.db.uow(write=False) as uow:
            counts = rq.rectification_counts(uow.session, unit)
            if actor.role in RATING_APPEAL_READERS:
                _, counts["pending_appeals"] = rq.rating_appeal_page(
                    uow.session, status=str(rules_rating.RatingAppealStatus.PENDING),
                    unit_id=unit, page=1, per_page=1)
        return counts

    def bad_rating_page(self, actor: dom.Actor, *, unit_id: int | None = None, page: int = 1,
                        per_page: int = 20) -> tuple[list[rq.BadRatingLine], int]:
        """Bad ratings (差评) the actor may see, newest first, with their 申诉."""
        unit = self.readable_unit(actor, unit_id)
        with self.db.uow(write=False) as uow:
            return rq.bad_rating_page(uow.session, unit_id=unit, page=page, per_page=per_page)

    def rating_appeal_page(self, actor: dom.Actor, *, status: str | None = "pending",
                           unit_id: int | None = None, page: int = 1, per_page: int = 20
                           ) -> tuple[list[rq.RatingAppealLine], int]:
        """Units' 申诉 against ratings, oldest first (reviewers and analysts)."""
        require_role(actor, RATING_APPEAL_READERS, "查看评价申诉")
        with self.db.uow(write=False) as uow:
            return rq.rating_appeal_page(uow.session, status=status, unit_id=unit_id,
                                         page=page, per_page=per_page)

    def published_page(self, *, page: int = 1, per_page: int = 20
                       ) -> tuple[list[PublicRectification], int]:
        """Published rectification results (整改公示), newest first, as the public may see
        them (redacted); never those of reports or confidential appeals."""
        with self.db.uow(write=False) as uow:
            lines, total = rq.published_page(uow.session, page=page, per_page=per_page,
                                             published=self.settings.published_statuses)
        return [_public(line) for line in lines], total

    def published_for_appeal(self, appeal_id: int) -> list[PublicRectification]:
        """The published rectification results of one appeal on the board (整改公示 on its
        page), newest first, redacted as on the 整改公示 page."""
        with self.db.uow(write=False) as uow:
            lines, _ = rq.published_page(uow.session, page=1, per_page=10,
                                         published=self.settings.published_statuses,
                                         appeal_id=appeal_id)
        return [_public(line) for line in lines]

    # --- service items (服务事项目录) ----------------------------------------------------------

    def add_service_item(self, actor: dom.Actor, unit_code: str, code: str, name: str,
                         now: datetime) -> int:
        """A new service item (the catalogue is kept by `ServiceItemService`)."""
        return ServiceItemService(self.db).add(actor, unit_code, code, name, now)

    def service_items(self, unit_id: int | None = None) -> list[tuple[int, str, str, int, str]]:
        """(id, code, name, unit id, unit name) of active service items."""
        with self.db.uow(write=False) as uow:
            return fq.active_service_items(uow.session, unit_id)

    def service_item(self, item_id: int) -> fq.ServiceItemInfo:
        """A service item with its unit, switched off (停用) or not, or NotFound: the rating
        page a QR code at the unit's window opens says which."""
        try:
            return ServiceItemService(self.db).item(item_id)
        except NotFound:  # the resident scanned a code: no id to read back to them
            raise NotFound("服务事项不存在") from None

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _appeal_event(uow: UnitOfWork, appeal_id: int | None, actor: dom.Actor, now: datetime,
                      etype: str, data: dict[str, Any]) -> None:
        if appeal_id is not None:
            _append_events(uow, appeal_id, [DomainEvent(etype, now, actor.user_id, actor.role,
                                                        data)], now)


def _rectification(row: RectificationRow) -> rules_rating.Rectification:
    return rules_rating.Rectification(
        status=rules_rating.RectificationStatus(row.status), due_at=row.due_at,
        rounds=row.rounds, report=row.report, reported_at=row.reported_at,
        satisfied=row.satisfied, followed_up_at=row.followed_up_at,
        published_at=row.published_at, cancelled_reason=row.cancelled_reason,
        opened_at=row.created_at, warning=WarningLevel(row.warning or "none"))


def _columns(rect: rules_rating.Rectification) -> dict[str, Any]:
    """What a rectification step may change, as `RectificationRow`'s columns hold it."""
    return {"status": str(rect.status), "due_at": rect.due_at, "rounds": rect.rounds,
            "report": rect.report, "reported_at": rect.reported_at,
            "satisfied": rect.satisfied, "followed_up_at": rect.followed_up_at,
            "published_at": rect.published_at, "cancelled_reason": rect.cancelled_reason,
            "warning": str(rect.warning)}


def _append_events(uow: UnitOfWork, appeal_id: int, events: list[DomainEvent],
                   now: datetime) -> None:
    """Append events to an appeal's chain, re-reading it (it may have been saved already)."""
    uow.session.flush()
    cached = uow.session.get(AppealRow, appeal_id)
    if cached is not None:
        uow.session.expire(cached)
    appeal, row = uow.appeals.get(appeal_id)
    uow.appeals.save(appeal, row, events, now=now)


def _later(at: datetime | None, now: datetime) -> datetime | None:
    return at if at is not None and at > now else None


def _same_phone(a: str | None, b: str | None) -> bool:
    da, db = dom.phone_digits(a), dom.phone_digits(b)
    return bool(da) and da == db


def _clean(text: str | None, max_len: int) -> str | None:
    value = (text or "").strip()
    return value[:max_len] or None


@dataclass(frozen=True)
class PublicRectification:
    """A published rectification (整改公示) as the public sees it: the appeal's text (or the
    service item rated) and the unit's report through `redact`, with the requester's own name;
    the rater's comment is not shown."""

    id: int
    code: str | None  # the appeal on the board; None for a rated service item
    unit: str
    published_at: datetime
    stars: int
    problem: str
    report: str
    satisfied: bool | None
    rounds: int


def _public(line: rq.PublishedLine) -> PublicRectification:
    names = [line.requester_name] if line.requester_name else []
    problem = line.content if line.appeal_code else line.service_item
    return PublicRectification(
        id=line.id, code=line.appeal_code, unit=line.unit, published_at=line.published_at,
        stars=line.stars, problem=redact(problem or "", names=names),
        report=redact(line.report or "", names=names), satisfied=line.satisfied,
        rounds=line.rounds)
