"""Store side of `jiesu import`: reference look-ups, import batches and the bulk appeal writer.

`AppealRepository.add` costs three round trips per appeal. A history import of 100,000 rows needs
the same rows and the same per-appeal hash chain (same `canonical`/`chain_hash`, so
`jiesu audit verify` checks imported events like any other), so `ImportStore.add_appeals` turns
a batch of new appeals into database-ready tuples and writes them through the driver of the unit
of work's own connection: `COPY ... FROM STDIN` on PostgreSQL, one `executemany` per table on
SQLite. Ids are claimed up front (the sequence on PostgreSQL; on SQLite the writing transaction
holds the database's only write lock), so nothing needs RETURNING.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import Enum
from operator import attrgetter
from typing import Any, get_args, get_type_hints

from sqlalchemy import ARRAY, Boolean, String, any_, bindparam, func, select, text
from sqlalchemy.orm import Session

from jiesu.domain import appeal as dom
from jiesu.domain.events import GENESIS_HASH, DomainEvent, canonical, chain_hash
from jiesu.store.exchange_tables import ImportBatchRow
from jiesu.store.tables import AppealRow, CategoryRow, UnitRow, UTCDateTime

_T = AppealRow.__table__
# Columns a new appeal row fills itself; every other column is the domain field of that name.
_OWN = ("id", "code", "updated_at", "idempotency_key", "source_ref", "suggestions", "version",
        "event_count", "chain_head")
# Columns only a later job writes, NULL on a new row: when its personal data was erased
_LATER = ("personal_data_erased_at",)
_DOMAIN = tuple(c.name for c in _T.columns if c.name not in _OWN + _LATER)
_missing = set(_DOMAIN) - {f.name for f in fields(dom.Appeal)}
assert not _missing, f"appeals columns without a domain field: {_missing}"
# The order rows are written in: domain fields first, then the writer's own columns.
APPEAL_COLUMNS: tuple[str, ...] = _DOMAIN + _OWN
EVENT_COLUMNS = ("appeal_id", "seq", "type", "at", "actor_id", "actor_role", "data",
                 "prev_hash", "hash")
CO_UNIT_COLUMNS = ("appeal_id", "unit_id")
_DATETIMES = tuple(i for i, c in enumerate(_DOMAIN) if isinstance(_T.c[c].type, UTCDateTime))
_BOOLEANS = tuple(i for i, c in enumerate(_DOMAIN) if isinstance(_T.c[c].type, Boolean))
_HINTS = get_type_hints(dom.Appeal)
_ENUMS = tuple(i for i, c in enumerate(_DOMAIN)
               if any(isinstance(t, type) and issubclass(t, Enum)
                      for t in (get_args(_HINTS[c]) or (_HINTS[c],))))
_EXTRA = _DOMAIN.index("extra")
_get_domain = attrgetter(*_DOMAIN)
# Built once: json.dumps with options builds a new encoder per call.
_TO_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                   default=str).encode
_quote = json.encoder.encode_basestring  # a str as JSON text, ensure_ascii=False

_SQLITE_CACHE_KIB = 65_536
_PG_IDS = text("SELECT nextval(pg_get_serial_sequence('appeals', 'id')) "
               "FROM generate_series(1, :n)")
_EXISTING = select(AppealRow.source_ref).where(
    AppealRow.source_ref.in_(bindparam("refs", expanding=True)))
# PostgreSQL: one array parameter, so the statement text is the same for every batch (an IN
# list of 1,000 parameters cost more in driver-side query parsing than the look-up).
_EXISTING_PG = select(AppealRow.source_ref).where(
    AppealRow.source_ref == any_(bindparam("refs", type_=ARRAY(String))))
_SQLITE_INSERT = {
    table: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    for table, cols in (("appeals", APPEAL_COLUMNS), ("events", EVENT_COLUMNS),
                        ("appeal_co_units", CO_UNIT_COLUMNS))}
_PG_COPY = {table: f"COPY {table} ({', '.join(cols)}) FROM STDIN"
            for table, cols in (("appeals", APPEAL_COLUMNS), ("events", EVENT_COLUMNS),
                                ("appeal_co_units", CO_UNIT_COLUMNS))}


@dataclass(slots=True)
class NewAppeal:
    """One appeal to insert with its first events; its public code is `code_prefix` + id."""

    appeal: dom.Appeal
    events: list[DomainEvent]
    code_prefix: str
    source_ref: str | None = None


@dataclass(frozen=True)
class CategoryRef:
    id: int
    parent_id: int | None
    name: str
    code: str
    level: int


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy stores for a UTC datetime on SQLite (naive, with microseconds)."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass aware UTC times")
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass aware UTC times")
    return value


def _str_keys(value: Any) -> bool:
    """True when every dict key in `value` (nested too) is a plain str."""
    if value.__class__ is dict:
        for k, v in value.items():
            if k.__class__ is not str or (v.__class__ in (dict, list, tuple)
                                          and not _str_keys(v)):
                return False
    elif value.__class__ in (list, tuple):
        return all(_str_keys(v) for v in value if v.__class__ in (dict, list, tuple))
    return True


def _canonical(appeal_id: int, seq: int, event: DomainEvent, data_json: str) -> str:
    """`events.canonical` with the event's data already in canonical JSON (one encoding less)."""
    actor = "null" if event.actor_id is None else _CANONICAL_JSON(event.actor_id)
    return (f'{{"actor_id":{actor},"actor_role":{_quote(event.actor_role)},'
            f'"appeal_id":{appeal_id},"at":"{event.at.isoformat(timespec="microseconds")}",'
            f'"data":{data_json},"seq":{seq},"type":{_quote(event.type)}}}')


class ImportStore:
    """Reads and writes of one import unit of work (the session's transaction is the caller's)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- references and batches ----------------------------------------------------------------

    def categories(self) -> list[CategoryRef]:
        rows = self.session.execute(select(CategoryRow.id, CategoryRow.parent_id,
                                           CategoryRow.name, CategoryRow.code,
                                           CategoryRow.level))
        return [CategoryRef(*r) for r in rows]

    def category(self, category_id: int) -> CategoryRow | None:
        return self.session.get(CategoryRow, category_id)

    def units(self) -> list[UnitRef]:
        return [UnitRef(*r) for r in self.session.execute(
            select(UnitRow.id, UnitRow.code, UnitRow.name))]

    def existing_source_refs(self, refs: Sequence[str]) -> set[str]:
        """Those of `refs` already stored as an appeal's source_ref (one query)."""
        if not refs:
            return set()
        pg = self.session.connection().dialect.name == "postgresql"
        return set(self.session.scalars(_EXISTING_PG if pg else _EXISTING, {"refs": list(refs)}))

    def start_batch(self, source_file: str, mapping_name: str, now: datetime) -> int:
        row = ImportBatchRow(source_file=source_file[:500], mapping_name=mapping_name[:200],
                             started_at=now, imported=0, skipped=0, rejected=0)
        self.session.add(row)
        self.session.flush()
        return row.id

    def finish_batch(self, batch_id: int, now: datetime, *, imported: int, skipped: int,
                     rejected: int, report: dict[str, Any]) -> None:
        batch = self.session.get(ImportBatchRow, batch_id)
        assert batch is not None
        batch.finished_at = now
        batch.imported, batch.skipped, batch.rejected = imported, skipped, rejected
        batch.report = report

    # --- the bulk writer ---------------------------------------------------------------------

    def add_appeals(self, items: Sequence[NewAppeal], *, now: datetime) -> list[int]:
        """Insert new appeals with their event chains; sets appeal.id/code; returns the ids."""
        if not items:
            return []
        conn = self.session.connection()
        pg = conn.dialect.name == "postgresql"
        ids = self._claim_ids(len(items), pg=pg)
        time = _pg_time if pg else _sqlite_time
        now_db = time(now)
        appeals: list[list[Any]] = []
        events: list[tuple[Any, ...]] = []
        co_units: list[tuple[int, int]] = []
        checked = False
        for appeal_id, item in zip(ids, items, strict=True):
            appeal = item.appeal
            appeal.id = appeal_id
            appeal.code = appeal.code or f"{item.code_prefix}{appeal_id:05d}"
            head, count = GENESIS_HASH, 0
            for event in item.events:
                count += 1
                # Hash the data exactly as it reads back from the JSON column: with str keys
                # only, its canonical text is the same before and after that round trip.
                data = _CANONICAL_JSON(event.data)
                if not _str_keys(event.data):
                    data = _CANONICAL_JSON(json.loads(data))
                at = event.at if event.at.tzinfo is UTC else event.at.astimezone(UTC)
                clean = DomainEvent(event.type, at, event.actor_id, str(event.actor_role),
                                    event.data)
                text = _canonical(appeal_id, count, clean, data)
                if not checked:  # the hand-built text must be the one audit verify rebuilds
                    assert text == canonical(appeal_id, count, dataclasses.replace(
                        clean, data=json.loads(data))), text
                    checked = True
                digest = chain_hash(head, text)
                events.append((appeal_id, count, clean.type, time(clean.at), clean.actor_id,
                               clean.actor_role, data, head, digest))
                head = digest
            if appeal.co_unit_ids:
                co_units += [(appeal_id, u) for u in appeal.co_unit_ids]
            row = list(_get_domain(appeal))
            for i in _DATETIMES:
                v = row[i]
                if v is not None:
                    if v.tzinfo is not UTC:
                        v = time(v) if pg else v.astimezone(UTC)
                    if not pg:
                        v = v.replace(tzinfo=None).isoformat(" ", "microseconds")
                    row[i] = v
            for i in _ENUMS:
                if row[i] is not None:
                    row[i] = str(row[i])
            if not pg:
                for i in _BOOLEANS:
                    if row[i] is not None:
                        row[i] = int(row[i])
            row[_EXTRA] = _TO_JSON(row[_EXTRA] or {})
            # _OWN: id, code, updated_at, idempotency_key, source_ref, suggestions, version,
            # event_count, chain_head
            row += (appeal_id, appeal.code, now_db, None, item.source_ref, None, 0, count, head)
            appeals.append(row)
        driver = conn.connection.driver_connection
        assert driver is not None  # None only for a closed or invalidated connection
        if pg:
            with driver.cursor() as cur:
                for table, rows in (("appeals", appeals), ("events", events),
                                    ("appeal_co_units", co_units)):
                    if rows:
                        with cur.copy(_PG_COPY[table]) as copy:
                            for r in rows:
                                copy.write_row(r)
        else:
            # Every batch adds entries all over the ~20 appeals indexes; with SQLite's default
            # 2 MB page cache each batch read those pages again (a third of the write time at
            # 100,000 rows). The cache grows only as pages are read; the connection keeps it.
            size = driver.execute("PRAGMA cache_size").fetchone()[0]
            if -_SQLITE_CACHE_KIB < size < 0 or 0 <= size < _SQLITE_CACHE_KIB // 4:
                driver.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
            for table, rows in (("appeals", appeals), ("events", events),
                                ("appeal_co_units", co_units)):
                if rows:
                    driver.executemany(_SQLITE_INSERT[table], rows)
        return ids

    def _claim_ids(self, n: int, *, pg: bool) -> list[int]:
        conn = self.session.connection()
        if pg:
            return [int(i) for i in conn.execute(_PG_IDS, {"n": n}).scalars()]
        # SQLite: the unit of work began with BEGIN IMMEDIATE, so nobody else inserts meanwhile.
        top = conn.execute(select(func.max(AppealRow.id))).scalar() or 0
        return list(range(top + 1, top + 1 + n))
