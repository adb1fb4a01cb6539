"""Bulk writes for the import: many new appeals with their first events in a few statements.

`AppealRepository.add` costs three round trips per appeal; a history import of 100,000 rows needs
the same rows and the same per-appeal hash chain (same `canonical`/`chain_hash`, so
`jiesu audit verify` checks imported events like any other), written with two executemany
statements per batch. Ids are taken up front (a sequence on PostgreSQL; on SQLite the writing
transaction holds the database's only write lock), so no RETURNING is needed: multi-row
RETURNING inserts cost more in driver-side query parsing than the database work itself.
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from jiesu.domain import appeal as dom
from jiesu.domain.events import GENESIS_HASH, DomainEvent, canonical, chain_hash
from jiesu.store.repositories import (
    _APPEAL_FIELDS,
    _ENUM_FIELDS,
    _INSERT_CO,
    _INSERT_EVENTS,
    jsonable,
)
from jiesu.store.tables import AppealRow

_T = AppealRow.__table__
_INSERT_PLAIN = insert(_T)
_NO_DEFAULT = frozenset(c.name for c in _T.columns
                        if c.default is None and c.server_default is None)
_FIELDS = [n for n in _APPEAL_FIELDS if n != "id"]
_PG_IDS = text("SELECT nextval(pg_get_serial_sequence('appeals', 'id')) "
               "FROM generate_series(1, :n)")


def _allocate_ids(session: Session, n: int) -> list[int]:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return [int(i) for i in conn.execute(_PG_IDS, {"n": n}).scalars()]
    # SQLite: the unit of work began with BEGIN IMMEDIATE, so nobody else inserts meanwhile.
    top = conn.execute(select(func.max(AppealRow.id))).scalar() or 0
    return list(range(top + 1, top + 1 + n))


def add_appeals(
    session: Session,
    items: list[tuple[dom.Appeal, list[DomainEvent], str, str | None]],
    *,
    now: datetime,
) -> list[int]:
    """Insert new appeals (appeal, events, code prefix, source_ref); returns their ids in order."""
    if not items:
        return []
    ids = _allocate_ids(session, len(items))
    appeals = [item[0] for item in items]
    for appeal_id, (appeal, _events, prefix, _ref) in zip(ids, items, strict=True):
        appeal.id = appeal_id
        appeal.code = appeal.code or f"{prefix}{appeal_id:05d}"
    # Columns empty in every row (and without a Python-side default) are left out: processing
    # bind parameters is most of what a bulk insert costs on the client.
    names = [n for n in _FIELDS if n not in _NO_DEFAULT
             or any(getattr(a, n) is not None for a in appeals)]
    enums = [n for n in names if n in _ENUM_FIELDS]
    get = attrgetter(*names)
    rows = []
    event_rows = []
    co_rows = []
    for appeal_id, (appeal, events, _prefix, source_ref) in zip(ids, items, strict=True):
        head, count = GENESIS_HASH, 0
        for event in events:
            count += 1
            clean = DomainEvent(event.type, event.at, event.actor_id, str(event.actor_role),
                                jsonable(event.data))
            digest = chain_hash(head, canonical(appeal_id, count, clean))
            event_rows.append({"appeal_id": appeal_id, "seq": count, "type": clean.type,
                               "at": clean.at, "actor_id": clean.actor_id,
                               "actor_role": clean.actor_role, "data": clean.data,
                               "prev_hash": head, "hash": digest})
            head = digest
        values = dict(zip(names, get(appeal), strict=True))
        for n in enums:
            if values[n] is not None:
                values[n] = str(values[n])
        values.update(id=appeal_id, updated_at=now, source_ref=source_ref, event_count=count,
                      chain_head=head, version=0)
        rows.append(values)
        co_rows += [{"appeal_id": appeal_id, "unit_id": u} for u in appeal.co_unit_ids]
    conn = session.connection()
    conn.execute(_INSERT_PLAIN, rows)
    if event_rows:
        conn.execute(_INSERT_EVENTS, event_rows)
    if co_rows:
        conn.execute(_INSERT_CO, co_rows)
    return ids
