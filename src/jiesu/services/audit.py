"""Tamper evidence: verify every per-appeal hash chain and the global anchors over them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from jiesu.domain.events import GENESIS_HASH, DomainEvent, anchor_digest, canonical, chain_hash
from jiesu.store import audit_store as aq
from jiesu.store.tables import EventAnchorRow, EventRow, JobLeaseRow
from jiesu.store.uow import Database


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
    """Walk all events in (appeal, seq) order; report the first broken one."""
    events = appeals = 0
    heads: dict[int, tuple[int, str]] = {}
    with db.uow(write=False) as uow:
        s = uow.session
        expected_heads = aq.chain_heads(s)
        stream = aq.events_in_chain_order(s, chunk)
        current: int | None = None
        prev = GENESIS_HASH
        seq = 0
        for e in stream:
            if e.appeal_id != current:
                if current is not None:
                    heads[current] = (seq, prev)
                current, prev, seq = e.appeal_id, GENESIS_HASH, 0
                appeals += 1
            seq += 1
            events += 1
            if e.seq != seq:
                return VerifyResult(events, appeals, 0, Broken(
                    e.id, e.appeal_id, e.seq,
                    f"序号不连续：应为 {seq}，实为 {e.seq}（记录被删除或插入）"))
            if e.prev_hash != prev:
                return VerifyResult(events, appeals, 0, Broken(
                    e.id, e.appeal_id, e.seq, "前一记录哈希不符（记录被删除、插入或改动）"))
            if _recompute(e) != e.hash:
                return VerifyResult(events, appeals, 0, Broken(
                    e.id, e.appeal_id, e.seq, "记录内容与哈希不符（记录被改动）"))
            prev = e.hash
            if progress and events % chunk == 0:
                progress(events)
        if current is not None:
            heads[current] = (seq, prev)
        for appeal_id, (count, head) in expected_heads.items():
            got = heads.get(appeal_id, (0, GENESIS_HASH))
            if got != (count, head):
                return VerifyResult(events, appeals, 0, Broken(
                    None, appeal_id, got[0] + 1 if got[0] < count else got[0],
                    f"诉求 {appeal_id} 应有 {count} 条记录，链上只找到 {got[0]} 条或链头不符"))
        anchors = 0
        prev_digest = GENESIS_HASH
        for a in aq.anchors(s):
            anchors += 1
            hashes = aq.event_hashes(s, a.first_event_id, a.last_event_id)
            if a.prev_digest != prev_digest or len(hashes) != a.event_count or \
                    anchor_digest(a.prev_digest, hashes) != a.digest:
                return VerifyResult(events, appeals, anchors, Broken(
                    None, None, None,
                    f"锚点 {a.id}（事件 {a.first_event_id}–{a.last_event_id}）校验失败："
                    "其间有记录被删除、插入或改动"))
            prev_digest = a.digest
    return VerifyResult(events, appeals, anchors, None)


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
