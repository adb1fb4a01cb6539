"""Appeal use cases: register (登记) and every lifecycle action. One transaction each."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jiesu.domain import appeal as dom
from jiesu.domain.enterprise import normalize_uscc
from jiesu.domain.errors import (
    ConcurrencyConflict,
    DomainError,
    IllegalTransition,
    InvalidArguments,
    NotFound,
)
from jiesu.domain.events import DomainEvent
from jiesu.services import notices
from jiesu.services.rules import RulesProvider
from jiesu.store import category_store, intake_store, knowledge_store, lookups, queries
from jiesu.store.tables import UnitRow
from jiesu.store.uow import Database, UnitOfWork, WriteRaced

URGENCY_ORDER = [dom.Urgency.NORMAL, dom.Urgency.URGENT, dom.Urgency.EMERGENCY]


@dataclass
class NewAppeal:
    """What a caller supplies to register an appeal."""

    kind: str
    content: str
    title: str = ""
    urgency: str = "normal"
    channel: str = "hotline"
    category: str | None = None
    requester_name: str | None = None
    requester_phone: str | None = None
    requester_type: str = "resident"
    enterprise_code: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    confidential: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Suggestions:
    """What intake intelligence proposes for a new appeal (all optional)."""

    data: dict[str, Any] = field(default_factory=dict)
    urgency: str | None = None
    area_unit_id: int | None = None
    auto_dispatch_unit_id: int | None = None
    auto_category: str | None = None


Suggester = Callable[[NewAppeal, datetime], Suggestions]
# Told about every appeal this process registered (e.g. to index it for duplicates at once).
RegisteredObserver = Callable[[int, NewAppeal, int | None, datetime], None]


@dataclass(frozen=True)
class DirectAnswer:
    """An operator's 直接答复 of a consultation, given as the call is registered."""

    text: str
    article_id: int | None = None  # the knowledge-base article it was read from (用此口径答复)


@dataclass
class Registered:
    appeal_id: int
    code: str
    created: bool  # False when an idempotency key matched an earlier registration
    appeal: dom.Appeal | None = None  # the new appeal as stored (None on a replay)
    suggestions: dict[str, Any] | None = None


class AppealService:
    """Entry point for every write on appeals; HTTP, CLI, web and jobs call these methods."""

    def __init__(self, db: Database, rules: RulesProvider,
                 suggester: Suggester | None = None,
                 on_registered: RegisteredObserver | None = None) -> None:
        self.db = db
        self.rules = rules
        self.suggester = suggester
        self.on_registered = on_registered
        self._categories_seen: dict[str, float] = {}

    # --- register ---------------------------------------------------------------------------

    def register(
        self,
        actor: dom.Actor,
        data: NewAppeal,
        now: datetime,
        *,
        idempotency_key: str | None = None,
        source_ref: str | None = None,
        resolved_on_site: str | None = None,
        answer: DirectAnswer | None = None,
        replay_any: bool = False,
    ) -> Registered:
        """Register a new appeal (with its suggestions and, when confident, its auto-dispatch).

        `resolved_on_site` is what a grid worker did about the problem reported from patrol:
        the report is closed as 就地解决 in the same transaction instead of being dispatched.
        `answer` is an operator's 直接答复 of a consultation, likewise in the same transaction:
        an answer that is refused (empty, too long, an article no longer published) leaves
        nothing registered, so the call can be submitted again without a duplicate.
        An `idempotency_key` already used for an appeal of another kind or text is refused
        (the first appeal is not this one: answering with it would lose this one), unless
        `replay_any`: the key names one thing to make (a hotspot's task), whatever its text.
        """
        if idempotency_key is not None:
            idempotency_key = idempotency_key.strip()
            if not idempotency_key or len(idempotency_key) > 128:
                raise InvalidArguments("幂等键长度须为 1–128 个字符", field="idempotency_key")
        # The key is checked by the INSERT itself (ON CONFLICT DO NOTHING): one transaction per
        # new appeal, no SELECT first. A replay whose body no longer validates still returns
        # the first appeal.
        try:
            appeal, events, suggestions, category, rules = self._prepare(
                actor, data, now, resolved_on_site, answer)
            if category is not None:
                self._check_category(category)
        except DomainError:
            if (first := self._replay(idempotency_key)) is None:
                raise
            return first
        prefix = rules.calendar.local_date(now).strftime("%Y%m%d")
        try:
            with self.db.uow() as uow:
                new_id = uow.appeals.add(
                    appeal, events, now=now, code_prefix=prefix,
                    idempotency_key=idempotency_key, source_ref=source_ref,
                    suggestions=suggestions.data or None,
                )
                if new_id is not None:
                    self._count_article_use(uow, events)
                    notices.notify_requester(uow, self.rules.settings, appeal, events, now)
                    # an urgent appeal dispatched at once (auto-dispatch): its unit hears now
                    notices.notify_units(uow, self.rules.settings, appeal, events, now)
                    # a 涉企诉求: the enterprise's 精准帮扶 liaison hears of it
                    notices.notify_liaison(uow, self.rules.settings, appeal, events, now)
                    uow.commit()
        except WriteRaced:
            if (first := self._replay(idempotency_key, None if replay_any else appeal)) is None:
                raise
            return first
        if new_id is None:  # the key was taken: nothing was inserted, the first appeal answers
            if (first := self._replay(idempotency_key, None if replay_any else appeal)) is None:
                raise ConcurrencyConflict("登记冲突，请重试")  # its row stopped the insert
            return first
        appeal_id = new_id
        assert appeal.code is not None
        if self.on_registered is not None:
            self.on_registered(appeal_id, data, appeal.area_unit_id, now)
        return Registered(appeal_id, appeal.code, True, appeal, suggestions.data or None)

    def _prepare(
        self, actor: dom.Actor, data: NewAppeal, now: datetime,
        resolved_on_site: str | None = None, answer: DirectAnswer | None = None,
    ) -> tuple[dom.Appeal, list[DomainEvent], Suggestions, str | None, dom.Rules]:
        """Suggestions and the new appeal with its events (no database writes)."""
        rules = self.rules.get()
        enterprise_code = _blank(data.enterprise_code)
        if enterprise_code is not None:  # 涉企诉求: a valid 统一社会信用代码, as stored on file
            enterprise_code = normalize_uscc(enterprise_code, field="enterprise_code")
        suggestions = self.suggester(data, now) if self.suggester else Suggestions()
        urgency = _max_urgency(data.urgency, suggestions.urgency)
        category = data.category or self._answered_category(answer) or suggestions.auto_category
        appeal, events = dom.register(
            actor=actor, now=now, kind=data.kind, content=data.content, title=data.title,
            urgency=urgency, channel=data.channel, category=category,
            requester_name=_blank(data.requester_name),
            requester_phone=_blank(data.requester_phone),
            # a credit code makes it a 涉企诉求 whatever type the caller sent (the API's
            # default is resident), so its deadlines are the enterprise ones the page promises
            requester_type="enterprise" if enterprise_code else data.requester_type,
            enterprise_code=enterprise_code, address=_blank(data.address),
            latitude=data.latitude, longitude=data.longitude,
            confidential=data.confidential, area_unit_id=self._area(actor, suggestions),
            extra=dict(data.extra),
        )
        if resolved_on_site is not None:
            events += dom.apply(appeal, dom.Action.RESOLVE_ON_SITE, actor, now, rules=rules,
                                text=resolved_on_site)
        elif answer is not None:
            args: dict[str, Any] = {"text": answer.text}
            if answer.article_id is not None:
                args["article_id"] = answer.article_id
            events += dom.apply(appeal, dom.Action.ANSWER_DIRECTLY, actor, now, rules=rules,
                                **args)
        elif (suggestions.auto_dispatch_unit_id is not None
              and self._unit_active(suggestions.auto_dispatch_unit_id)):
            events += dom.apply(appeal, dom.Action.DISPATCH, dom.Actor.system(), now, rules=rules,
                                unit_id=suggestions.auto_dispatch_unit_id, auto=True)
        return appeal, events, suggestions, category, rules

    def _answered_category(self, answer: DirectAnswer | None) -> str | None:
        """The category of the knowledge-base article a 直接答复 was read from: a call answered
        on the spot is never dispatched, where a category is otherwise settled, and would
        count as 未分类 in every statistic."""
        if answer is None or answer.article_id is None:
            return None
        with self.db.uow(write=False) as uow:
            row = knowledge_store.article(uow.session, answer.article_id)
            return row.category if row is not None else None

    def _unit_active(self, unit_id: int) -> bool:
        """Whether the unit auto-dispatch chose is not stopped (停用): a routing rule, or the
        history a model learned, may name a unit stopped since; the appeal is then left for a
        dispatcher rather than sent where nobody signs."""
        with self.db.uow(write=False) as uow:
            row = uow.units.get(unit_id)
            return row is not None and row.active

    def _area(self, actor: dom.Actor, suggestions: Suggestions) -> int | None:
        """Where the appeal is, as located from its address or coordinates. A grid worker's
        report is in the worker's own grid when nothing more precise says otherwise: when it
        was not located, or only to an area that contains the grid (the community, say)."""
        area = suggestions.area_unit_id
        if actor.role is not dom.Role.GRID_WORKER or actor.unit_id is None:
            return area
        if area is None:
            return actor.unit_id
        if area in actor.unit_scope:
            return area
        with self.db.uow(write=False) as uow:
            path = queries.unit_path(uow.session, actor.unit_id) or ""
        return actor.unit_id if f"/{area}/" in path else area

    def _check_category(self, code: str, uow: UnitOfWork | None = None) -> None:
        """The category exists (asked in `uow`, else in a read of its own); one found is not
        looked up again for a while: categories are added, never deleted."""
        seen = self._categories_seen.get(code)
        now = time.monotonic()
        if seen is not None and now - seen < CATEGORY_SEEN_SECONDS:
            return
        if uow is None:
            with self.db.uow(write=False) as own:
                found = category_store.category_id(own.session, code)
        else:
            found = category_store.category_id(uow.session, code)
        if found is None:
            raise InvalidArguments(f"事项分类 {code} 不存在", field="category")
        self._categories_seen[code] = now

    def registered_with(self, key: str | None) -> Registered | None:
        """The appeal first registered with idempotency `key`, if any (whatever its text): a
        form sent again once its sender's limit is reached is answered with it."""
        return self._replay(key)

    def _replay(self, key: str | None, sent: dom.Appeal | None = None) -> Registered | None:
        """The appeal first registered with idempotency `key`, if any; when `sent` (the appeal
        this request would register) differs from it in kind or text, the key was reused for
        another appeal: refused, so that this one is not taken for registered."""
        if key is None:
            return None
        with self.db.uow(write=False) as uow:
            appeal_id = uow.appeals.find_by_idempotency_key(key)
            if appeal_id is None:
                return None
            code = uow.appeals.find_code(appeal_id)
            if sent is not None:
                first, _ = uow.appeals.get(appeal_id)
                if (first.kind, first.content) != (sent.kind, sent.content):
                    raise InvalidArguments(
                        f"幂等键 {key} 已用于另一件诉求（编号 {code}），与本次提交的内容不同；"
                        "本次提交未登记，请使用新的幂等键重新提交", field="idempotency_key")
            return Registered(appeal_id, code, False)

    # --- actions ----------------------------------------------------------------------------

    def act(
        self,
        actor: dom.Actor,
        appeal_id: int,
        action: str,
        now: datetime,
        args: dict[str, Any] | None = None,
        *,
        expected_version: int | None = None,
        photos: list[dict[str, Any]] | None = None,
    ) -> tuple[dom.Appeal, list[DomainEvent]]:
        """Apply one action; a stale `expected_version` or a lost race raises a conflict.
        `photos`: files the pages stored (uploads.save_photo) to join the appeal's own with
        a 补充; `args` come from outside and cannot name stored files."""
        args = dict(args or {})
        args.pop("photos", None)
        if photos:
            args["photos"] = photos
        rules = self.rules.get()
        with self.db.uow() as uow:
            appeal, row = uow.appeals.get(appeal_id)
            if expected_version is not None and expected_version != row.version:
                raise ConcurrencyConflict("该诉求已被其他人修改，请刷新后重试")
            if action == dom.Action.ADD_INFO and appeal.status is dom.Status.MERGED:
                return self._pass_on_add_info(uow, appeal, actor, now, rules, args)
            dom.authorize(appeal, action, actor)
            if action == dom.Action.REOPEN and row.personal_data_erased_at is not None:
                # no one to call back or answer, and its erased texts would not be erased again
                raise IllegalTransition(ERASED_NO_REOPEN)
            self._check_references(uow, appeal, action, args)
            events = dom.apply(appeal, action, actor, now, rules=rules, **args)
            uow.appeals.save(appeal, row, events, now=now)
            target = (self._note_merge_on_target(uow, appeal, actor, now)
                      if action == dom.Action.MERGE else None)
            self._count_article_use(uow, events)
            notices.notify_requester(uow, self.rules.settings, appeal, events, now)
            if target is not None:
                notices.notify_merged_of_reply(uow, self.rules.settings, appeal, target, now)
            # a refused 退单/延期 or a reply sent back: the unit hears why (its duty phone)
            notices.notify_units(uow, self.rules.settings, appeal, events, now)
            uow.commit()
        return appeal, events


    def _pass_on_add_info(
        self, uow: UnitOfWork, merged: dom.Appeal, actor: dom.Actor, now: datetime,
        rules: dom.Rules, args: dict[str, Any]
    ) -> tuple[dom.Appeal, list[DomainEvent]]:
        """补充 to a merged appeal (已合并): its requester (or the operator taking their call)
        has more to say about the problem the appeal it follows now carries; it becomes that
        appeal's 补充 (the end of the merge chain, as the tracking page shows it), which this
        returns with its events. Refused (409) when that appeal has ended too."""
        # the end of its chain, as far as the tracking page follows it (MERGE_CHAIN_MAX)
        target, row = uow.appeals.get(lookups.merge_chain_end(uow.session, merged.id or 0))
        events = dom.add_info_passed_on(merged, target, actor, now, rules=rules, **args)
        # the version check of the save: a target ended meanwhile by another process conflicts
        uow.appeals.save(target, row, events, now=now)
        uow.commit()
        return target, events

    def _check_references(
        self, uow: UnitOfWork, appeal: dom.Appeal, action: str, args: dict[str, Any]
    ) -> None:
        """Rules that need the database: referenced units and appeals must exist."""
        if action == dom.Action.DISPATCH:
            unit_id = _unit_ref(uow, args.get("unit_id"), args.pop("unit_code", None), "主办单位")
            args["unit_id"] = unit_id
            co_codes = args.pop("co_unit_codes", None) or []
            co_ids = [_unit_ref(uow, u, None, "协办单位") for u in args.get("co_unit_ids") or []]
            co_ids += [_unit_ref(uow, None, c, "协办单位") for c in co_codes]
            args["co_unit_ids"] = co_ids
            if args.get("category"):
                self._check_category(str(args["category"]), uow)
            args["suggested"] = _suggested(uow, appeal.id)
        elif action == dom.Action.SUB_DISPATCH:
            unit_id = _unit_ref(uow, args.get("unit_id"), args.pop("unit_code", None),
                                "下级承办单位")
            args["unit_id"] = unit_id
            # where the unit lies in the tree, so the domain keeps the appeal below its lead
            # unit; always read here, never taken from the caller
            args["unit_path"] = _path_ids(uow.units.get(unit_id))
        elif action == dom.Action.MERGE:
            target_id = args.get("target_id")
            if target_id is None and args.get("target_code"):
                target_id = uow.appeals.find_by_code(str(args["target_code"]))
                if target_id is None:
                    raise InvalidArguments(f"合并目标诉求 {args['target_code']} 不存在",
                                           field="target_code")
            if target_id is None:
                raise InvalidArguments("请指定合并目标诉求", field="target_id")
            try:
                target, _ = uow.appeals.get(int(target_id))
            except NotFound:
                raise InvalidArguments(f"合并目标诉求 {target_id} 不存在",
                                       field="target_id") from None
            if not target.is_open:
                raise IllegalTransition("只能合并到未办结的诉求")
            args["target_id"] = target.id
            args["target_code"] = target.code

    @staticmethod
    def _count_article_use(uow: UnitOfWork, events: list[DomainEvent]) -> None:
        """直接答复 read from a knowledge-base article counts as one use of it, in the same
        transaction; an article that is not (or no longer) published refuses the answer."""
        for event in events:
            article_id = event.data.get("article_id") if event.type == "answer_directly" else None
            if article_id is not None and not knowledge_store.count_use(uow.session, article_id):
                raise InvalidArguments(f"知识库文章 {article_id} 不存在或未发布",
                                       field="article_id")

    def _note_merge_on_target(
        self, uow: UnitOfWork, merged: dom.Appeal, actor: dom.Actor, now: datetime
    ) -> dom.Appeal:
        """A `merged_in` event on the appeal `merged` now follows (which it returns)."""
        assert merged.merged_into_id is not None
        target, row = uow.appeals.get(merged.merged_into_id)
        # read again, not the row `_check_references` checked: another process may have ended
        # it since (PostgreSQL, READ COMMITTED), and an appeal merged into an ended one would
        # be in nobody's list; a change after this read fails the save's version check
        if not target.is_open:
            raise IllegalTransition("只能合并到未办结的诉求")
        event = DomainEvent("merged_in", now, actor.user_id, actor.role,
                            {"appeal_id": merged.id, "code": merged.code})
        uow.appeals.save(target, row, [event], now=now)
        return target


def _suggested(uow: UnitOfWork, appeal_id: int | None) -> dict[str, Any] | None:
    """The category and unit suggested at registration (compared with the dispatcher's)."""
    data = intake_store.appeal_suggestions(uow.session, appeal_id)
    if not data:
        return None
    cats = data.get("categories") or []
    unit = data.get("unit") or {}
    return {"category": cats[0].get("code") if cats else None, "unit_id": unit.get("unit_id")}


def _unit_ref(uow: UnitOfWork, unit_id: Any, code: Any, label: str) -> int:
    row: UnitRow | None = None
    if code:
        row = uow.units.by_code(str(code))
    elif unit_id is not None and not isinstance(unit_id, bool):
        try:
            row = uow.units.get(int(unit_id))
        except (TypeError, ValueError):
            row = None
    else:
        raise InvalidArguments(f"请指定{label}", field="unit_id")
    if row is not None:  # held until the appeal is saved: a 停用 cannot come in between
        row = uow.units.read_locked(row.id)
    if row is None or not row.active:
        raise InvalidArguments(f"{label} {code or unit_id} 不存在或已停用", field="unit_id")
    return row.id


def _path_ids(row: UnitRow | None) -> tuple[int, ...]:
    """The unit ids from the top of the tree down to `row` (its materialised path)."""
    path = row.path if row is not None else ""
    return tuple(int(part) for part in path.strip("/").split("/") if part)


ERASED_NO_REOPEN = ("该诉求的诉求人个人信息已按保存期限删除，无法联系诉求人，不能重办；"
                    "如需继续办理，请登记新的诉求")


# How long a category seen in the database is taken as existing without asking again
# (categories are added, never deleted: the cache only saves a query per registration).
CATEGORY_SEEN_SECONDS = 300.0


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _max_urgency(given: str, suggested: str | None) -> str:
    try:
        g = dom.Urgency(given)
    except ValueError:
        return given  # the domain reports the invalid value
    if suggested is None:
        return g.value
    s = dom.Urgency(suggested)
    return max(g, s, key=URGENCY_ORDER.index).value
