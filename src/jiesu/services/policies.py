"""Enterprises (企业) and support policies (惠企政策): profiles, matching, 申报, 审核, 兑现.

One transaction per public method. Creating, editing (its eligibility rules included),
publishing and withdrawing a policy are recorded in the configuration-change log (配置变更记录)
in that transaction; enterprise profiles, applications, decisions and payouts are casework,
not configuration, and are not. Matching follows one rule wherever it runs (publishing or
editing a policy, saving an enterprise profile): a policy *takes matches* while it is published
and not past its last day (`valid_until`); an enterprise is matched only when every condition
is met (`verdict.eligible is True` — an unknown attribute is not a match). A match that no
longer qualifies lapses ("not_eligible") while nothing has been applied for or paid; when it
qualifies again it restarts where a new match starts. Each new (or revived) match sends one
SMS to the enterprise's contact phone through the notification outbox, in the same transaction.

Who may do what:
- admin: everything; enterprise profiles and policies are admin-only writes.
- analyst, supervisor, dispatcher: read enterprises, policies and matches.
- handler, grid worker: read enterprises whose region lies in their unit subtree, policies and
  matches of policies issued in their subtree; a handler decides and pays those matches.
- operator, follow-up agent: read policies; every staff role may see the enterprise of an
  涉企诉求 (`enterprise_for_appeal`).
- an enterprise, without login: its profile, matches and why other policies do not apply,
  and applying, identified by 统一社会信用代码 + contact phone (`self_service`, `apply`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jiesu.config import Settings
from jiesu.domain import appeal as dom
from jiesu.domain import enterprise as ent
from jiesu.domain import policy as pol
from jiesu.domain.deadlines import Limit, due
from jiesu.domain.errors import (
    ConcurrencyConflict,
    DomainError,
    IllegalTransition,
    InvalidArguments,
    NotFound,
    PermissionDenied,
)
from jiesu.domain.privacy import mask_phone
from jiesu.services.clock import utcnow
from jiesu.services.config_log import record_change, record_update
from jiesu.services.policy_inputs import (
    EnterpriseInput,
    PolicyInput,
    choice,
    enterprise_values,
    policy_values,
    required_text,
)
from jiesu.services.rules import RulesProvider
from jiesu.services.throttle import AttemptLimiter
from jiesu.store import notify_store, queries
from jiesu.store import policy_store as ps
from jiesu.store.enterprise_tables import EnterpriseRow, PolicyMatchRow, PolicyRow
from jiesu.store.uow import Database, UnitOfWork

Role = dom.Role
MatchStatus = pol.MatchStatus

STAFF = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER,
                   Role.SUPERVISOR, Role.FOLLOWUP_AGENT, Role.ANALYST, Role.ADMIN})
# read every enterprise / every match; handlers and grid workers read their own subtree
CITY_READERS = frozenset({Role.ADMIN, Role.ANALYST, Role.SUPERVISOR, Role.DISPATCHER})
SCOPED_READERS = frozenset({Role.HANDLER, Role.GRID_WORKER})
DECIDERS = frozenset({Role.ADMIN, Role.HANDLER})

LAPSE_NOT_ELIGIBLE = "not_eligible"
LAPSE_EXPIRED = "expired"
LAPSE_WITHDRAWN = "withdrawn"
LAPSE_ZH = {LAPSE_NOT_ELIGIBLE: "企业已不符合条件", LAPSE_EXPIRED: "申报期已结束",
            LAPSE_WITHDRAWN: "政策已撤回"}
NOTIFY_KIND = "policy_match"
PAGE = 1000  # enterprises evaluated per page when a policy is matched against all of them
# pages matched within the publishing request; a larger registry is matched on by the
# periodic jobs, one page per transaction (match_pending)
INLINE_PAGES = 5
MAX_PAGE = 500

_REFUSED = "统一社会信用代码或联系电话不正确"
# a policy's parts as the configuration-change log names them (the columns _policy_values sets)
_FIELD_ZH = {"code": "政策编号", "title": "政策名称", "issuer_unit_id": "发布单位",
             "mode": "申报方式", "conditions": "申报条件", "summary": "政策摘要",
             "benefit": "支持内容", "amount_fen": "支持金额", "valid_from": "有效期开始",
             "valid_until": "有效期截止", "payout_days": "兑现时限"}


class Duplicate(DomainError):
    """The code is taken by another enterprise or policy (HTTP 409)."""

    code = "duplicate"
    http_status = 409


# staff who can be an enterprise's 精准帮扶 liaison: those who work on appeals (a handler or grid
# worker then sees the enterprise's 涉企诉求), not the call centre, the follow-up desk, analysts
# or auditors
LIAISON_ROLES = frozenset({dom.Role.HANDLER, dom.Role.GRID_WORKER, dom.Role.DISPATCHER,
                           dom.Role.SUPERVISOR, dom.Role.ADMIN})


# --- inputs and views ------------------------------------------------------------------------


@dataclass
class EnterpriseView:
    id: int
    uscc: str
    name: str
    industry: str | None
    industry_zh: str | None
    industry_en: str | None
    employees: int | None
    revenue: float | None
    assets: float | None
    size_class: str | None
    size_zh: str | None
    size_declared: bool
    region_unit_id: int | None
    region_name: str | None
    founded_on: date | None
    certifications: tuple[str, ...]
    tax_credit: str | None
    contact_name: str | None
    contact_phone: str | None  # masked (138****5678) unless a staff member reads it
    liaison_user_id: int | None
    liaison_name: str | None
    updated_at: datetime
    version: int
    # why the size class could not be computed (what to fill in); None when it was
    size_missing_zh: str | None = None


@dataclass
class PolicyView:
    id: int
    code: str
    title: str
    issuer_unit_id: int
    issuer_name: str | None
    mode: str
    mode_zh: str
    conditions: list[dict[str, Any]]
    conditions_zh: list[str]
    summary: str
    benefit: str
    amount_fen: int | None
    valid_from: date | None
    valid_until: date | None
    payout_days: int
    status: str
    status_zh: str
    published_at: datetime | None
    counts: dict[str, int]  # matches by status (every status, 0 included); empty for the public
    paid_fen: int
    version: int
    matching_pending: bool = False  # the jobs are still matching enterprises


@dataclass
class CheckView:
    text_zh: str
    met: bool | None  # None: the profile does not say


@dataclass
class MatchView:
    id: int
    policy_id: int
    policy_code: str
    policy_title: str
    mode: str
    enterprise_id: int
    enterprise_name: str
    uscc: str
    status: str
    status_zh: str
    matched_at: datetime
    applied_at: datetime | None
    application: str | None
    decided_at: datetime | None
    decision_note: str | None
    payout_due_at: datetime | None
    payout_overdue: bool
    paid_at: datetime | None
    paid_amount_fen: int | None
    payout_ref: str | None
    checks: list[CheckView]
    version: int
    mode_zh: str = ""
    lapse_reason: str | None = None
    lapse_reason_zh: str | None = None
    # the policy's terms, which the enterprise needs beside its match
    valid_from: date | None = None
    valid_until: date | None = None  # the last day to apply
    amount_fen: int | None = None  # the policy's standard amount
    benefit: str = ""
    policy_open: bool = True  # published (not withdrawn)
    # an application (已申报) is decided within `policy_review_days` working days
    review_due_at: datetime | None = None
    review_overdue: bool = False


@dataclass(frozen=True)
class Overview:
    """An enterprise with its matches (every status, newest first) and `unmatched`: each
    policy taking matches that it has no match with (or whose match lapsed because it no
    longer qualified), with the per-condition checks, so that it sees why not. What the
    enterprise itself sees has the phone masked and the policies without their counts."""

    enterprise: EnterpriseView
    matches: list[MatchView]
    unmatched: list[tuple[PolicyView, list[CheckView]]]


@dataclass
class _Touched:
    """What a page of matching changed: new matches, revived ones, lapsed ones."""

    new: list[PolicyMatchRow] = field(default_factory=list)
    revived: list[PolicyMatchRow] = field(default_factory=list)
    lapsed: list[PolicyMatchRow] = field(default_factory=list)


# --- access checks ---------------------------------------------------------------------------


# refused when saved rather than when published: a draft that can never be published is a
# mistake best said while the form is still open
_PAST_LAST_DAY = "有效期截止日期 {until} 已过，过期的政策不能发布：请填写今天或以后的日期"


def _require(actor: dom.Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"“{dom.ROLE_ZH.get(actor.role, actor.role)}”无权{what}")


def _may_decide(actor: dom.Actor, issuer_unit_id: int, what: str) -> None:
    """Admins, and handlers of the issuing unit's subtree, decide and pay matches."""
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.HANDLER and issuer_unit_id in actor.unit_scope:
        return
    raise PermissionDenied(f"只有政策发布单位的承办人或管理员可以{what}")


# --- the service -----------------------------------------------------------------------------


class PolicyService:
    def __init__(self, db: Database, rules: RulesProvider,
                 settings: Settings | None = None, *,
                 limiter: AttemptLimiter | None = None) -> None:
        self.db = db
        self.rules = rules
        self.settings = settings or rules.settings
        # wrong phone numbers per credit code at the self-service lookup
        self.limiter = limiter or AttemptLimiter(db)

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.settings.tz).date()

    # --- enterprises ---------------------------------------------------------------------------

    def save_enterprise(self, actor: dom.Actor, data: EnterpriseInput, now: datetime,
                        enterprise_id: int | None = None,
                        expected_version: int | None = None) -> EnterpriseView:
        """Create (no id) or update an enterprise profile, then match it again against every
        policy taking matches (new matches notified by SMS, lapsed and revived ones updated)."""
        _require(actor, frozenset({Role.ADMIN}), "维护企业档案")
        today = self._today(now)
        values = enterprise_values(data, today)
        with self.db.uow() as uow:
            s = uow.session
            if values["region_unit_id"] is not None and not queries.unit_names(
                    s, [values["region_unit_id"]]):
                raise InvalidArguments(f"区域单位 {values['region_unit_id']} 不存在",
                                       field="region_unit_id")
            liaison = values["liaison_user_id"]
            role = None if liaison is None else ps.active_user_role(s, liaison)
            if liaison is not None and role is None:
                raise InvalidArguments(f"帮扶联络人（用户 {liaison}）不存在或已停用",
                                       field="liaison_user_id")
            if role is not None and role not in LIAISON_ROLES:
                raise InvalidArguments(
                    f"帮扶联络人应为承办人、网格员、派单员、督办员或管理员，"
                    f"用户 {liaison} 是{dom.ROLE_ZH.get(dom.Role(role), role)}",
                    field="liaison_user_id")
            taken = ps.enterprise_id_by_uscc(s, values["uscc"])
            if taken is not None and taken != enterprise_id:
                raise Duplicate(f"统一社会信用代码 {values['uscc']} 已登记（企业编号 {taken}）",
                                field="uscc")
            if enterprise_id is None:
                row = EnterpriseRow(created_at=now, version=0, **values, updated_at=now)
                ps.add_rows(s, [row])
            else:
                found = ps.enterprise(s, enterprise_id, lock=True)
                if found is None:
                    raise NotFound(f"企业 {enterprise_id} 不存在")
                row = found
                if expected_version is not None and row.version != expected_version:
                    raise ConcurrencyConflict("企业档案已被他人修改，请刷新后重试",
                                              version=row.version)
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at, row.version = now, row.version + 1
                ps.add_rows(s, [])
            self._rematch_enterprise(uow, row.id, now, today)
            view = self._enterprise_view(uow, row, staff=True)
            uow.commit()
        return view

    def enterprise(self, actor: dom.Actor, enterprise_id: int) -> EnterpriseView:
        with self.db.uow(write=False) as uow:
            row = ps.enterprise(uow.session, enterprise_id)
            if row is None or not self._may_read_enterprise(uow, actor, row):
                raise NotFound(f"企业 {enterprise_id} 不存在")
            return self._enterprise_view(uow, row, staff=True)

    def list_enterprises(self, actor: dom.Actor, q: str = "", limit: int = 50,
                         offset: int = 0) -> tuple[list[EnterpriseView], int]:
        """Enterprises by name (q: part of the name or of the credit code)."""
        with self.db.uow(write=False) as uow:
            region_path = self._scope_path(uow, actor, "查看企业档案")
            rows, total = ps.enterprises(uow.session, q=_query(q), region_path=region_path,
                                         limit=_limit(limit), offset=max(offset, 0))
            return self._enterprise_views(uow, rows, staff=True), total

    def enterprise_for_appeal(self, uscc: str, actor: dom.Actor | None = None
                              ) -> EnterpriseView | None:
        """The enterprise of a 涉企诉求 (its name, size and 精准帮扶 liaison), None when the code
        is not valid or not on file. For staff pages: with a staff actor its contact phone is
        shown in full, without an actor (the caller checked the user) it is masked; any other
        actor is refused."""
        if actor is not None:
            _require(actor, STAFF, "查看企业档案")
        with self.db.uow(write=False) as uow:
            row = _on_file(uow, uscc)
            return None if row is None else self._enterprise_view(uow, row,
                                                                   staff=actor is not None)

    def enterprise_for_requester(self, uscc: str, requester_phone: str | None
                                 ) -> EnterpriseView | None:
        """The enterprise of a 涉企诉求 as its requester may see it on the tracking page: only
        when the appeal came from the contact phone on file, the proof /enterprise asks for
        (anyone may type a credit code; its liaison is for that enterprise). Phone masked.
        None when the code is not on file or the phone is not its contact's."""
        with self.db.uow(write=False) as uow:
            row = _on_file(uow, uscc)
            if row is None or not ent.from_own_contact(requester_phone, row.contact_phone):
                return None
            return self._enterprise_view(uow, row, staff=False)

    def _may_read_enterprise(self, uow: UnitOfWork, actor: dom.Actor, row: EnterpriseRow
                             ) -> bool:
        path = self._scope_path(uow, actor, "查看企业档案")
        if path is None:
            return True
        region = queries.unit_path(uow.session, row.region_unit_id)
        return region is not None and region.startswith(path)

    @staticmethod
    def _scope_path(uow: UnitOfWork, actor: dom.Actor, what: str) -> str | None:
        """None for city-wide readers, the unit path of a handler or grid worker; refuses
        every other role."""
        if actor.role in CITY_READERS:
            return None
        if actor.role in SCOPED_READERS:
            path = queries.unit_path(uow.session, actor.unit_id)
            if path is None:
                raise PermissionDenied("您的账号没有所属单位，无法查看")
            return path
        _require(actor, CITY_READERS, what)
        return None  # pragma: no cover - _require raised

    # --- policies --------------------------------------------------------------------------

    def save_policy(self, actor: dom.Actor, data: PolicyInput, now: datetime,
                    policy_id: int | None = None,
                    expected_version: int | None = None) -> PolicyView:
        """Create a draft (no id) or edit a policy; editing a published one matches again."""
        _require(actor, frozenset({Role.ADMIN}), "维护惠企政策")
        values, conds = policy_values(data)
        today = self._today(now)
        with self.db.uow() as uow:
            s = uow.session
            if not queries.unit_names(s, [data.issuer_unit_id]):
                raise InvalidArguments(f"发布单位 {data.issuer_unit_id} 不存在",
                                       field="issuer_unit_id")
            regions = {int(v) for c in conds
                       if c.field is pol.Field.REGION and isinstance(c.value, tuple)
                       for v in c.value}
            missing = regions - set(queries.unit_names(s, regions))
            if missing:
                raise InvalidArguments(
                    f"区域条件中的单位 {'、'.join(map(str, sorted(missing)))} 不存在",
                    field="conditions")
            until = values.get("valid_until")
            if until is not None and until < today and policy_id is None:
                raise InvalidArguments(_PAST_LAST_DAY.format(until=until), field="valid_until")
            taken = ps.policy_id_by_code(s, values["code"])
            if taken is not None and taken != policy_id:
                raise Duplicate(f"政策编号 {values['code']} 已存在", field="code")
            if policy_id is None:
                row = PolicyRow(status=pol.PolicyStatus.DRAFT.value, created_at=now,
                                created_by=actor.user_id, updated_at=now, version=0, **values)
                ps.add_rows(s, [row])
                record_change(uow, actor, "policies", "add",
                              f"新增惠企政策 {row.code}《{row.title}》（草稿）",
                              {"policy_id": row.id, "after": _recorded(row)}, now=now)
            else:
                found = ps.policy(s, policy_id, lock=True)
                if found is None:
                    raise NotFound(f"政策 {policy_id} 不存在")
                row = found
                if expected_version is not None and row.version != expected_version:
                    raise ConcurrencyConflict("政策已被他人修改，请刷新后重试", version=row.version)
                if row.status == pol.PolicyStatus.WITHDRAWN:
                    raise IllegalTransition("已撤回的政策不能修改")
                # a draft past its last day could never be published; a published one may
                # still be corrected after it, but not moved into the past (that is 撤回)
                if (until is not None and until < today
                        and (row.status == pol.PolicyStatus.DRAFT or until != row.valid_until)):
                    raise InvalidArguments(_PAST_LAST_DAY.format(until=until),
                                           field="valid_until")
                if row.status == pol.PolicyStatus.PUBLISHED and row.mode != values["mode"]:
                    raise InvalidArguments("已发布的政策不能更改申报方式（申报制/免申即享）",
                                           field="mode")
                before = _recorded(row)
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at, row.version = now, row.version + 1
                ps.add_rows(s, [])
                if row.status == pol.PolicyStatus.PUBLISHED and _takes_matches(row, today):
                    self._start_matching(uow, row, now, today)
                # last: recording locks the log's head until commit, not during the matching
                record_update(uow, actor, "policies", f"惠企政策 {row.code}《{row.title}》",
                              _FIELD_ZH, before, _recorded(row),
                              {"policy_id": row.id, "status": row.status}, now=now)
            view = self._policy_view(uow, row, staff=True)
            uow.commit()
        return view

    def publish(self, actor: dom.Actor, policy_id: int, now: datetime) -> PolicyView:
        """Publish a draft and match every enterprise against it (streamed a page at a time);
        one SMS per new match to enterprises with a contact phone."""
        _require(actor, frozenset({Role.ADMIN}), "发布惠企政策")
        today = self._today(now)
        with self.db.uow() as uow:
            row = self._policy_row(uow, policy_id, lock=True)
            if row.status != pol.PolicyStatus.DRAFT:
                raise IllegalTransition(
                    f"该政策当前为“{_status_zh(row.status)}”，只有草稿可以发布")
            if not _takes_matches(row, today):
                raise InvalidArguments("政策有效期已过，不能发布", field="valid_until")
            row.status, row.published_at = pol.PolicyStatus.PUBLISHED.value, now
            row.updated_at, row.version = now, row.version + 1
            self._start_matching(uow, row, now, today)
            record_change(uow, actor, "policies", "publish",
                          f"发布惠企政策 {row.code}《{row.title}》",
                          {"policy_id": row.id, "before": {"status": pol.PolicyStatus.DRAFT.value},
                           "after": {"status": row.status}}, now=now)
            view = self._policy_view(uow, row, staff=True)
            uow.commit()
        return view

    def withdraw(self, actor: dom.Actor, policy_id: int, now: datetime,
                 reason: str) -> PolicyView:
        """Withdraw a published policy: its matches waiting for an application (待申报) or a
        payout without one (免申即享 待兑现) lapse ("withdrawn", the enterprises are told);
        applications already made stay to be decided, approved ones to be paid."""
        _require(actor, frozenset({Role.ADMIN}), "撤回惠企政策")
        reason = required_text(reason, 500, "reason", "请填写撤回原因")
        with self.db.uow() as uow:
            row = self._policy_row(uow, policy_id, lock=True)
            if row.status != pol.PolicyStatus.PUBLISHED:
                raise IllegalTransition(
                    f"该政策当前为“{_status_zh(row.status)}”，只有已发布的政策可以撤回")
            row.status = pol.PolicyStatus.WITHDRAWN.value
            row.updated_at, row.version = now, row.version + 1
            row.matched_through = None  # a matching pass still running stops
            lapsing = ps.open_matches_of_policy(uow.session, row.id, (
                MatchStatus.ELIGIBLE.value, MatchStatus.ENTITLED.value))
            phones = {f.id: f.contact_phone for f in ps.enterprise_facts(
                uow.session, {m.enterprise_id for m in lapsing}).values()}
            for m in lapsing:
                _lapse(m, LAPSE_WITHDRAWN, now)
                m.decision_note = f"政策已撤回：{reason}"
                phone = phones.get(m.enterprise_id)
                if phone:
                    self._sms(uow, phone, f"{self._head}“{row.title}”政策已撤回：{reason}。",
                              m.id, now)
            record_change(uow, actor, "policies", "withdraw",
                          f"撤回惠企政策 {row.code}《{row.title}》：{reason}",
                          {"policy_id": row.id, "reason": reason, "lapsed_matches": len(lapsing),
                           "before": {"status": pol.PolicyStatus.PUBLISHED.value},
                           "after": {"status": row.status}}, now=now)
            view = self._policy_view(uow, row, staff=True)
            uow.commit()
        return view

    def policy(self, actor: dom.Actor, policy_id: int) -> PolicyView:
        _require(actor, STAFF, "查看惠企政策")
        with self.db.uow(write=False) as uow:
            return self._policy_view(uow, self._policy_row(uow, policy_id), staff=True)

    def list_policies(self, actor: dom.Actor, status: str | None = None, limit: int = 50,
                      offset: int = 0) -> tuple[list[PolicyView], int]:
        """Policies, newest first, with their match counts and the sum paid."""
        _require(actor, STAFF, "查看惠企政策")
        if status is not None:
            choice(pol.PolicyStatus, status, "status", "政策状态")
        with self.db.uow(write=False) as uow:
            rows, total = ps.policies(uow.session, status=status, limit=_limit(limit),
                                      offset=max(offset, 0))
            return self._policy_views(uow, rows, staff=True), total

    @staticmethod
    def _policy_row(uow: UnitOfWork, policy_id: int, *, lock: bool = False) -> PolicyRow:
        row = ps.policy(uow.session, policy_id, lock=lock)
        if row is None:
            raise NotFound(f"政策 {policy_id} 不存在")
        return row

    # --- matching --------------------------------------------------------------------------

    def _start_matching(self, uow: UnitOfWork, policy: PolicyRow, now: datetime,
                        today: date) -> None:
        """Match the enterprises against a policy just published or edited: the first
        INLINE_PAGES pages here, the rest left to the periodic jobs (`matched_through`)."""
        policy.matched_through = self._match_policy(uow, policy, now, today, after=0,
                                                    max_pages=INLINE_PAGES)

    def match_pending(self, now: datetime, *, max_pages: int = 50) -> int:
        """For the periodic jobs: go on with the matching passes that publishing left, one
        page of enterprises per transaction; returns how many pages were matched."""
        today = self._today(now)
        done = 0
        while done < max_pages:
            with self.db.uow() as uow:
                policy = ps.claim_pending_match(uow.session)
                if policy is None:
                    break
                if policy.status != pol.PolicyStatus.PUBLISHED or not _takes_matches(
                        policy, today):
                    policy.matched_through = None
                else:
                    policy.matched_through = self._match_policy(
                        uow, policy, now, today, after=policy.matched_through or 0,
                        max_pages=1)
                uow.commit()
            done += 1
        return done

    def _match_policy(self, uow: UnitOfWork, policy: PolicyRow, now: datetime,
                      today: date, *, after: int = 0, max_pages: int | None = None
                      ) -> int | None:
        """Evaluate the enterprises after id `after` against one policy, a page at a time,
        at most `max_pages` pages; returns the last id reached when enterprises remain, else
        None."""
        s = uow.session
        conds = pol.parse_conditions(policy.conditions)
        payout_at = self._entitled_due(policy, now)
        for done, page in enumerate(ps.enterprise_fact_pages(s, page_size=PAGE, after=after)):
            if max_pages is not None and done == max_pages:
                return after  # more remain: the jobs go on from here
            after = page[-1].id
            current = ps.matches_of_policy(s, policy.id, [f.id for f in page], lock=True)
            chains = ps.unit_chains(s, {f.region_unit_id for f in page})
            touched = _Touched()
            for facts in page:
                verdict = pol.evaluate(conds, _facts(facts, chains), today)
                _decide_match(policy, facts, current.get(facts.id), verdict.eligible, now,
                              payout_at, touched)
            ps.add_rows(s, touched.new)
            phones = {f.id: f.contact_phone for f in page}
            notes = self._notify_matches(uow, policy, touched, phones, now)
            ps.release(s, [*touched.new, *touched.revived, *touched.lapsed, *current.values(),
                           *notes])
        return None

    def _rematch_enterprise(self, uow: UnitOfWork, enterprise_id: int, now: datetime,
                            today: date) -> None:
        """Evaluate one enterprise against every policy taking matches."""
        s = uow.session
        facts = ps.enterprise_facts(s, [enterprise_id])[enterprise_id]
        chains = ps.unit_chains(s, [facts.region_unit_id])
        current = ps.matches_of_enterprise(s, enterprise_id, lock=True)
        for policy in ps.matching_policies(s, today):
            verdict = pol.evaluate(pol.parse_conditions(policy.conditions),
                                   _facts(facts, chains), today)
            touched = _Touched()
            _decide_match(policy, facts, current.get(policy.id), verdict.eligible, now,
                          self._entitled_due(policy, now), touched)
            ps.add_rows(s, touched.new)
            self._notify_matches(uow, policy, touched, {facts.id: facts.contact_phone}, now)

    def _entitled_due(self, policy: PolicyRow, now: datetime) -> datetime | None:
        """When a 免申即享 entitlement matched now must be paid; None for 申报制."""
        if policy.mode != pol.Mode.AUTO:
            return None
        return self._payout_due(policy, now)

    def _payout_due(self, policy: PolicyRow, now: datetime) -> datetime:
        """`payout_days` working days after `now` on the city's calendar."""
        return due(self.rules.get().calendar, now, Limit.workdays(policy.payout_days)).at

    def _notify_matches(self, uow: UnitOfWork, policy: PolicyRow, touched: _Touched,
                        phones: Mapping[int, str | None], now: datetime) -> list[Any]:
        body = self._match_sms(policy)
        notes = []
        for m in (*touched.new, *touched.revived):
            phone = phones.get(m.enterprise_id)
            if phone:
                notes.append(self._sms(uow, phone, body, m.id, now))
        return notes

    def _match_sms(self, policy: PolicyRow) -> str:
        if policy.mode == pol.Mode.AUTO:
            what = "免申即享：无需申请，将直接兑现"
        elif policy.valid_until is not None:
            # the last day counts: "前" alone would read as the day before
            what = f"申报截止{policy.valid_until:%Y年%m月%d日}（含当日）"
        else:
            what = "请及时申报"
        return (f"{self._head}贵企业符合“{policy.title}”政策条件，{what}。"
                f"查询：{self._public_url()}/enterprise")

    @property
    def _head(self) -> str:
        """How every text starts: 【示范市12345】, as the requester's texts do."""
        return f"【{self.settings.city_name}12345】"

    def _public_url(self) -> str:
        return self.settings.public_base_url.strip().rstrip("/")

    @staticmethod
    def _sms(uow: UnitOfWork, phone: str, body: str, match_id: int, now: datetime) -> Any:
        return notify_store.enqueue(uow.session, channel="sms", recipient=phone, body=body,
                                    kind=NOTIFY_KIND, now=now, ref=f"policy_match:{match_id}")

    # --- expiry (periodic job) ---------------------------------------------------------------

    def expire(self, now: datetime) -> int:
        """Matches still waiting for an application (待申报) of policies whose last day is
        before today (city time) lapse ("expired"); one statement, safe with several job
        processes. Returns how many lapsed."""
        target = pol.advance(MatchStatus.ELIGIBLE, pol.MatchAction.LAPSE)
        with self.db.uow() as uow:
            n = ps.expire_matches(uow.session, before=self._today(now),
                                  from_status=MatchStatus.ELIGIBLE.value,
                                  to_status=target.value, reason=LAPSE_EXPIRED, now=now)
            uow.commit()
        return n

    # --- enterprise self-service (no login) -------------------------------------------------

    def self_service(self, uscc: str, phone: str, today: date) -> Overview:
        """What the enterprise sees of itself (phone masked, see `Overview`); refused with one
        message for an unknown code and a wrong phone."""
        enterprise_id = self._identify(uscc, phone)
        with self.db.uow(write=False) as uow:
            row = ps.enterprise(uow.session, enterprise_id)
            if row is None:  # deleted since
                raise NotFound(_REFUSED)
            return self._overview(uow, row, today, staff=False)

    def enterprise_overview(self, actor: dom.Actor, enterprise_id: int,
                            today: date) -> Overview:
        """The staff's view of one enterprise: its profile, matches and the policies it misses
        with the reasons (the same figures the enterprise sees, phone not masked)."""
        with self.db.uow(write=False) as uow:
            row = ps.enterprise(uow.session, enterprise_id)
            if row is None or not self._may_read_enterprise(uow, actor, row):
                raise NotFound(f"企业 {enterprise_id} 不存在")
            return self._overview(uow, row, today, staff=True)

    def _overview(self, uow: UnitOfWork, row: EnterpriseRow, today: date, *,
                  staff: bool) -> Overview:
        view = self._enterprise_view(uow, row, staff=staff)
        records, _ = ps.match_records(uow.session, enterprise_id=row.id, limit=MAX_PAGE)
        matches = self._match_views(uow, records, utcnow(), today)
        matched = {r.row.policy_id for r in records
                   if not (r.row.status == MatchStatus.LAPSED
                           and r.row.lapse_reason == LAPSE_NOT_ELIGIBLE)}
        chains = ps.unit_chains(uow.session, [row.region_unit_id])
        facts = _facts(ps.enterprise_facts(uow.session, [row.id])[row.id], chains)
        open_policies = [p for p in ps.matching_policies(uow.session, today)
                         if p.id not in matched]
        views = self._policy_views(uow, open_policies, staff=staff)
        names = self._region_names(uow, open_policies)
        unmatched = [(v, _checks(pol.parse_conditions(p.conditions), facts, today, names))
                     for p, v in zip(open_policies, views, strict=True)]
        return Overview(view, matches, unmatched)

    def apply(self, uscc: str, phone: str, match_id: int, text: str,
              now: datetime) -> MatchView:
        """The enterprise applies (申报) for a policy it is matched with (待申报 only, while
        the policy is open)."""
        text = required_text(text, 2000, "text", "请填写申报内容")
        today = self._today(now)
        enterprise_id = self._identify(uscc, phone)
        with self.db.uow() as uow:
            m = ps.match(uow.session, match_id, lock=True)
            if m is None or m.enterprise_id != enterprise_id:
                raise NotFound("该政策事项不存在")
            policy = self._policy_row(uow, m.policy_id)
            status = pol.advance(MatchStatus(m.status), pol.MatchAction.APPLY)
            if policy.status != pol.PolicyStatus.PUBLISHED:
                raise IllegalTransition("该政策已撤回，不能申报")
            if not pol.open_on(policy.valid_from, policy.valid_until, today):
                if policy.valid_from is not None and today < policy.valid_from:
                    raise IllegalTransition(f"该政策自 {policy.valid_from} 起受理申报")
                raise IllegalTransition("该政策申报期已结束")
            m.status, m.applied_at, m.application = status.value, now, text
            m.updated_at, m.version = now, m.version + 1
            view = self._match_view_of(uow, m.id, now, today)
            uow.commit()
        return view

    def _identify(self, uscc: str, phone: str) -> int:
        """The id of the enterprise with this credit code and contact phone. Outside any unit
        of work: the limiter writes in its own transactions."""
        code = ent.normalize_uscc(uscc)
        key, now = f"uscc:{code}", utcnow()
        # a public code: phone numbers must not be guessable
        failures = self.limiter.check(key, now)
        with self.db.uow(write=False) as uow:
            row = ps.enterprise_by_uscc(uow.session, code)
            given = dom.phone_digits(phone)
            ok = row is not None and bool(given) and given == dom.phone_digits(row.contact_phone)
            enterprise_id = row.id if row is not None else 0
        if not ok:
            self.limiter.failed(key, now)
            # one answer for both, so the form does not tell which codes are on file
            raise NotFound(_REFUSED)
        self.limiter.succeeded(key, failures)
        return enterprise_id

    # --- decision and payout ------------------------------------------------------------------

    def decide(self, actor: dom.Actor, match_id: int, approve: bool, note: str | None,
               now: datetime, expected_version: int | None = None) -> MatchView:
        """审核 an application: approval starts the payout clock (`payout_days` working days
        on the city calendar); a rejection needs a reason. The enterprise is told by SMS."""
        _require(actor, DECIDERS, "审核政策申报")
        clean = (note or "").strip()
        if not approve and not clean:
            raise InvalidArguments("审核不通过须填写原因", field="note")
        if len(clean) > 2000:
            raise InvalidArguments("审核意见不超过 2000 字", field="note")
        with self.db.uow() as uow:
            m, policy = self._locked_match(uow, actor, match_id, expected_version, "审核政策申报")
            action = pol.MatchAction.APPROVE if approve else pol.MatchAction.REJECT
            m.status = pol.advance(MatchStatus(m.status), action).value
            m.decided_at, m.decided_by, m.decision_note = now, actor.user_id, clean or None
            if approve:
                m.payout_due_at = self._payout_due(policy, now)
                local = m.payout_due_at.astimezone(self.settings.tz)
                body = (f"{self._head}贵企业“{policy.title}”政策申报已审核通过，"
                        f"将于{local:%Y年%m月%d日}前兑现。")
            else:
                body = f"{self._head}贵企业“{policy.title}”政策申报未通过：{clean}。"
            m.updated_at, m.version = now, m.version + 1
            self._notify_enterprise(uow, m, body, now)
            view = self._match_view_of(uow, m.id, now, self._today(now))
            uow.commit()
        return view

    def pay(self, actor: dom.Actor, match_id: int, amount_fen: int, ref: str,
            now: datetime, expected_version: int | None = None) -> MatchView:
        """Record the payout (兑现) of an approved application or a 免申即享 entitlement:
        the amount in 分 and the payment's reference (凭证号)."""
        _require(actor, DECIDERS, "登记政策兑现")
        amount = pol.check_amount_fen(amount_fen)
        ref = required_text(ref, 100, "ref", "请填写兑现凭证号")
        with self.db.uow() as uow:
            m, policy = self._locked_match(uow, actor, match_id, expected_version, "登记政策兑现")
            m.status = pol.advance(MatchStatus(m.status), pol.MatchAction.PAY).value
            m.paid_at, m.paid_amount_fen, m.payout_ref = now, amount, ref
            m.updated_at, m.version = now, m.version + 1
            paid = f"{self._head}贵企业“{policy.title}”政策资金 {amount / 100:,.2f} 元已兑现。"
            self._notify_enterprise(uow, m, paid, now)
            view = self._match_view_of(uow, m.id, now, self._today(now))
            uow.commit()
        return view

    def _locked_match(self, uow: UnitOfWork, actor: dom.Actor, match_id: int,
                      expected_version: int | None, what: str
                      ) -> tuple[PolicyMatchRow, PolicyRow]:
        m = ps.match(uow.session, match_id, lock=True)
        if m is None:
            raise NotFound(f"政策匹配 {match_id} 不存在")
        policy = self._policy_row(uow, m.policy_id)
        _may_decide(actor, policy.issuer_unit_id, what)
        if expected_version is not None and m.version != expected_version:
            raise ConcurrencyConflict("该事项已被他人处理，请刷新后重试", version=m.version)
        return m, policy

    def _notify_enterprise(self, uow: UnitOfWork, m: PolicyMatchRow, body: str,
                           now: datetime) -> None:
        facts = ps.enterprise_facts(uow.session, [m.enterprise_id]).get(m.enterprise_id)
        if facts is not None and facts.contact_phone:
            self._sms(uow, facts.contact_phone, body, m.id, now)

    def matches(self, actor: dom.Actor, policy_id: int | None = None,
                status: str | None = None, overdue_only: bool = False, limit: int = 50,
                offset: int = 0, now: datetime | None = None, *,
                enterprise_id: int | None = None,
                payouts_due: bool = False) -> tuple[list[MatchView], int]:
        """Matches, newest first; the applications waiting for a decision (status 已申报)
        the earliest first, as their decision is due in that order. `payouts_due`: the
        approved applications and 免申即享 entitlements not yet paid, the earliest due first
        (so the overdue ones lead); `overdue_only`: only those past due. Handlers and grid
        workers see the matches of policies issued in their unit subtree."""
        now = now or utcnow()
        if status is not None:
            choice(MatchStatus, status, "status", "匹配状态")
        due_statuses = [s.value for s in pol.PAYOUT_DUE]
        with self.db.uow(write=False) as uow:
            issuer_path = self._scope_path(uow, actor, "查看政策匹配")
            records, total = ps.match_records(
                uow.session, policy_id=policy_id, enterprise_id=enterprise_id,
                statuses=[status] if status else due_statuses if payouts_due else None,
                overdue_at=now if overdue_only else None, by_due=payouts_due or overdue_only,
                by_applied=status == MatchStatus.APPLIED.value,
                due_statuses=due_statuses, issuer_path=issuer_path,
                limit=_limit(limit), offset=max(offset, 0))
            return self._match_views(uow, records, now, self._today(now)), total

    def match(self, actor: dom.Actor, match_id: int, now: datetime | None = None) -> MatchView:
        """One match, for the staff who may see it."""
        now = now or utcnow()
        with self.db.uow(write=False) as uow:
            issuer_path = self._scope_path(uow, actor, "查看政策匹配")
            record = ps.match_record(uow.session, match_id)
            if record is None:
                raise NotFound(f"政策匹配 {match_id} 不存在")
            if issuer_path is not None:
                policy = self._policy_row(uow, record.row.policy_id)
                path = queries.unit_path(uow.session, policy.issuer_unit_id) or ""
                if not path.startswith(issuer_path):
                    raise NotFound(f"政策匹配 {match_id} 不存在")
            return self._match_views(uow, [record], now, self._today(now))[0]

    # --- views -------------------------------------------------------------------------------

    def _enterprise_view(self, uow: UnitOfWork, row: EnterpriseRow, *,
                         staff: bool) -> EnterpriseView:
        return self._enterprise_views(uow, [row], staff=staff)[0]

    @staticmethod
    def _enterprise_views(uow: UnitOfWork, rows: Sequence[EnterpriseRow], *,
                          staff: bool) -> list[EnterpriseView]:
        regions = queries.unit_names(uow.session, [r.region_unit_id for r in rows])
        liaisons = queries.user_names(uow.session, [r.liaison_user_id for r in rows])
        out = []
        for r in rows:
            phone = r.contact_phone if staff or not r.contact_phone else mask_phone(
                r.contact_phone)
            out.append(EnterpriseView(
                id=r.id, uscc=r.uscc, name=r.name, industry=r.industry,
                industry_zh=ent.industry_zh(r.industry) if r.industry else None,
                industry_en=ent.industry_en(r.industry) if r.industry else None,
                employees=r.employees, revenue=r.revenue, assets=r.assets,
                size_class=r.size_class,
                size_zh=ent.SIZE_ZH[ent.SizeClass(r.size_class)] if r.size_class else None,
                size_declared=bool(r.size_declared), region_unit_id=r.region_unit_id,
                region_name=regions.get(r.region_unit_id or 0), founded_on=r.founded_on,
                certifications=tuple(r.certifications or ()), tax_credit=r.tax_credit,
                contact_name=r.contact_name if staff else None, contact_phone=phone,
                liaison_user_id=r.liaison_user_id,
                liaison_name=liaisons.get(r.liaison_user_id or 0), updated_at=r.updated_at,
                version=r.version,
                size_missing_zh=ent.size_missing(r.industry, employees=r.employees,
                                                 revenue=r.revenue, assets=r.assets)))
        return out

    def _policy_view(self, uow: UnitOfWork, row: PolicyRow, *, staff: bool) -> PolicyView:
        return self._policy_views(uow, [row], staff=staff)[0]

    def _policy_views(self, uow: UnitOfWork, rows: Sequence[PolicyRow], *,
                      staff: bool) -> list[PolicyView]:
        s = uow.session
        issuers = queries.unit_names(s, [r.issuer_unit_id for r in rows])
        counts = ps.policy_counts(s, [r.id for r in rows]) if staff else {}
        names = self._region_names(uow, rows)
        out = []
        for r in rows:
            conds = pol.parse_conditions(r.conditions)
            by_status, paid = counts.get(r.id, ({}, 0))
            out.append(PolicyView(
                id=r.id, code=r.code, title=r.title, issuer_unit_id=r.issuer_unit_id,
                issuer_name=issuers.get(r.issuer_unit_id), mode=r.mode,
                mode_zh=pol.MODE_ZH[pol.Mode(r.mode)], conditions=pol.conditions_to_json(conds),
                conditions_zh=[pol.describe(c, names) for c in conds], summary=r.summary,
                benefit=r.benefit, amount_fen=r.amount_fen, valid_from=r.valid_from,
                valid_until=r.valid_until, payout_days=r.payout_days, status=r.status,
                status_zh=_status_zh(r.status), published_at=r.published_at,
                counts={st.value: by_status.get(st.value, 0) for st in MatchStatus}
                if staff else {},
                paid_fen=paid, version=r.version,
                matching_pending=r.matched_through is not None))
        return out

    @staticmethod
    def _region_names(uow: UnitOfWork, rows: Iterable[PolicyRow]) -> dict[int, str]:
        ids = {v for r in rows for c in r.conditions or () if c.get("field") == "region"
               for v in (c.get("value") or ()) if isinstance(v, int)}
        return queries.unit_names(uow.session, ids)

    def _match_view_of(self, uow: UnitOfWork, match_id: int, now: datetime,
                       today: date) -> MatchView:
        uow.session.flush()
        record = ps.match_record(uow.session, match_id)
        assert record is not None
        return self._match_views(uow, [record], now, today)[0]

    def _match_views(self, uow: UnitOfWork, records: Sequence[ps.MatchRecord], now: datetime,
                     today: date) -> list[MatchView]:
        s = uow.session
        facts = ps.enterprise_facts(s, {r.row.enterprise_id for r in records})
        chains = ps.unit_chains(s, {f.region_unit_id for f in facts.values()})
        region_ids = {v for r in records for c in r.conditions or ()
                      if c.get("field") == "region" for v in (c.get("value") or ())
                      if isinstance(v, int)}
        names = queries.unit_names(s, region_ids)
        parsed: dict[int, tuple[pol.Condition, ...]] = {}
        calendar = self.rules.get().calendar
        review = Limit.workdays(self.settings.policy_review_days)
        out = []
        for r in records:
            m = r.row
            if m.policy_id not in parsed:
                parsed[m.policy_id] = pol.parse_conditions(r.conditions)
            f = facts.get(m.enterprise_id)
            checks = [] if f is None else _checks(parsed[m.policy_id], _facts(f, chains),
                                                  today, names)
            status = MatchStatus(m.status)
            review_due = due(calendar, m.applied_at, review).at if (
                status is MatchStatus.APPLIED and m.applied_at is not None) else None
            out.append(MatchView(
                id=m.id, policy_id=m.policy_id, policy_code=r.policy_code,
                policy_title=r.policy_title, mode=r.mode, enterprise_id=m.enterprise_id,
                enterprise_name=r.enterprise_name, uscc=r.uscc, status=status.value,
                status_zh=pol.MATCH_STATUS_ZH[status], matched_at=m.matched_at,
                applied_at=m.applied_at, application=m.application, decided_at=m.decided_at,
                decision_note=m.decision_note, payout_due_at=m.payout_due_at,
                payout_overdue=status in pol.PAYOUT_DUE and m.payout_due_at is not None
                and m.payout_due_at < now,
                paid_at=m.paid_at, paid_amount_fen=m.paid_amount_fen, payout_ref=m.payout_ref,
                checks=checks, version=m.version, mode_zh=pol.MODE_ZH[pol.Mode(r.mode)],
                lapse_reason=m.lapse_reason,
                lapse_reason_zh=LAPSE_ZH.get(m.lapse_reason or "", m.lapse_reason),
                valid_from=r.valid_from, valid_until=r.valid_until, amount_fen=r.amount_fen,
                benefit=r.benefit, policy_open=r.policy_status == pol.PolicyStatus.PUBLISHED,
                review_due_at=review_due,
                review_overdue=review_due is not None and review_due < now))
        return out


# --- helpers ---------------------------------------------------------------------------------


def _recorded(row: PolicyRow) -> dict[str, Any]:
    """What the configuration-change log keeps of a policy: every part an administrator sets,
    its eligibility rules (conditions) as stored."""
    return {key: getattr(row, key) for key in _FIELD_ZH}


def _decide_match(policy: PolicyRow, facts: ps.EnterpriseFacts, current: PolicyMatchRow | None,
                  eligible: bool | None, now: datetime, payout_at: datetime | None,
                  touched: _Touched) -> None:
    """The one matching rule: what a verdict does to the match (if any) of one enterprise."""
    first = pol.first_status(pol.Mode(policy.mode))
    if eligible is True:
        if current is None:
            touched.new.append(PolicyMatchRow(
                policy_id=policy.id, enterprise_id=facts.id, status=first.value,
                matched_at=now, notified_at=now if facts.contact_phone else None,
                payout_due_at=payout_at, updated_at=now, version=0))
        elif current.status == MatchStatus.LAPSED and current.lapse_reason == LAPSE_NOT_ELIGIBLE:
            current.status, current.lapse_reason = first.value, None
            current.matched_at, current.payout_due_at = now, payout_at
            current.notified_at = now if facts.contact_phone else None
            current.updated_at, current.version = now, current.version + 1
            touched.revived.append(current)
    elif current is not None and current.status in (MatchStatus.ELIGIBLE, MatchStatus.ENTITLED):
        _lapse(current, LAPSE_NOT_ELIGIBLE, now)
        touched.lapsed.append(current)


def _lapse(m: PolicyMatchRow, reason: str, now: datetime) -> None:
    m.status = pol.advance(MatchStatus(m.status), pol.MatchAction.LAPSE).value
    m.lapse_reason, m.payout_due_at = reason, None
    m.updated_at, m.version = now, m.version + 1


def _facts(f: ps.EnterpriseFacts, chains: Mapping[int, tuple[int, ...]]) -> pol.Facts:
    return pol.Facts(
        industry=f.industry, size=ent.SizeClass(f.size_class) if f.size_class else None,
        region_chain=chains.get(f.region_unit_id, ()) if f.region_unit_id else (),
        founded_on=f.founded_on, employees=f.employees, revenue=f.revenue, assets=f.assets,
        certifications=tuple(f.certifications or ()), tax_credit=f.tax_credit)


def _checks(conds: Sequence[pol.Condition], facts: pol.Facts, today: date,
            names: Mapping[int, str]) -> list[CheckView]:
    return [CheckView(pol.describe(c.condition, names), c.met)
            for c in pol.evaluate(conds, facts, today).checks]


def _takes_matches(policy: PolicyRow, today: date) -> bool:
    """Published policies take matches until their last day; a policy whose application
    period has not begun is matched already, so enterprises hear of it in advance."""
    return policy.valid_until is None or today <= policy.valid_until


def _status_zh(status: str) -> str:
    try:
        return pol.POLICY_STATUS_ZH[pol.PolicyStatus(status)]
    except ValueError:
        return status


def _limit(limit: int) -> int:
    return min(max(int(limit), 1), MAX_PAGE)


def _query(q: str) -> str:
    return (q or "").strip()[:100]


def _on_file(uow: UnitOfWork, uscc: str) -> EnterpriseRow | None:
    """The enterprise of credit code `uscc` as typed, None when it is no valid code or not on
    file (a 涉企诉求 keeps whatever code was given)."""
    try:
        code = ent.normalize_uscc(uscc)
    except InvalidArguments:
        return None
    return ps.enterprise_by_uscc(uow.session, code)
