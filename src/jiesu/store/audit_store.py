"""Store side of tamper evidence: the event chains in order, the anchors, the job leases and
the recorded checks.

The chain walk streams (`yield_per`): the results are returned unread, so that the caller
iterates them with bounded memory and may stop early.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from jiesu.store.audit_tables import AuditCheckRow
from jiesu.store.tables import AppealRow, EventAnchorRow, EventRow, JobLeaseRow


def read_snapshot(session: Session) -> None:
    """Make the session's transaction read one snapshot of the whole database. Call it first.

    PostgreSQL reads each statement at its own moment by default (READ COMMITTED): an event
    appended between reading the appeals' chain heads and walking the events would look like a
    break. SQLite's read transactions are snapshots already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                              "postgresql_readonly": True})


def chain_heads(session: Session) -> dict[int, tuple[int, str]]:
    """Each appeal's recorded chain: appeal id → (event count, head hash)."""
    return dict(
        (a_id, (count, head)) for a_id, count, head in
        session.execute(select(AppealRow.id, AppealRow.event_count, AppealRow.chain_head))
    )


def events_in_chain_order(session: Session, chunk: int) -> Iterator[EventRow]:
    """Every event in (appeal, seq) order, streamed `chunk` rows at a time."""
    return session.execute(
        select(EventRow).order_by(EventRow.appeal_id, EventRow.seq)
        .execution_options(yield_per=chunk)
    ).scalars()


def anchors(session: Session) -> Iterator[EventAnchorRow]:
    """Every anchor, oldest first."""
    return session.scalars(select(EventAnchorRow).order_by(EventAnchorRow.id))


def event_hashes(session: Session, first_event_id: int, last_event_id: int) -> list[str]:
    """The hashes of the events with ids in [first, last], by id (what an anchor covers)."""
    return list(session.scalars(select(EventRow.hash).where(
        EventRow.id >= first_event_id, EventRow.id <= last_event_id
    ).order_by(EventRow.id)))


def first_unreadable(session: Session, appeal_id: int | None, seq: int,
                     within: int) -> tuple[int, int, int] | None:
    """(id, appeal id, seq) of the first of the `within` events after position (`appeal_id`,
    `seq`) in chain order whose row cannot be read back (text that is not JSON or not a time,
    written into SQLite by hand); each is read on its own. None if every one can be read."""
    after = select(EventRow.id, EventRow.appeal_id, EventRow.seq)
    if appeal_id is not None:
        after = after.where(or_(EventRow.appeal_id > appeal_id,
                                and_(EventRow.appeal_id == appeal_id, EventRow.seq > seq)))
    whole = select(*EventRow.__table__.columns)
    for event_id, event_appeal, event_seq in session.execute(
            after.order_by(EventRow.appeal_id, EventRow.seq).limit(within)).all():
        try:
            session.execute(whole.where(EventRow.id == event_id)).one()
        except (ValueError, TypeError):
            return event_id, event_appeal, event_seq
    return None


def claim_lease(session: Session, name: str) -> JobLeaseRow | None:
    """The job's lease row, locked (FOR UPDATE SKIP LOCKED); None if missing or held."""
    return session.scalar(select(JobLeaseRow).where(JobLeaseRow.name == name)
                          .with_for_update(skip_locked=True))


def add_anchor(session: Session, row: EventAnchorRow) -> None:
    session.add(row)
    session.flush()


def last_anchor(session: Session) -> EventAnchorRow | None:
    """The newest anchor (None before the first)."""
    return session.scalar(select(EventAnchorRow).order_by(EventAnchorRow.id.desc()).limit(1))


def events_after(session: Session, after: int,
                 limit: int) -> Iterator[tuple[int, str, datetime]]:
    """(id, hash, at) of up to `limit` events with ids above `after`, by id."""
    return session.execute(select(EventRow.id, EventRow.hash, EventRow.at)
                           .where(EventRow.id > after)
                           .order_by(EventRow.id).limit(limit))


def take_lease(session: Session, name: str, holder: str, now: datetime, *,
               until: datetime, not_since: datetime) -> bool:
    """Give the job `name` to `holder` until `until`, unless another holder's time has not
    run out or the job last ran after `not_since`. The lease row is made on first use."""
    row = claim_lease(session, name)
    if row is None:
        if session.get(JobLeaseRow, name) is not None:
            return False  # another process is taking it right now
        row = JobLeaseRow(name=name)
        session.add(row)
        session.flush()  # two first uses at once: the unique key refuses the later one
    if row.expires_at is not None and row.expires_at > now:
        return False
    if row.last_run_at is not None and row.last_run_at > not_since:
        return False
    row.holder, row.expires_at = holder, until
    return True


def renew_lease(session: Session, name: str, holder: str, until: datetime) -> bool:
    """Move the end of `holder`'s lease on job `name`; False if it is no longer theirs."""
    done = session.execute(update(JobLeaseRow).where(
        JobLeaseRow.name == name, JobLeaseRow.holder == holder).values(expires_at=until))
    return bool(getattr(done, "rowcount", 0))


def release_lease(session: Session, name: str, holder: str, *,
                  ran_at: datetime | None) -> None:
    """End `holder`'s lease on job `name`; `ran_at` (when the run started) marks it as done."""
    values: dict[str, object] = {"holder": None, "expires_at": None}
    if ran_at is not None:
        values["last_run_at"] = ran_at
    session.execute(update(JobLeaseRow).where(
        JobLeaseRow.name == name, JobLeaseRow.holder == holder).values(**values))


def add_check(session: Session, row: AuditCheckRow) -> None:
    session.add(row)
    session.flush()


def recent_checks(session: Session, limit: int, *, unacknowledged_failures: bool = False
                  ) -> list[tuple[AuditCheckRow, str | None]]:
    """The latest `limit` recorded checks (or only the failed ones nobody has acknowledged),
    newest first, each with the code of the appeal it found broken (None when there is none or
    that appeal no longer exists)."""
    stmt = (select(AuditCheckRow, AppealRow.code)
            .outerjoin(AppealRow, AppealRow.id == AuditCheckRow.broken_appeal_id))
    if unacknowledged_failures:
        stmt = stmt.where(AuditCheckRow.ok.is_(False), AuditCheckRow.acknowledged_at.is_(None))
    return [(row, code) for row, code in session.execute(
        stmt.order_by(AuditCheckRow.id.desc()).limit(limit))]


def check_for_update(session: Session, check_id: int) -> AuditCheckRow | None:
    return session.scalar(select(AuditCheckRow).where(AuditCheckRow.id == check_id)
                          .with_for_update())


def appeal_code(session: Session, appeal_id: int) -> str | None:
    code: str | None = session.scalar(select(AppealRow.code).where(AppealRow.id == appeal_id))
    return code
