"""What bench/pages.py adds to its appeals so that the pages added lately have something to
read (each step is a few set-based statements; the whole takes well under a minute at 1M):

- events: every appeal's `register` event, dispatched ones also `dispatch` (the audit page's
  newest-first list, the appeal page); for one open appeal in ten a decision thread of the
  dispatcher's (驳回退单, 驳回延期, 延期部分批准, 答复退回, 重办) — what the handler's inbox,
  the appeal page and the grid worker's home show as standing decisions;
- pending requests: one open appeal in a hundred asks to be returned (退单申请), one in a
  hundred for more days (延期申请), each with its request event (the dispatcher's tabs);
- the grid worker's reports: the appeals led by community D1S1C1 were registered by
  `grid_d1s1c1` from the patrol (巡查上报);
- a big city's administration: a `grid` unit tree of GRIDS_PER_COMMUNITY grids under each
  community (about 5,000 units) and about 20,000 staff users, one password hash for all;
- the configuration-change log: CONFIG_ENTRIES entries appended to the chain the seeding's own
  admin changes started, hashed like `services/config_log.record_change` does (so `jiesu
  audit verify` finds the log whole), with the chain's head updated;
- AUDIT_CHECKS recorded audit checks, hourly back from now (one broken and acknowledged).

The appeal events carry placeholder hashes: the appeals' hash chains are not valid here (the
pages measured never verify them; bench/seed.py writes valid ones).
"""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from common import log

GRIDS_PER_COMMUNITY = 40  # 120 communities x 40 = 4,800 grids, ~5,000 units with the rest
USERS_PER_GRID = 4  # 19,200 grid workers
CONFIG_ENTRIES = 50_000
AUDIT_CHECKS = 2_000

EVENTS_SQL = """
INSERT INTO events (appeal_id, seq, type, at, actor_id, actor_role, data, prev_hash, hash)
SELECT id, 1, 'register', created_at, NULL, 'operator',
       '{"kind": "complaint", "urgency": "normal", "channel": "hotline"}'::json,
       repeat('0', 64), md5(id::text) || md5('r' || id::text)
FROM appeals WHERE id BETWEEN %(a)s AND %(b)s
UNION ALL
SELECT id, 2, 'dispatch', dispatched_at, %(dispatcher)s, 'dispatcher',
       json_build_object('from', 'registered', 'to', 'dispatched', 'unit_id', lead_unit_id),
       md5(id::text) || md5('r' || id::text), md5(id::text) || md5('d' || id::text)
FROM appeals WHERE id BETWEEN %(a)s AND %(b)s AND dispatched_at IS NOT NULL
"""

# (request type, decision type, decision data) by id %% 50 among the open appeals whose
# id %% 10 = 3: a decision thread at seq 3 (request) and 4 (decision)
THREADS = [
    ("request_return", "deny_return", {"reason": "属于本单位职责，请继续办理"}),
    ("request_extension", "deny_extension", {"reason": "未说明需要延期的理由"}),
    ("request_extension", "approve_extension",
     {"asked": 10, "days": 5, "reason": "可先处理主要问题"}),
    ("reply", "send_back", {"note": "答复未回应诉求人提出的问题，请重新办理"}),
    ("reply", "reopen", {"reason": "诉求人反映问题仍未解决"}),
]

THREAD_SQL = """
INSERT INTO events (appeal_id, seq, type, at, actor_id, actor_role, data, prev_hash, hash)
SELECT id, 3, %(request)s, dispatched_at + interval '5 hours', NULL, 'handler',
       '{"reason": "诉求不属于本单位职责", "days": 10}'::json,
       md5(id::text) || md5('d' || id::text), md5(id::text) || md5('q' || id::text)
FROM appeals WHERE status IN ('dispatched', 'in_progress') AND id %% 10 = 3
  AND id %% %(kinds)s = %(k)s
UNION ALL
SELECT id, 4, %(decision)s, dispatched_at + interval '8 hours', %(dispatcher)s, 'dispatcher',
       %(data)s::json,
       md5(id::text) || md5('q' || id::text), md5(id::text) || md5('x' || id::text)
FROM appeals WHERE status IN ('dispatched', 'in_progress') AND id %% 10 = 3
  AND id %% %(kinds)s = %(k)s
"""

PENDING_SQL = """
WITH asked AS (
  UPDATE appeals SET return_pending = (id %% 200 = 7), event_count = 3,
         extension_pending_days = CASE WHEN id %% 200 = 107 THEN 5 END
  WHERE status IN ('dispatched', 'in_progress') AND id %% 100 = 7
  RETURNING id, dispatched_at, return_pending)
INSERT INTO events (appeal_id, seq, type, at, actor_id, actor_role, data, prev_hash, hash)
SELECT id, 3, CASE WHEN return_pending THEN 'request_return' ELSE 'request_extension' END,
       dispatched_at + interval '6 hours', NULL, 'handler',
       '{"reason": "诉求不属于本单位职责", "days": 5}'::json,
       md5(id::text) || md5('d' || id::text), md5(id::text) || md5('p' || id::text)
FROM asked
"""


def seed_workload(libpq: str, city: list[tuple[int, str, str, int | None, str, str, int]],
                  rows: int) -> None:
    """Everything of the module docstring, on the database at `libpq` (appeals seeded)."""
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(libpq) as conn:
        conn.execute("SET synchronous_commit = off")
        ids = dict(conn.execute("SELECT username, id FROM users").fetchall())
        _events(conn, rows, ids["dispatcher"])
        log(f"  events written ({time.perf_counter() - t0:.0f} s)")
        _grid_reports(conn, city, ids["grid_d1s1c1"])
        _grid_units_and_users(conn, city)
        log(f"  grid units and users ({time.perf_counter() - t0:.0f} s)")
        _config_log(conn, ids["admin"])
        _audit_checks(conn, ids["auditor"])
        conn.commit()
    with psycopg.connect(libpq, autocommit=True) as conn:
        for table in ("appeals", "events", "units", "users", "config_events", "audit_checks"):
            conn.execute(f"VACUUM ANALYZE {table}")
    log(f"  workload seeded in {time.perf_counter() - t0:.0f} s")


def _events(conn: Any, rows: int, dispatcher: int) -> None:
    step = 250_000
    for a in range(1, rows + 1, step):
        conn.execute(EVENTS_SQL, {"a": a, "b": a + step - 1, "dispatcher": dispatcher})
        conn.commit()
    conn.execute("UPDATE appeals SET event_count = 2 WHERE dispatched_at IS NOT NULL")
    for k, (request, decision, data) in enumerate(THREADS):
        conn.execute(THREAD_SQL, {"request": request, "decision": decision,
                                  "data": json.dumps(data, ensure_ascii=False),
                                  "dispatcher": dispatcher, "kinds": len(THREADS) * 10,
                                  "k": 3 + 10 * k})
    conn.execute("UPDATE appeals SET event_count = 4 WHERE status IN ('dispatched', "
                 "'in_progress') AND id % 10 = 3")
    conn.execute(PENDING_SQL, {})
    conn.commit()


def _grid_reports(conn: Any, city: list[tuple[int, str, str, int | None, str, str, int]],
                  grid_worker: int) -> None:
    community = next(u[0] for u in city if u[1] == "D1S1C1")
    conn.execute("UPDATE appeals SET registered_by = %s, channel = 'grid_patrol' "
                 "WHERE lead_unit_id = %s", (grid_worker, community))


def grid_units(city: list[tuple[int, str, str, int | None, str, str, int]]
               ) -> list[tuple[Any, ...]]:
    """(id, code, name, parent, group, path, depth) of GRIDS_PER_COMMUNITY grids under every
    community, ids following the city's."""
    next_id = max(u[0] for u in city) + 1
    units: list[tuple[Any, ...]] = []
    for uid, code, name, _parent, group, path, depth in city:
        if group != "community":
            continue
        for g in range(1, GRIDS_PER_COMMUNITY + 1):
            units.append((next_id, f"{code}G{g}", f"{name}第{g}网格", uid, "grid",
                          f"{path}{next_id}/", depth + 1))
            next_id += 1
    return units


def grid_workers(units: list[tuple[Any, ...]], password_hash: str,
                 now: datetime) -> list[tuple[Any, ...]]:
    """(username, display_name, password_hash, role, unit_id, active, created_at,
    credentials_version) of USERS_PER_GRID grid workers in each grid of `units`."""
    return [(f"grid_{code.lower()}_{w}", f"{name}网格员{w}", password_hash, "grid_worker", uid,
             True, now, 0)
            for uid, code, name, *_ in units for w in range(1, USERS_PER_GRID + 1)]


def _grid_units_and_users(conn: Any,
                          city: list[tuple[int, str, str, int | None, str, str, int]]) -> None:
    """Grids under every community and USERS_PER_GRID grid workers in each."""
    units = grid_units(city)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO units (id, code, name, parent_id, unit_group, path, depth, active) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, true)", units)
        cur.execute("SELECT setval(pg_get_serial_sequence('units', 'id'), %s)",
                    (units[-1][0] + 1,))
    password_hash = conn.execute(
        "SELECT password_hash FROM users WHERE username = 'dispatcher'").fetchone()[0]
    buf = io.StringIO()
    for username, display, digest, role, uid, _, created, version in grid_workers(
            units, password_hash, datetime.now(UTC)):
        buf.write(f"{username}\t{display}\t{digest}\t{role}\t{uid}\tt\t{created.isoformat()}"
                  f"\t{version}\n")
    with conn.cursor() as cur, cur.copy(
            "COPY users (username, display_name, password_hash, role, unit_id, active, "
            "created_at, credentials_version) FROM STDIN") as cp:
        cp.write(buf.getvalue())


def config_entries(count: int, head: str, admin: int) -> tuple[list[dict[str, Any]], str]:
    """CONFIG_ENTRIES config_events rows continuing a chain of `count` entries ending in
    `head` (hashes as record_change makes them), and the chain's new head."""
    from jiesu.domain.config_events import AREAS, ConfigChange, entry_hash

    first = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / CONFIG_ENTRIES
    rows = []
    for n in range(CONFIG_ENTRIES):
        seq = count + n + 1
        area = AREAS[n % len(AREAS)]
        change = ConfigChange(area=area, action="update", at=first + step * n, actor_id=admin,
                              actor_role="admin", summary=f"修改设置第{seq}项",
                              details={"before": {"value": n}, "after": {"value": n + 1}})
        digest = entry_hash(head, seq, change)
        rows.append({"seq": seq, "at": change.at, "actor_id": admin, "actor_role": "admin",
                     "area": area, "action": "update", "summary": change.summary,
                     "details": change.details, "prev_hash": head, "hash": digest})
        head = digest
    return rows, head


def _config_log(conn: Any, admin: int) -> None:
    """CONFIG_ENTRIES entries continuing the chain (hashes as record_change makes them)."""
    count, head = conn.execute("SELECT count, head FROM config_chain WHERE id = 1").fetchone()
    rows, head = config_entries(count, head, admin)
    buf = io.StringIO()
    for r in rows:
        details = json.dumps(r["details"], ensure_ascii=False)
        buf.write(f"{r['seq']}\t{r['at'].isoformat()}\t{admin}\tadmin\t{r['area']}\tupdate\t"
                  f"{r['summary']}\t{details}\t{r['prev_hash']}\t{r['hash']}\n")
    with conn.cursor() as cur, cur.copy(
            "COPY config_events (seq, at, actor_id, actor_role, area, action, summary, "
            "details, prev_hash, hash) FROM STDIN") as cp:
        cp.write(buf.getvalue())
    conn.execute("UPDATE config_chain SET count = %s, head = %s WHERE id = 1",
                 (count + CONFIG_ENTRIES, head))


AUDIT_CHECK_COLUMNS = ("started_at", "finished_at", "runner", "process", "events", "appeals",
                       "anchors", "ok", "broken_appeal_id", "reason", "acknowledged_at",
                       "acknowledged_by", "acknowledgement", "config_changes")


def audit_checks(auditor: int) -> list[tuple[Any, ...]]:
    """AUDIT_CHECKS audit_checks rows (AUDIT_CHECK_COLUMNS), hourly back from now, one broken
    and acknowledged."""
    now = datetime.now(UTC)
    rows = []
    for n in range(AUDIT_CHECKS):
        started = now - timedelta(hours=AUDIT_CHECKS - n)
        broken = n == AUDIT_CHECKS // 2
        rows.append((started, started + timedelta(seconds=70), "jobs", "bench:1", 2_000_000,
                     1_000_000, n, not broken, 5 if broken else None,
                     "事件哈希不符" if broken else None,
                     started + timedelta(hours=1) if broken else None,
                     auditor if broken else None, "已核实并恢复" if broken else None,
                     CONFIG_ENTRIES))
    return rows


def _audit_checks(conn: Any, auditor: int) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO audit_checks ({', '.join(AUDIT_CHECK_COLUMNS)}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            audit_checks(auditor))
