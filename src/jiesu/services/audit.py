"""Tamper evidence: verify every per-appeal hash chain, the global anchors over them and the
chain of the configuration-change log (配置变更记录), and record each check (审计链校验), run
by hand (`jiesu audit verify`) or by the periodic jobs."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.config_events import ConfigChange, entry_hash
from jiesu.domain.errors import ConcurrencyConflict, InvalidArguments, NotFound, PermissionDenied
from jiesu.domain.events import GENESIS_HASH, DomainEvent, anchor_digest, canonical, chain_hash
from jiesu.store import audit_store as aq
from jiesu.store import config_store
from jiesu.store.audit_tables import PROCESS_LENGTH, AuditCheckRow
from jiesu.store.db import Session
from jiesu.store.tables import EventAnchorRow, EventRow, JobLeaseRow
from jiesu.store.uow import Database, WriteRaced

log = logging.getLogger("jiesu.audit")

VERIFY_JOB = "audit_verify"  # the job lease of the periodic check
# A running check renews its lease every RENEW_EVERY while it walks the chains; a process that
# stopped half-way (a restart) leaves the check to another pass once LEASE has run out.
LEASE = timedelta(minutes=30)
RENEW_EVERY = timedelta(minutes=5)
RUNNERS = ("jobs", "cli")  # who ran a check: the periodic jobs or `jiesu audit verify`


@dataclass
class Broken:
    event_id: int | None
    appeal_id: int | None
    seq: int | None
    reason: str


@dataclass
class VerifyResult:
    events: int
    appeals: int
    anchors: int
    broken: Broken | None
    config_changes: int = 0  # entries of the configuration-change log verified

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass(frozen=True)
class Check:
    """One recorded check: when, by whom, what it walked, and the first break it found."""

    id: int
    started_at: datetime
    finished_at: datetime
    runner: str  # one of RUNNERS
    process: str  # host:pid of the process that ran it
    events: int
    appeals: int
    anchors: int
    broken: Broken | None
    appeal_code: str | None  # of the broken appeal, while that appeal exists
    # a broken check stays an alarm until an auditor or administrator acknowledges it
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None  # the user's id
    acknowledgement: str | None = None  # what they found and did
    # entries of the configuration-change log verified; None for checks recorded before
    # they were counted (migration 0025)
    config_changes: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def alarm(self) -> bool:
        """Broken and not yet acknowledged."""
        return self.broken is not None and self.acknowledged_at is None

    @property
    def seconds(self) -> float:
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)


def _recompute(e: EventRow) -> str:
    event = DomainEvent(e.type, e.at, e.actor_id, e.actor_role, e.data)
    return chain_hash(e.prev_hash, canonical(e.appeal_id, e.seq, event))


def verify(db: Database, *, progress: Callable[[int], None] | None = None,
           chunk: int = 20_000) -> VerifyResult:
    """Walk all events in (appeal, seq) order; report the first broken one.

    The walk reads one snapshot of the database, so that appeals written meanwhile are not
    taken for breaks; a row that cannot even be read back (text that is not JSON or not a
    time, written straight into SQLite) is reported as broken too.
    """
    with db.uow(write=False) as uow:
        s = uow.session
        aq.read_snapshot(s)
        walk = _Walk(chunk)
        try:
            return walk.run(s, progress)
        except (ValueError, TypeError) as exc:
            log.warning("audit check: a row could not be read", exc_info=True)
            return walk.unreadable(s, exc)


class _Walk:
    """The state of one verification, kept so that an unreadable row can be located."""

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk  # events are read (and decoded) this many at a time
        self.events = self.appeals = self.anchors = self.config_changes = 0
        self.current: int | None = None  # the appeal being walked
        self.seq = 0  # the last good event's seq in it
        self.phase = "heads"  # then "events", "anchors" and "config"
        # the configuration chain's head as the anchors kept it: seq → (anchor id, hash)
        self.anchored_config: dict[int, tuple[int, str]] = {}

    def result(self, broken: Broken | None) -> VerifyResult:
        return VerifyResult(self.events, self.appeals, self.anchors, broken, self.config_changes)

    def run(self, s: Session, progress: Callable[[int], None] | None) -> VerifyResult:
        heads: dict[int, tuple[int, str]] = {}
        expected_heads = aq.chain_heads(s)
        self.phase = "events"
        prev = GENESIS_HASH
        for e in aq.events_in_chain_order(s, self.chunk):
            if e.appeal_id != self.current:
                if self.current is not None:
                    heads[self.current] = (self.seq, prev)
                self.current, prev, self.seq = e.appeal_id, GENESIS_HASH, 0
                self.appeals += 1
            self.events += 1
            if e.seq != self.seq + 1:
                return self.result(Broken(
                    e.id, e.appeal_id, e.seq,
                    f"序号不连续：应为 {self.seq + 1}，实为 {e.seq}（记录被删除或插入）"))
            if e.prev_hash != prev:
                return self.result(Broken(
                    e.id, e.appeal_id, e.seq, "前一记录哈希不符（记录被删除、插入或改动）"))
            if _recompute(e) != e.hash:
                return self.result(Broken(
                    e.id, e.appeal_id, e.seq, "记录内容与哈希不符（记录被改动）"))
            prev, self.seq = e.hash, e.seq
            if progress and self.events % self.chunk == 0:
                progress(self.events)
        if self.current is not None:
            heads[self.current] = (self.seq, prev)
        for appeal_id, (count, head) in expected_heads.items():
            got = heads.get(appeal_id, (0, GENESIS_HASH))
            if got != (count, head):
                return self.result(Broken(
                    None, appeal_id, got[0] + 1 if got[0] < count else got[0],
                    f"诉求 {appeal_id} 应有 {count} 条记录，链上只找到 {got[0]} 条或链头不符"))
        self.phase = "anchors"
        prev_digest = GENESIS_HASH
        for a in aq.anchors(s):
            self.anchors += 1
            hashes = aq.event_hashes(s, a.first_event_id, a.last_event_id)
            config = _anchored_config(a)
            if a.prev_digest != prev_digest or len(hashes) != a.event_count or \
                    anchor_digest(a.prev_digest, hashes, config) != a.digest:
                return self.result(Broken(
                    None, None, None,
                    f"锚点 {a.id}（事件 {a.first_event_id}–{a.last_event_id}）校验失败："
                    "其间有记录被删除、插入或改动"))
            if config is not None:
                self.anchored_config.setdefault(config[0], (a.id, config[1]))
            prev_digest = a.digest
        self.phase = "config"
        return self.result(self.config_chain(s))

    def config_chain(self, s: Session) -> Broken | None:
        """The configuration-change log (配置变更记录): one chain, checked like an appeal's."""
        prev, seq = GENESIS_HASH, 0
        for c in config_store.in_chain_order(s, self.chunk):
            where = f"配置变更记录第 {c.seq} 条（#{c.id}）"
            if c.seq != seq + 1:
                return Broken(None, None, c.seq, f"{where}序号不连续：应为 {seq + 1}"
                                                 "（记录被删除或插入）")
            if c.prev_hash != prev:
                return Broken(None, None, c.seq,
                              f"{where}前一记录哈希不符（记录被删除、插入或改动）")
            change = ConfigChange(c.area, c.action, c.at, c.actor_id, c.actor_role, c.summary,
                                  c.details)
            if entry_hash(c.prev_hash, c.seq, change) != c.hash:
                return Broken(None, None, c.seq, f"{where}内容与哈希不符（记录被改动）")
            anchored = self.anchored_config.get(c.seq)
            if anchored is not None and anchored[1] != c.hash:
                return Broken(None, None, c.seq, f"{where}与锚点 {anchored[0]} 记下的链头不符"
                                                 "（配置变更记录被改写）")
            prev, seq = c.hash, c.seq
            self.config_changes += 1
        recorded = config_store.head(s) or (0, GENESIS_HASH)
        if recorded != (seq, prev):
            return Broken(None, None, seq + 1 if seq < recorded[0] else seq,
                          f"配置变更记录应有 {recorded[0]} 条，链上只找到 {seq} 条或链头不符"
                          "（记录被删除或改动）")
        return self.beyond_anchors(seq)

    def beyond_anchors(self, seq: int) -> Broken | None:
        """An anchor kept a head the walked chain (of `seq` entries) no longer reaches."""
        longest = max(self.anchored_config, default=0)
        if longest > seq:
            anchor_id = self.anchored_config[longest][0]
            return Broken(None, None, seq + 1,
                          f"配置变更记录只有 {seq} 条，锚点 {anchor_id} 记下时已有 {longest} 条"
                          "（记录被删除或改写）")
        return None

    def unreadable(self, s: Session, exc: Exception) -> VerifyResult:
        """The walk stopped on a row the database holds but cannot be read back as written."""
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
        if self.phase == "config":
            return self.result(Broken(None, None, None,
                                      f"配置变更记录无法读取（记录被改动）：{why}"))
        if self.phase == "anchors":
            return self.result(Broken(None, None, None, f"锚点记录无法读取（记录被改动）：{why}"))
        if self.phase == "heads":
            return self.result(Broken(None, None, None,
                                      f"诉求的链头记录无法读取（记录被改动）：{why}"))
        # the row is among the chunk read after the last good event
        at = aq.first_unreadable(s, self.current, self.seq, self.chunk)
        if at is None:
            return self.result(Broken(None, self.current, None,
                                      f"记录无法读取（记录被改动）：{why}"))
        event_id, appeal_id, seq = at
        return self.result(Broken(event_id, appeal_id, seq, f"记录无法读取（记录被改动）：{why}"))


def _anchored_config(a: EventAnchorRow) -> tuple[int, str] | None:
    """The configuration chain's head an anchor kept (None on anchors written before 0025; a
    half-empty pair, which the application never writes, then fails the anchor's digest)."""
    if a.config_seq is None and a.config_head is None:
        return None
    return (a.config_seq if a.config_seq is not None else -1, a.config_head or "")


def anchor(db: Database, now: datetime, *, min_age: timedelta = timedelta(seconds=60),
           limit: int = 100_000) -> int:
    """Write one anchor over events older than `min_age` not yet anchored, keeping the
    configuration-change chain's head as it is now. Returns its size (no anchor without new
    events).

    Only events older than `min_age` are anchored so that transactions still in flight (whose
    ids are lower than already committed ones) cannot slip in behind an anchor. The
    configuration chain needs no such margin: its writers take the head row's lock, so the
    head read here is always that of entries already committed.
    """
    with db.uow() as uow:
        s = uow.session
        lease = aq.claim_lease(s, "anchor")
        if lease is None:
            if s.get(JobLeaseRow, "anchor") is not None:
                return 0  # another process holds it right now
            s.add(JobLeaseRow(name="anchor"))
            s.flush()
        last = aq.last_anchor(s)
        after = last.last_event_id if last else 0
        prev_digest = last.digest if last else GENESIS_HASH
        rows = []
        for event_id, digest, at in aq.events_after(s, after, limit):
            if at >= now - min_age:
                break  # a contiguous id range: stop at the first event that is too young
            rows.append((event_id, digest))
        if not rows:
            uow.commit()
            return 0
        config = config_store.head(s) or (0, GENESIS_HASH)
        row = EventAnchorRow(first_event_id=rows[0][0], last_event_id=rows[-1][0],
                             event_count=len(rows), prev_digest=prev_digest,
                             digest=anchor_digest(prev_digest, [h for _, h in rows], config),
                             config_seq=config[0], config_head=config[1], created_at=now)
        aq.add_anchor(s, row)
        uow.commit()
    # the digest in the log is a copy outside the database: kept where the logs are shipped,
    # it shows a rewrite of everything before it, anchors included
    log.info("anchor %s: events %s-%s (%s), configuration changes 1-%s, digest %s", row.id,
             row.first_event_id, row.last_event_id, row.event_count, row.config_seq,
             row.digest)
    return len(rows)


# --- recorded checks ---------------------------------------------------------------------------


def run_due(db: Database, now: datetime, *, every: timedelta) -> Check | None:
    """The periodic jobs' check: a full `verify`, recorded, when the jobs' last one started
    `every` or longer before `now` and no other process is running one (a job lease). None
    when not due. A broken chain is logged at ERROR."""
    holder = f"{process_name()}:{uuid.uuid4().hex[:8]}"[:PROCESS_LENGTH]
    try:
        with db.uow() as uow:
            taken = aq.take_lease(uow.session, VERIFY_JOB, holder, now, until=now + LEASE,
                                  not_since=now - every)
            uow.commit()
    except WriteRaced:
        return None  # another process made the lease at the same moment and runs the check
    if not taken:
        return None
    started = renewed = time.monotonic()

    def renew(_: int) -> None:
        nonlocal renewed
        tick = time.monotonic()
        if tick - renewed >= RENEW_EVERY.total_seconds():
            renewed = tick
            with db.uow() as uow:
                aq.renew_lease(uow.session, VERIFY_JOB, holder,
                               now + timedelta(seconds=tick - started) + LEASE)
                uow.commit()

    try:
        result = verify(db, progress=renew)
    except Exception:
        with suppress(Exception), db.uow() as uow:  # else the lease runs out by itself
            aq.release_lease(uow.session, VERIFY_JOB, holder, ran_at=None)
            uow.commit()
        raise
    finished = now + timedelta(seconds=time.monotonic() - started)
    with db.uow() as uow:
        check = _record(uow.session, result, started_at=now, finished_at=finished,
                        runner="jobs")
        aq.release_lease(uow.session, VERIFY_JOB, holder, ran_at=now)
        uow.commit()
    if check.broken is not None:
        b = check.broken
        log.error("audit chain broken: check %s found appeal %s (code %s), event %s, seq %s: "
                  "%s", check.id, b.appeal_id, check.appeal_code, b.event_id, b.seq, b.reason)
    else:
        log.info("audit chain whole: %s events, %s appeals, %s anchors, %s configuration "
                 "changes in %.1f s", check.events, check.appeals, check.anchors,
                 check.config_changes, check.seconds)
    return check


def record(db: Database, result: VerifyResult, *, started_at: datetime, finished_at: datetime,
           runner: str) -> Check:
    """Store the result of a `verify` run by `runner` (one of RUNNERS)."""
    with db.uow() as uow:
        check = _record(uow.session, result, started_at=started_at, finished_at=finished_at,
                        runner=runner)
        uow.commit()
    return check


def recent_checks(db: Database, limit: int = 10) -> list[Check]:
    """The latest recorded checks, newest first (empty when none ever ran)."""
    with db.uow(write=False) as uow:
        return [_check(row, code) for row, code in aq.recent_checks(uow.session, limit)]


def alarms(db: Database, limit: int = 10) -> list[Check]:
    """The broken checks nobody has acknowledged yet, newest first: the alarm stays up until
    someone has looked, even if the rows were put back and later checks are whole."""
    with db.uow(write=False) as uow:
        return [_check(row, code) for row, code in
                aq.recent_checks(uow.session, limit, unacknowledged_failures=True)]


def stale(last: Check | None, now: datetime, hours: int) -> Check | None:
    """`last` (the newest check) when it started more than twice the interval (`hours`) ago:
    the periodic check has stopped (no process runs the jobs, or it fails). None when it is on
    time, when none ever ran (a new installation checks within a minute) or when the jobs do
    not check."""
    if hours <= 0 or last is None or now - last.started_at <= 2 * timedelta(hours=hours):
        return None
    return last


ACKNOWLEDGERS = (Role.AUDITOR, Role.ADMIN)
NOTE_LENGTH = 2000


def acknowledge(db: Database, actor: Actor, check_id: int, note: str, now: datetime) -> Check:
    """An auditor or administrator says what they found and did about a broken check; its
    alarm ends (the check and the note stay on record)."""
    if actor.role not in ACKNOWLEDGERS:
        raise PermissionDenied("只有审计员和管理员可以确认审计告警")
    note = (note or "").strip()
    if not note:
        raise InvalidArguments("请写明核查结果和处理情况", field="note")
    if len(note) > NOTE_LENGTH:
        raise InvalidArguments(f"处理情况最多 {NOTE_LENGTH} 字", field="note")
    with db.uow() as uow:
        row = aq.check_for_update(uow.session, check_id)
        if row is None:
            raise NotFound(f"校验记录 {check_id} 不存在")
        if row.ok:
            raise InvalidArguments("这次校验没有发现问题，无需确认")
        if row.acknowledged_at is not None:
            raise ConcurrencyConflict("这条审计告警已经确认过了")
        row.acknowledged_at, row.acknowledged_by, row.acknowledgement = now, actor.user_id, note
        code = (aq.appeal_code(uow.session, row.broken_appeal_id)
                if row.broken_appeal_id is not None else None)
        check = _check(row, code)
        uow.commit()
    log.warning("audit alarm of check %s acknowledged by user #%s: %s", check_id,
                actor.user_id, note[:200])
    return check


def _record(s: Session, result: VerifyResult, *, started_at: datetime, finished_at: datetime,
            runner: str) -> Check:
    if runner not in RUNNERS:
        raise ValueError(f"unknown runner {runner!r}")
    b = result.broken
    row = AuditCheckRow(
        started_at=started_at, finished_at=finished_at, runner=runner,
        process=process_name()[:PROCESS_LENGTH], events=result.events, appeals=result.appeals,
        anchors=result.anchors, config_changes=result.config_changes, ok=b is None,
        broken_event_id=b.event_id if b else None, broken_appeal_id=b.appeal_id if b else None,
        broken_seq=b.seq if b else None, reason=b.reason if b else None)
    aq.add_check(s, row)
    code = aq.appeal_code(s, b.appeal_id) if b is not None and b.appeal_id is not None else None
    return _check(row, code)


def _check(row: AuditCheckRow, appeal_code: str | None) -> Check:
    broken = None if row.ok else Broken(row.broken_event_id, row.broken_appeal_id,
                                        row.broken_seq, row.reason or "")
    return Check(row.id, row.started_at, row.finished_at, row.runner, row.process, row.events,
                 row.appeals, row.anchors, broken, appeal_code, row.acknowledged_at,
                 row.acknowledged_by, row.acknowledgement, row.config_changes)


def process_name() -> str:
    """This process, as a job lease's holder and a check's runner name it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"
