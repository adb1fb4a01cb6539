"""Hotspots (热点预警 / 未诉先办, DESIGN §6): the clusters of similar recent appeals in one area
(`jiesu.nlp.hotspots`), and turning one into a governance task (治理任务) with a lead unit.

A governance task is an appeal of its own: channel `supervisor` (上级交办), registered and
dispatched by the system on a leader's request, with `extra["hotspot"]` naming the hotspot,
its appeals and who asked. Tasks are left out of the clustering, so that a task never forms or
joins a hotspot.

One `HotspotService` per process (`Runtime.hotspots`): clustering a week of a city's appeals
takes seconds (about 5 s for 20,000 appeals, `bench/hotspots.py`), and a hotspot grows over
days, so the result is kept for five minutes; creating a task recomputes it first. While
someone is looking, the periodic jobs recompute it before it expires (`refresh`), so readers
do not wait for the clustering.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from jiesu.config import Settings
from jiesu.domain import appeal as dom
from jiesu.domain import notices
from jiesu.domain.errors import ConcurrencyConflict, InvalidArguments, NotFound, PermissionDenied
from jiesu.nlp.pii import redact
from jiesu.services.appeals import AppealService, NewAppeal, Suggestions
from jiesu.services.audit import process_name
from jiesu.store import (
    audit_store,
    category_store,
    hotspot_store,
    lookups,
    notify_store,
    queries,
)
from jiesu.store.audit_tables import PROCESS_LENGTH
from jiesu.store.hotspot_store import RecentAppeal
from jiesu.store.hotspot_tables import HotspotAlertRow
from jiesu.store.uow import Database, UnitOfWork, WriteRaced

if TYPE_CHECKING:
    from jiesu.nlp.hotspots import Hotspot

log = logging.getLogger(__name__)
Role = dom.Role
READERS = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER})
TASK_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})  # 领导, 督办员, 管理员
KEPT_FOR = timedelta(minutes=5)
REFRESH_AHEAD = timedelta(minutes=2)  # the jobs recompute this long before expiry …
WATCHED = timedelta(hours=1)  # … when a page or the API asked within this
NOTE_CHARS = 500
ALERT_JOB = "hotspot_alerts"
ALERT_EVERY = timedelta(minutes=15)  # how often the jobs look for hotspots to warn of
ALERT_LEASE = timedelta(minutes=10)  # a scan that died leaves the lease to the next after this
CODES_LISTED = 100  # member codes written into a task's content; the rest are counted
INPUT_LIMIT = 20_000  # the newest appeals of the window that are clustered


def may_create_tasks(role: Role | str) -> bool:
    """Whether this role may turn a hotspot into a governance task."""
    return role in TASK_ROLES


@dataclass(frozen=True)
class Member:
    appeal_id: int
    code: str | None


@dataclass(frozen=True)
class TaskRef:
    appeal_id: int
    code: str | None


@dataclass(frozen=True)
class CurrentHotspot:
    """A hotspot with what the pages and the API show beside the clustering's figures."""

    spot: Hotspot
    area_name: str | None
    members: tuple[Member, ...]  # newest first
    kind: str  # the most common kind among the members
    category: str | None  # the most common category among them, if any has one
    task: TaskRef | None  # the governance task created for it, if any
    alerted_at: datetime | None = None  # when its warning was texted (热点预警短信), if it was


@dataclass(frozen=True)
class TaskCreated:
    appeal_id: int
    code: str
    key: str
    unit_id: int


class HotspotService:
    """Current hotspots (kept for KEPT_FOR) and governance tasks made of them."""

    def __init__(self, db: Database, appeals: AppealService, *, window_days: int = 7) -> None:
        self.db = db
        self.appeals = appeals
        self.window_days = window_days
        self._lock = threading.Lock()
        self._kept: tuple[datetime, list[CurrentHotspot]] | None = None
        self._asked: datetime | None = None  # when a page or the API last asked
        self._background: threading.Thread | None = None
        self._starting = threading.Lock()

    def current(self, now: datetime) -> list[CurrentHotspot]:
        """The hotspots of the last `window_days`, hottest first; at most KEPT_FOR old."""
        self._asked = now
        return self._fresh(now)

    def _fresh(self, now: datetime) -> list[CurrentHotspot]:
        # One computation at a time: requests arriving meanwhile wait for it and share it.
        with self._lock:
            if self._kept is not None and timedelta(0) <= now - self._kept[0] < KEPT_FOR:
                return self._kept[1]
            found = self._compute(now)
            self._kept = (now, found)
            return found

    def alert(self, now: datetime, settings: Settings) -> int:
        """热点预警 (未诉先办): text each hotspot once it has JIESU_HOTSPOT_ALERT_PEOPLE different
        requesters, to its area unit's duty phone (or the nearest one above it) and to
        JIESU_HOTSPOT_ALERT_PHONES, so that the area acts before the next hundred calls. Run by
        the periodic jobs, in one process at a time (a job lease) every ALERT_EVERY, whether
        or not anyone has the page open. A hotspot that shares half of its appeals with one
        texted within two windows is the same one: texted again only once it has twice the
        people it had then (热点扩大). One with a governance task is in hand. Returns how many
        hotspots were texted."""
        wanted = settings.hotspot_alert_people
        if wanted <= 0:
            return 0
        holder = f"{process_name()}:{uuid.uuid4().hex[:8]}"[:PROCESS_LENGTH]
        try:
            with self.db.uow() as uow:
                taken = audit_store.take_lease(uow.session, ALERT_JOB, holder, now,
                                               until=now + ALERT_LEASE,
                                               not_since=now - ALERT_EVERY)
                uow.commit()
        except WriteRaced:
            return 0  # another process made the lease at the same moment and scans
        if not taken:
            return 0
        try:
            spots = [h for h in self._fresh(now)
                     if h.spot.requesters >= wanted and h.task is None]
            with self.db.uow() as uow:
                texted = hotspot_store.alerted_since(uow.session, now - self._alert_memory)
                sent, keys = 0, set[str]()
                for h in spots:
                    ids = frozenset(h.spot.appeal_ids)
                    before = max((a.requesters for a in texted
                                  if _same_hotspot(ids, a.appeal_ids)), default=None)
                    if before is not None and h.spot.requesters < 2 * before:
                        continue
                    self._text_alert(uow, h, settings, now, grown_from=before)
                    texted.append(hotspot_store.SentAlert(now, ids, h.spot.requesters))
                    keys.add(h.spot.key)
                    sent += 1
                audit_store.release_lease(uow.session, ALERT_JOB, holder, ran_at=now)
                uow.commit()
            self._mark_alerted(keys, now)
        except Exception:
            with suppress(Exception), self.db.uow() as uow:  # else the lease runs out by itself
                audit_store.release_lease(uow.session, ALERT_JOB, holder, ran_at=None)
                uow.commit()
            raise
        return sent

    def _mark_alerted(self, keys: set[str], at: datetime) -> None:
        """The kept hotspots just texted say so at once (the page shows 已于 … 短信预警)."""
        if not keys:
            return
        with self._lock:
            if self._kept is not None:
                self._kept = (self._kept[0], [replace(h, alerted_at=at) if h.spot.key in keys
                                              else h for h in self._kept[1]])

    @property
    def _alert_memory(self) -> timedelta:
        """How far back a warning still counts for a hotspot (two windows)."""
        return timedelta(days=2 * self.window_days)

    def _text_alert(self, uow: UnitOfWork, h: CurrentHotspot, settings: Settings,
                    now: datetime, *, grown_from: int | None = None) -> None:
        """One hotspot's warning into the outbox (one text per phone) and its record."""
        # its category and key words: never a member's own text, which may hold a phone number
        category = (category_store.category_by_code(uow.session, h.category)
                    if h.category else None)
        topic = category.name if category is not None else None
        text = notices.hotspot_notice(
            area=h.area_name, topic=topic, terms=h.spot.terms, requesters=h.spot.requesters,
            appeals=h.spot.volume, days=self.window_days, city=settings.city_name,
            url=f"{settings.public_base_url.strip().rstrip('/')}/staff/hotspots",
            grown_from=grown_from)
        about = "、".join(filter(None, [topic, *h.spot.terms[:3]])) or redact(h.spot.label)
        phones = [p.strip() for p in settings.hotspot_alert_phones.split(",") if p.strip()]
        if h.spot.area_unit_id is not None:
            phones.insert(0, lookups.duty_phone(uow.session, h.spot.area_unit_id) or "")
        sent = list(dict.fromkeys(p for p in phones if p))
        for phone in sent:
            notify_store.enqueue(uow.session, channel="sms", recipient=phone, body=text,
                                 kind=notices.HOTSPOT_KIND, now=now,
                                 ref=f"hotspot:{h.spot.key}")
        hotspot_store.add_alert(uow.session, HotspotAlertRow(
            created_at=now, area_unit_id=h.spot.area_unit_id, label=about[:200],
            requesters=h.spot.requesters, appeals=h.spot.volume,
            appeal_ids=sorted(h.spot.appeal_ids), texted=len(sent)))

    def without_waiting(self, now: datetime) -> list[CurrentHotspot] | None:
        """The kept hotspots at once, for a page that must not wait seconds (the dashboard).

        Fresh ones as they are; older ones as they are while a computation started in the
        background replaces them; None, with that computation started, when none are kept.
        One background computation at a time per process."""
        self._asked = now
        kept = self._kept
        if kept is not None and timedelta(0) <= now - kept[0] < KEPT_FOR:
            return kept[1]
        with self._starting:  # not self._lock: a computation holds that for seconds
            running = self._background is not None and self._background.is_alive()
            if not running:
                self._background = threading.Thread(
                    target=self._compute_in_background, args=(now,),
                    name="hotspots", daemon=True)
                self._background.start()
        return None if kept is None else kept[1]

    def _compute_in_background(self, now: datetime) -> None:
        try:
            with self._lock:
                kept = self._kept
                if kept is None or not timedelta(0) <= now - kept[0] < KEPT_FOR:
                    self._kept = (now, self._compute(now))
        except Exception:  # a failed background run must not kill the process; log it
            log.exception("热点计算失败 (hotspot computation failed)")

    def wait_for_background(self, timeout: float | None = None) -> None:
        """Wait until a background computation started by `without_waiting` ends (tests)."""
        thread = self._background
        if thread is not None:
            thread.join(timeout)

    def kept_by_appeal(self) -> dict[int, CurrentHotspot]:
        """The hotspot each appeal belongs to, from the hotspots already kept: computes nothing,
        so a busy page (the dispatch queue) can mark members without waiting for clustering."""
        kept = self._kept
        return {} if kept is None else {i: h for h in kept[1] for i in h.spot.appeal_ids}

    def refresh(self, now: datetime) -> bool:
        """Recompute ahead of expiry when someone looked within WATCHED: the periodic jobs call
        this, so that a reader finds fresh hotspots instead of waiting seconds for them. A
        process nobody asks computes nothing. Returns whether it recomputed."""
        kept = self._kept
        if self._asked is None or not timedelta(0) <= now - self._asked < WATCHED:
            return False
        if kept is not None and timedelta(0) <= now - kept[0] < KEPT_FOR - REFRESH_AHEAD:
            return False
        with self._lock:
            self._kept = (now, self._compute(now))
        return True

    def forget(self) -> None:
        """Drop the kept hotspots: the next `current` computes them again."""
        with self._lock:
            self._kept = None

    def to_task(self, actor: dom.Actor, key: str, unit_id: int, now: datetime,
                note: str = "") -> TaskCreated:
        """Turn the current hotspot `key` into a governance task dispatched to `unit_id`."""
        if not may_create_tasks(actor.role):
            raise PermissionDenied("您的角色无权把热点转为治理任务")
        note = dom.clean_text(note)
        if len(note) > NOTE_CHARS:
            # the form and the task call it 交办意见 (the leader's instructions)
            raise InvalidArguments(f"交办意见不能超过 {NOTE_CHARS} 字", field="note")
        with self.db.uow(write=False) as uow:
            unit = uow.units.get(unit_id)
            if unit is None or not unit.active:
                raise InvalidArguments(f"主办单位 {unit_id} 不存在或已停用", field="unit_id")
            asker = hotspot_store.user_label(uow.session, actor.user_id)
        with self._lock:  # what the leader saw may be minutes old: decide on fresh figures
            found = self._compute(now)
            self._kept = (now, found)
        hotspot = next((h for h in found if h.spot.key == key), None)
        if hotspot is None:
            raise NotFound("热点已变化，请刷新后重试")
        if hotspot.task is not None:
            raise _already(hotspot.task.code)
        asked_by = asker or dom.ROLE_ZH.get(actor.role, str(actor.role))
        data = NewAppeal(
            kind=hotspot.kind, channel=dom.Channel.SUPERVISOR, category=hotspot.category,
            # the leader who asked is whom the follow-up (回访) reports back to
            requester_name=asked_by[:100],
            # an internal assignment: its text lists appeal codes, some of which may belong to
            # confidential appeals or reports, so it stays off the public board and open data
            confidential=True,
            title=f"热点治理：{hotspot.spot.label}", content=_content(hotspot, self.window_days,
                                                                   note, asked_by),
            extra={"hotspot": {"key": key, "appeal_ids": list(hotspot.spot.appeal_ids),
                               "by": actor.user_id}})
        # Registered without the intake suggester: the task's area is the hotspot's, its unit
        # the leader's choice (no auto-dispatch), and it is nobody's duplicate. The
        # idempotency key makes a second request for the same hotspot, even a simultaneous
        # one, find the first task instead of making another.
        register = AppealService(self.appeals.db, self.appeals.rules,
                                 suggester=lambda _d, _t: Suggestions(
                                     area_unit_id=hotspot.spot.area_unit_id))
        registered = register.register(dom.Actor.system(), data, now,
                                       idempotency_key=f"hotspot:{key}", replay_any=True)
        if not registered.created:
            raise _already(registered.code)
        self.appeals.act(dom.Actor.system(), registered.appeal_id, dom.Action.DISPATCH, now,
                         {"unit_id": unit_id, "note": f"热点预警转为治理任务，交办人：{asked_by}"})
        self.forget()
        return TaskCreated(registered.appeal_id, registered.code, key, unit_id)

    def _compute(self, now: datetime) -> list[CurrentHotspot]:
        # scikit-learn takes a second to import: only processes that cluster pay for it
        from jiesu.nlp.hotspots import HotspotInput, find_hotspots

        # A hotspot's key is its oldest member, which is inside the window; a task made of it
        # came later, so the window's tasks are all the tasks the current hotspots can have.
        since = now - timedelta(days=self.window_days)
        with self.db.uow(write=False) as uow:
            made = hotspot_store.governance_tasks(uow.session, since)
            recent = hotspot_store.hotspot_inputs(uow.session, since,
                                                  {t.appeal_id for t in made}, INPUT_LIMIT)
            spots = find_hotspots(
                [HotspotInput(appeal_id=r.appeal_id, text=f"{r.title}\n{r.content}",
                              area_unit_id=r.area_unit_id, created_at=r.created_at,
                              requester=dom.phone_digits(r.requester_phone) or None,
                              dissatisfied=r.dissatisfied, address=r.address,
                              category=r.category) for r in recent],
                now, window_days=self.window_days)
            names = queries.unit_names(uow.session, {s.area_unit_id for s in spots})
            alerts = hotspot_store.alerted_since(uow.session, now - self._alert_memory)
        by_id = {r.appeal_id: r for r in recent}
        return [_current(s, names.get(s.area_unit_id) if s.area_unit_id else None,
                         [by_id[i] for i in s.appeal_ids], _task_of(s, made),
                         max((a.at for a in alerts
                              if _same_hotspot(frozenset(s.appeal_ids), a.appeal_ids)),
                             default=None))
                for s in spots]


def _task_of(spot: Hotspot, made: list[hotspot_store.GovernanceTask]) -> TaskRef | None:
    """The governance task made for this hotspot, if any: the first one made under its key,
    else the first made of the same appeals (`_same_hotspot`): once its oldest appeal leaves
    the window its key changes, and it is still the hotspot a leader put in hand."""
    task = next((t for t in made if t.key == spot.key), None)
    if task is None:
        ids = frozenset(spot.appeal_ids)
        task = next((t for t in made if ids & t.appeal_ids and _same_hotspot(ids, t.appeal_ids)),
                    None)
    return TaskRef(task.appeal_id, task.code) if task is not None else None


def _same_hotspot(ids: frozenset[int], texted: frozenset[int]) -> bool:
    """Whether a hotspot of these appeals is the one a warning named: they share half of the
    smaller of the two (it grew, lost its oldest appeal or changed its key meanwhile)."""
    return 2 * len(ids & texted) >= min(len(ids), len(texted))


def _current(spot: Hotspot, area_name: str | None, members: list[RecentAppeal],
             task: TaskRef | None, alerted_at: datetime | None = None) -> CurrentHotspot:
    kinds = Counter(m.kind for m in members)
    categories = Counter(m.category for m in members if m.category)
    return CurrentHotspot(
        spot=spot, area_name=area_name,
        members=tuple(Member(m.appeal_id, m.code) for m in members),
        kind=kinds.most_common(1)[0][0],
        category=categories.most_common(1)[0][0] if categories else None, task=task,
        alerted_at=alerted_at)


def _already(code: str | None) -> ConcurrencyConflict:
    return ConcurrencyConflict(f"该热点已转为治理任务 {code}", task_code=code)


def _content(h: CurrentHotspot, window_days: int, note: str, asked_by: str) -> str:
    """The task's text: what the hotspot is, its appeals, and what the leader wrote."""
    s = h.spot
    codes = [m.code or str(m.appeal_id) for m in h.members]
    listed = "、".join(codes[:CODES_LISTED])
    if len(codes) > CODES_LISTED:
        listed += f" 等 {len(codes)} 件"
    area = h.area_name or "未定位区域"
    lines = [
        f"热点预警（未诉先办）：{area}近 {window_days} 天相似诉求 {s.volume} 件，"
        f"涉及诉求人 {s.requesters} 人，增长 {s.growth:+.0%}，不满意 {s.dissatisfied} 件。",
        f"关键词：{'、'.join(s.terms) or '—'}",
        f"相关诉求：{listed}",
        f"交办人：{asked_by}",
    ]
    if note:
        lines.append(f"交办意见：{note}")
    return "\n".join(lines)
