"""The SQLite twin of bench/pages.py's seeding (`APPEALS_SQL`) and of
`pages_data.seed_workload`: the same city, the same proportions of statuses, kinds, deadlines
and warnings, the same events, decision threads, pending requests, grids, grid workers,
configuration log and audit checks.

PostgreSQL builds the appeals with INSERT ... SELECT generate_series and random(); SQLite has
neither interval arithmetic nor a timestamp format of SQLAlchemy's, so the appeals are built
here in Python (a seeded `random.Random`, reproducible) and written through the tables'
SQLAlchemy types in batches. The two events of each appeal are copied in SQL from its columns
(their times keep the stored format); the rest is small and written row by row.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from common import log
from pages_data import (
    AUDIT_CHECK_COLUMNS,
    CONFIG_ENTRIES,
    THREADS,
    audit_checks,
    config_entries,
    grid_units,
    grid_workers,
)
from sqlalchemy import select, text

from jiesu.store.audit_tables import AuditCheckRow
from jiesu.store.config_tables import ConfigEventRow
from jiesu.store.tables import AppealRow, CategoryRow, EventRow, UnitRow, UserRow

City = list[tuple[int, str, str, int | None, str, str, int]]
BATCH = 20_000
TEXTS = ["小区门口路灯不亮，晚上出行不安全", "楼下饭店油烟很大，影响居民生活",
         "工地夜间施工噪音扰民", "公司拖欠三个月工资", "小区停车位被长期占用",
         "暖气不热，室温只有十五度"]
UNIT_COLUMNS = ("id", "code", "name", "parent_id", "unit_group", "path", "depth")

# The register and dispatch events of appeals id a..b, as pages_data.EVENTS_SQL writes them;
# the placeholder hashes are 64 hex digits made of the id and a letter per step
EVENTS_SQL = """
INSERT INTO events (appeal_id, seq, type, at, actor_id, actor_role, data, prev_hash, hash)
SELECT id, 1, 'register', created_at, NULL, 'operator',
       '{"kind": "complaint", "urgency": "normal", "channel": "hotline"}',
       '{zero}', printf('%056x%08x', id, 114)
FROM appeals WHERE id BETWEEN :a AND :b
UNION ALL
SELECT id, 2, 'dispatch', dispatched_at, :dispatcher, 'dispatcher',
       json_object('from', 'registered', 'to', 'dispatched', 'unit_id', lead_unit_id),
       printf('%056x%08x', id, 114), printf('%056x%08x', id, 100)
FROM appeals WHERE id BETWEEN :a AND :b AND dispatched_at IS NOT NULL
""".replace("{zero}", "0" * 64)


def _placeholder(appeal_id: int, step: str) -> str:
    """The placeholder hash of EVENTS_SQL's printf for `step` (r: register, d: dispatch…)."""
    return f"{appeal_id:056x}{ord(step):08x}"


def insert_units(engine: Any, city: City) -> None:
    """The bench city's units with the ids pages.units() gave them."""
    with engine.begin() as conn:
        conn.execute(UnitRow.__table__.insert(),
                     [dict(zip(UNIT_COLUMNS, u, strict=True)) | {"active": True} for u in city])


def _appeals(city: City, cats: list[str], rows: int, days: int, now: datetime,
             rng: random.Random) -> Iterator[dict[str, Any]]:
    """The rows APPEALS_SQL makes: in time order over the last `days` days."""
    leads = [u[0] for u in city if u[6] > 0]
    areas = [u[0] for u in city if u[4] == "community"]
    day, hour = timedelta(days=1), timedelta(hours=1)
    for g in range(1, rows + 1):
        r1, r2, r3, r4, r5, r6, r7, r8, r9 = (rng.random() for _ in range(9))
        age = days * (1 - (g - 0.5) / rows)
        t = now - age * day
        if r1 < 0.03:
            status = "rejected"
        elif r1 < 0.045:
            status = "merged"
        elif age < 1.5 and r2 < 0.4:
            status = "registered"
        elif r2 < (0.85 if age < 3 else 0.45 if age < 10 else 0.12 if age < 30 else 0.02):
            status = "dispatched" if r3 < 0.3 else "in_progress" if r3 < 0.8 else "replied"
        else:
            status = "closed"
        kind = ("complaint" if r4 < 0.45 else "help" if r4 < 0.75 else "consult" if r4 < 0.90
                else "suggestion" if r4 < 0.95 else "report" if r4 < 0.98 else "praise")
        lead = None if status in ("registered", "rejected", "merged") else leads[g % len(leads)]
        due = t + (5 + r8 * 10) * day
        handling = status in ("dispatched", "in_progress")
        yield {
            "code": f"P{g:09d}", "status": status, "kind": kind,
            "urgency": "urgent" if r5 < 0.05 else "normal",
            "channel": "hotline" if r6 < 0.7 else "web" if r6 < 0.85 else "mobile",
            "title": "", "content": TEXTS[g % len(TEXTS)],
            "category": cats[round(r7 * len(cats)) % len(cats)],
            "requester_name": "张先生", "requester_phone": f"13{g % 1_000_000_000:09d}",
            "requester_type": "resident", "confidential": r5 > 0.98,
            "created_at": t, "updated_at": t, "lead_unit_id": lead, "handling_unit_id": lead,
            "dispatched_at": t + hour if lead else None,
            "signed_at": t + 3 * hour if lead else None,
            "replied_at": (min(t + (1 + r8 * 12) * day, now - hour)
                           if status in ("replied", "closed") else None),
            "closed_at": (min(t + (2 + r8 * 12) * day, now - timedelta(minutes=10))
                          if status == "closed" else None),
            "sign_due_at": t + day, "handle_due_at": due,
            "followup_due_at": now + r8 * 2 * day if status == "replied" else None,
            "handle_started_at": t + hour if lead else None, "handle_extra_days": 0,
            "deadlines_provisional": False, "sign_warning": "none",
            "handle_warning": ("red" if handling and due < now else
                               "yellow" if handling and due < now + 2 * day else "none"),
            "followup_warning": "none", "supervision_level": "none", "supervision_count": 0,
            "return_pending": False, "returned_count": 0, "extension_count": 0,
            "reopened_count": 0, "followup_attempts": 1 if status == "closed" else 0,
            "followup_satisfaction": (("satisfied" if r9 < 0.75 else "basically" if r9 < 0.92
                                       else "dissatisfied" if r9 < 0.97 else None)
                                      if status == "closed" else None),
            "extra": {}, "version": 1, "event_count": 0, "chain_head": "0" * 64,
            "area_unit_id": areas[g % len(areas)] if g % 10 else None,
        }


def seed_appeals(engine: Any, city: City, rows: int, days: int) -> None:
    """`rows` appeals as pages.APPEALS_SQL makes them on PostgreSQL; ANALYZE at the end."""
    t0 = time.perf_counter()
    with engine.begin() as conn:
        cats = list(conn.scalars(select(CategoryRow.code).where(CategoryRow.level == 3)
                                 .order_by(CategoryRow.code)))
    batch: list[dict[str, Any]] = []
    insert = AppealRow.__table__.insert()
    for n, row in enumerate(_appeals(city, cats, rows, days, datetime.now(UTC),
                                             random.Random(3)), 1):
        batch.append(row)
        if len(batch) == BATCH or n == rows:
            with engine.begin() as conn:
                conn.execute(insert, batch)
            batch = []
            if n % 250_000 == 0 or n == rows:
                log(f"  seeded appeals 1–{n:,} ({time.perf_counter() - t0:.0f} s)")


def seed_workload(engine: Any, city: City, rows: int) -> None:
    """pages_data.seed_workload on SQLite (see that module's docstring)."""
    t0 = time.perf_counter()
    with engine.begin() as conn:
        ids = dict(conn.execute(text("SELECT username, id FROM users")).all())
    dispatcher = ids["dispatcher"]
    step = 250_000
    for a in range(1, rows + 1, step):
        with engine.begin() as conn:
            conn.execute(text(EVENTS_SQL), {"a": a, "b": a + step - 1, "dispatcher": dispatcher})
    with engine.begin() as conn:
        conn.execute(text("UPDATE appeals SET event_count = 2 WHERE dispatched_at IS NOT NULL"))
        _threads(conn, dispatcher)
        _pending(conn)
    log(f"  events written ({time.perf_counter() - t0:.0f} s)")
    community = next(u[0] for u in city if u[1] == "D1S1C1")
    units = grid_units(city)
    with engine.begin() as conn:
        conn.execute(text("UPDATE appeals SET registered_by = :w, channel = 'grid_patrol' "
                          "WHERE lead_unit_id = :c"), {"w": ids["grid_d1s1c1"], "c": community})
        conn.execute(UnitRow.__table__.insert(),
                     [dict(zip(UNIT_COLUMNS, u, strict=True)) | {"active": True}
                      for u in units])
        digest = conn.scalar(text("SELECT password_hash FROM users "
                                  "WHERE username = 'dispatcher'"))
        columns = ("username", "display_name", "password_hash", "role", "unit_id", "active",
                   "created_at", "credentials_version")
        conn.execute(UserRow.__table__.insert(),
                     [dict(zip(columns, w, strict=True))
                      for w in grid_workers(units, str(digest), datetime.now(UTC))])
    log(f"  grid units and users ({time.perf_counter() - t0:.0f} s)")
    with engine.begin() as conn:
        count, head = conn.execute(text("SELECT count, head FROM config_chain WHERE id = 1")
                                   ).one()
        entries, head = config_entries(count, head, ids["admin"])
        conn.execute(ConfigEventRow.__table__.insert(), entries)
        conn.execute(text("UPDATE config_chain SET count = :n, head = :h WHERE id = 1"),
                     {"n": count + CONFIG_ENTRIES, "h": head})
        conn.execute(AuditCheckRow.__table__.insert(),
                     [dict(zip(AUDIT_CHECK_COLUMNS, r, strict=True))
                      for r in audit_checks(ids["auditor"])])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    log(f"  workload seeded in {time.perf_counter() - t0:.0f} s")


def _open_appeals(conn: Any, where: str) -> list[tuple[int, datetime]]:
    """(id, dispatched_at) of the appeals being handled that match `where` (on `id`)."""
    return [(i, at) for i, at in conn.execute(
        select(AppealRow.id, AppealRow.dispatched_at).where(
            AppealRow.status.in_(("dispatched", "in_progress")), text(where)))]


def _threads(conn: Any, dispatcher: int) -> None:
    """pages_data.THREAD_SQL: a request (seq 3) and the dispatcher's decision (seq 4) on one
    open appeal in ten, the kind of thread by id."""
    kinds = len(THREADS) * 10
    events = []
    for appeal_id, at in _open_appeals(conn, "id % 10 = 3"):
        k = next((k for k in range(len(THREADS)) if appeal_id % kinds == 3 + 10 * k), None)
        if k is None:
            continue
        request, decision, data = THREADS[k]
        events += [
            {"appeal_id": appeal_id, "seq": 3, "type": request, "at": at + timedelta(hours=5),
             "actor_id": None, "actor_role": "handler",
             "data": {"reason": "诉求不属于本单位职责", "days": 10},
             "prev_hash": _placeholder(appeal_id, "d"), "hash": _placeholder(appeal_id, "q")},
            {"appeal_id": appeal_id, "seq": 4, "type": decision, "at": at + timedelta(hours=8),
             "actor_id": dispatcher, "actor_role": "dispatcher", "data": data,
             "prev_hash": _placeholder(appeal_id, "q"), "hash": _placeholder(appeal_id, "x")},
        ]
    if events:
        conn.execute(EventRow.__table__.insert(), events)
    conn.execute(text("UPDATE appeals SET event_count = 4 WHERE status IN ('dispatched', "
                      "'in_progress') AND id % 10 = 3"))


def _pending(conn: Any) -> None:
    """pages_data.PENDING_SQL: one open appeal in a hundred asks to be returned or for more
    days, with its request event."""
    asked = _open_appeals(conn, "id % 100 = 7")
    conn.execute(text(
        "UPDATE appeals SET return_pending = (id % 200 = 7), event_count = 3, "
        "extension_pending_days = CASE WHEN id % 200 = 107 THEN 5 END "
        "WHERE status IN ('dispatched', 'in_progress') AND id % 100 = 7"))
    events = [{"appeal_id": appeal_id, "seq": 3,
               "type": "request_return" if appeal_id % 200 == 7 else "request_extension",
               "at": at + timedelta(hours=6), "actor_id": None, "actor_role": "handler",
               "data": {"reason": "诉求不属于本单位职责", "days": 5},
               "prev_hash": _placeholder(appeal_id, "d"), "hash": _placeholder(appeal_id, "p")}
              for appeal_id, at in asked]
    if events:
        conn.execute(EventRow.__table__.insert(), events)
