"""Tamper evidence: verify every per-appeal hash chain and the global anchors over them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from jiesu.domain.events import GENESIS_HASH, DomainEvent, anchor_digest, canonical, chain_hash
from jiesu.store import audit_store as aq
from jiesu.store.db import Session
from jiesu.store.tables import EventAnchorRow, EventRow, JobLeaseRow
from jiesu.store.uow import Database

log = logging.getLogger("jiesu.audit")


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

    @property
    def ok(self) -> bool:
        return self.broken is None


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
        self.events = self.appeals = self.anchors = 0
        self.current: int | None = None  # the appeal being walked
        self.seq = 0  # the last good event's seq in it
        self.phase = "heads"  # then "events", then "anchors"

    def result(self, broken: Broken | None) -> VerifyResult:
        return VerifyResult(self.events, self.appeals, self.anchors, broken)

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
            if a.prev_digest != prev_digest or len(hashes) != a.event_count or \
                    anchor_digest(a.prev_digest, hashes) != a.digest:
                return self.result(Broken(
                    None, None, None,
                    f"锚点 {a.id}（事件 {a.first_event_id}–{a.last_event_id}）校验失败："
                    "其间有记录被删除、插入或改动"))
            prev_digest = a.digest
        return self.result(None)

    def unreadable(self, s: Session, exc: Exception) -> VerifyResult:
        """The walk stopped on a row the database holds but cannot be read back as written."""
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
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


def anchor(db: Database, now: datetime, *, min_age: timedelta = timedelta(seconds=60),
           limit: int = 100_000) -> int:
    """Write one anchor over events older than `min_age` not yet anchored. Returns its size.

    Only events older than `min_age` are anchored so that transactions still in flight (whose
    ids are lower than already committed ones) cannot slip in behind an anchor.
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
        s.add(EventAnchorRow(first_event_id=rows[0][0], last_event_id=rows[-1][0],
                             event_count=len(rows), prev_digest=prev_digest,
                             digest=anchor_digest(prev_digest, [h for _, h in rows]),
                             created_at=now))
        uow.commit()
        return len(rows)
