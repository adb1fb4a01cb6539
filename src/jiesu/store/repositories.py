"""Repositories: load and save aggregates, append events to their per-appeal hash chain."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jiesu.domain import appeal as dom
from jiesu.domain.errors import ConcurrencyConflict, NotFound
from jiesu.domain.events import GENESIS_HASH, DomainEvent, canonical, chain_hash
from jiesu.store.tables import AppealCoUnitRow, AppealRow, EventRow, UnitRow

# Domain fields stored one-to-one in appeals columns (co_unit_ids lives in its own table).
_APPEAL_FIELDS = [f.name for f in fields(dom.Appeal) if f.name not in ("co_unit_ids",)]
_ENUM_FIELDS: dict[str, type[Any]] = {
    "status": dom.Status,
    "kind": dom.Kind,
    "urgency": dom.Urgency,
    "channel": dom.Channel,
    "sign_warning": dom.Warning,
    "handle_warning": dom.Warning,
    "followup_warning": dom.Warning,
    "supervision_level": dom.SupervisionLevel,
    "reply_claim": dom.ReplyClaim,
    "followup_resolved": dom.Resolved,
    "followup_satisfaction": dom.Satisfaction,
    "followup_fault": dom.Fault,
    "reject_reason": dom.RejectReason,
}


_T = AppealRow.__table__
_WRITABLE = [name for name in _APPEAL_FIELDS if name != "id"] + [
    "updated_at", "version", "event_count", "chain_head"]
# Built once so SQLAlchemy compiles them once: per-call statements with 60 columns cost more
# in cache-key generation than the database round trip.
_INSERT_APPEAL = insert(_T).returning(_T.c.id)
_UPDATE_APPEAL = (
    update(_T)
    .where(_T.c.id == bindparam("p_id"), _T.c.version == bindparam("p_expected"))
    .values({name: bindparam(f"p_{name}", type_=_T.c[name].type) for name in _WRITABLE})
)
_SET_HEAD = (
    update(_T)
    .where(_T.c.id == bindparam("p_id"))
    .values(code=bindparam("p_code"), event_count=bindparam("p_count"),
            chain_head=bindparam("p_head"))
)
# A replayed idempotency key inserts nothing and returns no row: no SELECT before each insert.
_INSERT_APPEAL_ONCE = {
    "postgresql": pg_insert(AppealRow).on_conflict_do_nothing(
        index_elements=[_T.c.idempotency_key]).returning(_T.c.id),
    "sqlite": sqlite_insert(AppealRow).on_conflict_do_nothing(
        index_elements=[_T.c.idempotency_key]).returning(_T.c.id),
}
_INSERT_EVENTS = insert(EventRow.__table__)
_INSERT_CO = insert(AppealCoUnitRow.__table__)


def appeal_from_row(row: AppealRow, co_unit_ids: Iterable[int] = ()) -> dom.Appeal:
    values: dict[str, Any] = {}
    for name in _APPEAL_FIELDS:
        value = getattr(row, name)
        enum = _ENUM_FIELDS.get(name)
        if enum is not None and value is not None:
            value = enum(value)
        values[name] = value
    values["extra"] = dict(row.extra or {})
    return dom.Appeal(co_unit_ids=tuple(sorted(co_unit_ids)), **values)


def appeal_values(appeal: dom.Appeal) -> dict[str, Any]:
    values = {name: getattr(appeal, name) for name in _APPEAL_FIELDS if name != "id"}
    for name in _ENUM_FIELDS:
        if values[name] is not None:
            values[name] = str(values[name])
    return values


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Event data exactly as it will read back from a JSON column (so hashes re-verify)."""
    result: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    return result


class AppealIds:
    """Appeal ids taken from the PostgreSQL sequence ahead of time, a block at once (per process).

    Knowing the id before the INSERT lets the appeal be written whole — code, event-chain head
    and count included — instead of inserted and then updated: the update wrote a second row
    version into every index of `appeals` and cost a statement. Ids a process reserved but did
    not use are skipped (a sequence never promised no gaps).
    """

    BLOCK = 20
    _SQL = text("SELECT nextval(pg_get_serial_sequence('appeals', 'id')) "
                "FROM generate_series(1, :n)")

    def __init__(self) -> None:
        self._free: deque[int] = deque()
        self._lock = threading.Lock()

    def take(self, conn: Connection) -> int:
        with self._lock:
            if not self._free:
                self._free.extend(conn.execute(self._SQL, {"n": self.BLOCK}).scalars())
            return self._free.popleft()


class AppealRepository:
    """Appeals with optimistic locking on `version` and their event chains."""

    def __init__(self, session: Session, ids: AppealIds | None = None) -> None:
        self.session = session
        self.ids = ids

    def get(self, appeal_id: int, *, for_update: bool = False) -> tuple[dom.Appeal, AppealRow]:
        stmt = select(AppealRow).where(AppealRow.id == appeal_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).one_or_none()
        if row is None:
            raise NotFound(f"诉求 {appeal_id} 不存在")
        co = self.session.scalars(
            select(AppealCoUnitRow.unit_id).where(AppealCoUnitRow.appeal_id == appeal_id)
        ).all()
        return appeal_from_row(row, co), row

    def find_by_code(self, code: str) -> int | None:
        return self.session.scalar(select(AppealRow.id).where(AppealRow.code == code))

    def find_by_idempotency_key(self, key: str) -> int | None:
        return self.session.scalar(select(AppealRow.id).where(AppealRow.idempotency_key == key))

    def find_code(self, appeal_id: int) -> str:
        code = self.session.scalar(select(AppealRow.code).where(AppealRow.id == appeal_id))
        if code is None:
            raise NotFound(f"诉求 {appeal_id} 不存在")
        return code

    def add(
        self,
        appeal: dom.Appeal,
        events: list[DomainEvent],
        *,
        now: datetime,
        code_prefix: str,
        idempotency_key: str | None = None,
        source_ref: str | None = None,
        suggestions: dict[str, Any] | None = None,
    ) -> int | None:
        """Insert a new appeal with its first events; its public code is prefix + id.

        Returns None, writing nothing, when `idempotency_key` is already taken. Only the
        non-empty columns are sent: a registration then has fewer than 50 parameters, the most
        for which psycopg keeps its parse of the statement (it re-parsed the 3 KB INSERT of
        every column each time).
        """
        values = {k: v for k, v in appeal_values(appeal).items() if v is not None}
        values.update(updated_at=now, event_count=0, chain_head=GENESIS_HASH, version=0)
        extra = {"idempotency_key": idempotency_key, "source_ref": source_ref,
                 "suggestions": suggestions or None}
        values.update({k: v for k, v in extra.items() if v is not None})
        conn = self.session.connection()  # Core, not the ORM: nothing here is an ORM object
        stmt = _INSERT_APPEAL
        if idempotency_key is not None:
            stmt = _INSERT_APPEAL_ONCE.get(conn.dialect.name, _INSERT_APPEAL)
        if self.ids is not None and conn.dialect.name == "postgresql":
            # The id first: the row goes in whole, its events after it.
            appeal_id = self.ids.take(conn)
            code = appeal.code or f"{code_prefix}{appeal_id:05d}"
            rows, head, count = self._chain(appeal_id, GENESIS_HASH, 0, events)
            values.update(id=appeal_id, code=code, event_count=count, chain_head=head)
            if conn.execute(stmt, values).scalar_one_or_none() is None:
                return None
        else:
            inserted = conn.execute(stmt, values).scalar_one_or_none()
            if inserted is None:
                return None
            appeal_id = int(inserted)
            code = appeal.code or f"{code_prefix}{appeal_id:05d}"
            rows, head, count = self._chain(appeal_id, GENESIS_HASH, 0, events)
            conn.execute(_SET_HEAD, {"p_id": appeal_id, "p_code": code,
                                     "p_count": count, "p_head": head})
        appeal.id, appeal.code = appeal_id, code
        if appeal.co_unit_ids:
            self._set_co_units(appeal_id, appeal.co_unit_ids)
        if rows:
            conn.execute(_INSERT_EVENTS, rows)
        return appeal_id

    def save(
        self, appeal: dom.Appeal, row: AppealRow, events: list[DomainEvent], *, now: datetime
    ) -> None:
        """Write the changed appeal and append its events; a lost race raises a conflict."""
        assert appeal.id is not None
        rows, head, count = self._chain(appeal.id, row.chain_head, row.event_count, events)
        values = appeal_values(appeal)
        values.update(updated_at=now, version=row.version + 1, event_count=count, chain_head=head)
        params = {f"p_{k}": v for k, v in values.items()}
        params.update(p_id=appeal.id, p_expected=row.version)
        # The version-checked UPDATE goes first: it takes the row lock, so a concurrent writer
        # waits here and then updates no row (a clean 409) instead of colliding on the next
        # event's (appeal_id, seq) unique key (an IntegrityError, i.e. a 500).
        # A DML statement's result is a CursorResult (Session.execute is typed for any).
        result = cast("CursorResult[Any]", self.session.execute(_UPDATE_APPEAL, params))
        if result.rowcount != 1:
            raise ConcurrencyConflict("该诉求刚刚被其他人修改，请刷新后重试")
        if rows:
            self.session.execute(_INSERT_EVENTS, rows)
        appeal.version = row.version + 1
        old_co = sorted(
            self.session.scalars(
                select(AppealCoUnitRow.unit_id).where(AppealCoUnitRow.appeal_id == appeal.id)
            ).all()
        )
        if old_co != sorted(appeal.co_unit_ids):
            self.session.query(AppealCoUnitRow).filter(
                AppealCoUnitRow.appeal_id == appeal.id
            ).delete(synchronize_session=False)
            self._set_co_units(appeal.id, appeal.co_unit_ids)

    def _set_co_units(self, appeal_id: int, unit_ids: Iterable[int]) -> None:
        rows = [{"appeal_id": appeal_id, "unit_id": u} for u in unit_ids]
        if rows:
            self.session.execute(_INSERT_CO, rows)

    def _append(
        self, appeal_id: int, head: str, count: int, events: list[DomainEvent]
    ) -> tuple[str, int]:
        rows, head, count = self._chain(appeal_id, head, count, events)
        if rows:
            self.session.execute(_INSERT_EVENTS, rows)
        return head, count

    def _chain(
        self, appeal_id: int, head: str, count: int, events: list[DomainEvent]
    ) -> tuple[list[dict[str, Any]], str, int]:
        """The event rows that extend the chain at (head, count), and the new head and count."""
        rows: list[dict[str, Any]] = []
        for event in events:
            count += 1
            clean = DomainEvent(event.type, event.at, event.actor_id, str(event.actor_role),
                                jsonable(event.data))
            digest = chain_hash(head, canonical(appeal_id, count, clean))
            rows.append(
                {
                    "appeal_id": appeal_id,
                    "seq": count,
                    "type": clean.type,
                    "at": clean.at,
                    "actor_id": clean.actor_id,
                    "actor_role": clean.actor_role,
                    "data": clean.data,
                    "prev_hash": head,
                    "hash": digest,
                }
            )
            head = digest
        return rows, head, count


class UnitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_code(self, code: str) -> UnitRow | None:
        return self.session.scalar(select(UnitRow).where(UnitRow.code == code))

    def get(self, unit_id: int) -> UnitRow | None:
        return self.session.get(UnitRow, unit_id)

    def read_locked(self, unit_id: int) -> UnitRow | None:
        """The unit read afresh under a share lock held until the transaction ends: an
        administrator stopping it (停用, which locks it first) waits for this transaction, or
        this read waits for the stop and sees it."""
        return self.session.scalar(select(UnitRow).where(UnitRow.id == unit_id)
                                   .with_for_update(read=True)
                                   .execution_options(populate_existing=True))

    def subtree_ids(self, unit_id: int) -> frozenset[int]:
        unit = self.session.get(UnitRow, unit_id)
        if unit is None:
            return frozenset()
        ids = self.session.scalars(select(UnitRow.id).where(UnitRow.path.startswith(unit.path)))
        return frozenset(ids)

    def add(self, code: str, name: str, *, parent: UnitRow | None, group: str) -> UnitRow:
        row = UnitRow(code=code, name=name, parent_id=parent.id if parent else None, group=group,
                      path="", depth=(parent.depth + 1) if parent else 0, active=True)
        self.session.add(row)
        self.session.flush()
        row.path = f"{parent.path if parent else '/'}{row.id}/"
        self.session.flush()
        return row

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(UnitRow)) or 0
