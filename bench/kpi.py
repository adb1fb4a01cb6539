"""KPI benchmark: one month's KPIs and rankings for every unit over 1,000,000 appeals (PostgreSQL).

    python bench/kpi.py [--appeals 1000000] [--grow-to 3000000] [--keep]

Seeds a scratch database `jiesu_bench_kpi` with INSERT ... SELECT generate_series (a city of
~2,000 units, appeals spread over 12 months with dispatch, supervision, return and follow-up
events — a quarter of the unreachable with no phone — and ratings, inserted in time order like
real intake), then times `ReportingService.kpi(2026-03)` — the grouped SQL over the appeals
table, subtree roll-up, rates and rankings, exactly what GET /api/v1/stats/kpi runs. It then
grows the table to --grow-to appeals over the same 12 months (3× the appeals per month) and
times it again to show how the figure grows. Target: < 2 s at 1M.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PG_ADMIN_URL = os.environ.get("JIESU_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB = "jiesu_bench_kpi"
START = "2025-04-01 00:00:00+08"  # 12 months of appeals: April 2025 – March 2026
DAYS = 365
DISTRICTS, STREETS, COMMUNITIES, DEPARTMENTS, ENTERPRISES = 16, 20, 5, 40, 10


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def db_url() -> str:
    return PG_ADMIN_URL.rpartition("/")[0] + "/" + DB


def admin_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(sql)


def units() -> list[tuple[int, str, str, int | None, str, str, int]]:
    """(id, code, name, parent, group, path, depth) of the bench city, ids assigned here."""
    out: list[tuple[int, str, str, int | None, str, str, int]] = []
    nid = 0

    def add(code: str, name: str, parent: tuple[int, str, int] | None,
            group: str) -> tuple[int, str, int]:
        nonlocal nid
        nid += 1
        path = f"{parent[1] if parent else '/'}{nid}/"
        depth = parent[2] + 1 if parent else 0
        out.append((nid, code, name, parent[0] if parent else None, group, path, depth))
        return nid, path, depth

    city = add("C", "示范市", None, "city")
    for d in range(DISTRICTS):
        dist = add(f"D{d}", f"第{d}区", city, "district")
        for s in range(STREETS):
            st = add(f"D{d}S{s}", f"第{d}区第{s}街道", dist, "street")
            for c in range(COMMUNITIES):
                add(f"D{d}S{s}C{c}", f"第{d}区第{s}街道第{c}社区", st, "community")
    for i in range(DEPARTMENTS):
        add(f"B{i}", f"市局{i}", city, "department")
    for i in range(ENTERPRISES):
        add(f"E{i}", f"公共企业{i}", city, "enterprise")
    return out


APPEALS_SQL = """
INSERT INTO appeals (id, code, status, kind, urgency, channel, title, content, requester_type,
  confidential, created_at, updated_at, lead_unit_id, handling_unit_id, dispatched_at, signed_at,
  first_contact_at, replied_at, closed_at, sign_due_at, handle_due_at, handle_started_at,
  handle_extra_days, deadlines_provisional, sign_warning, handle_warning, followup_warning,
  supervision_level, supervision_count, return_pending, returned_count, extension_count,
  reopened_count, followup_attempts, followup_reached, followup_resolved, followup_satisfaction,
  extra, version, event_count, chain_head, requester_phone)
SELECT g, 'B' || g,
  CASE WHEN r1 < 0.92 THEN 'closed' ELSE 'in_progress' END,
  'complaint', 'normal', 'hotline', '', '小区路灯不亮', 'resident', false,
  t, t, l.unit_id, l.unit_id, t, t + r6 * interval '20 hours', t + r6 * interval '40 hours',
  CASE WHEN r1 < 0.92 THEN t + (1 + r2 * 19) * interval '1 day' END,
  CASE WHEN r1 < 0.92 THEN t + (2 + r2 * 19) * interval '1 day' END,
  t + interval '1 day', t + interval '21 days', t,
  0, false, 'none', 'none', 'none', 'none', 0, false, 0,
  (r7 < 0.03)::int, (r7 > 0.95)::int,
  CASE WHEN r1 < 0.92 THEN 1 + (r3 * 3)::int %% 3 ELSE 0 END,
  CASE WHEN r1 < 0.92 THEN r3 > 0.05 END,
  CASE WHEN r1 < 0.92 AND r3 > 0.05 THEN
    CASE WHEN r4 < 0.8 THEN 'yes' WHEN r4 < 0.9 THEN 'partly' ELSE 'no' END END,
  CASE WHEN r1 < 0.92 AND r3 > 0.05 THEN
    CASE WHEN r5 < 0.75 THEN 'satisfied' WHEN r5 < 0.92 THEN 'basically'
         ELSE 'dissatisfied' END END,
  '{}'::json, 1, 1, repeat('0', 64), '138' || lpad((g %% 100000000)::text, 8, '0')
FROM (
  SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
         random() r7,
         %(start)s::timestamptz + ((g - %(batch_first)s + random()) / %(batch_n)s * %(days)s)
           * interval '1 day' AS t
  FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
) s JOIN bench_leads l ON l.i = s.g %% %(leads)s
"""

EVENTS_SQL = """
INSERT INTO events (appeal_id, seq, type, at, actor_role, data, prev_hash, hash)
SELECT id, 1, 'dispatch', dispatched_at, 'dispatcher', json_build_object('unit_id', lead_unit_id),
       '0', '0'
FROM appeals WHERE id BETWEEN %(first)s AND %(last)s;
INSERT INTO events (appeal_id, seq, type, at, actor_role, data, prev_hash, hash)
SELECT id, 2, 'supervise', dispatched_at + interval '10 days', 'supervisor',
       json_build_object('level', CASE WHEN id %% 3 = 0 THEN 'red' ELSE 'yellow' END),
       '0', '0'
FROM appeals WHERE id BETWEEN %(first)s AND %(last)s AND id %% 20 = 7;
INSERT INTO events (appeal_id, seq, type, at, actor_role, data, prev_hash, hash)
SELECT id, 3, 'approve_return', dispatched_at + interval '1 day', 'dispatcher',
       json_build_object('unit_id', lead_unit_id), '0', '0'
FROM appeals WHERE id BETWEEN %(first)s AND %(last)s AND id %% 50 = 11;
INSERT INTO events (appeal_id, seq, type, at, actor_role, data, prev_hash, hash)
SELECT id, 4, 'follow_up', closed_at, 'followup_agent',
       CASE WHEN followup_reached THEN json_build_object('reached', true)
            WHEN id %% 4 = 0 THEN json_build_object('reached', false, 'no_phone', true)
            ELSE json_build_object('reached', false, 'attempt', 3) END,
       '0', '0'
FROM appeals WHERE id BETWEEN %(first)s AND %(last)s AND followup_reached IS NOT NULL;
INSERT INTO ratings (appeal_id, unit_id, stars, rater_phone, source, created_at, excluded)
SELECT id, lead_unit_id, 1 + (id * 7 %% 5), requester_phone, 'requester',
       closed_at + interval '1 day', id %% 97 = 0
FROM appeals WHERE id BETWEEN %(first)s AND %(last)s AND id %% 10 = 3
  AND closed_at IS NOT NULL;
"""


def seed(first: int, last: int, n_leads: int) -> float:
    """Insert appeals first..last spread in time order over the 12 months, with their events.

    Secondary indexes are dropped during the load and rebuilt after it (much faster than
    maintaining them row by row); the timed query then runs on the same indexes as the app.
    """
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(_libpq(db_url())) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename IN "
            "('appeals', 'events', 'ratings') AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)").fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.commit()
        step = 500_000
        for a in range(first, last + 1, step):
            b = min(a + step - 1, last)
            params = {"first": a, "last": b, "start": START, "days": DAYS, "leads": n_leads,
                      "batch_first": first, "batch_n": last - first + 1}
            conn.execute(APPEALS_SQL, params)
            for stmt in EVENTS_SQL.split(";"):
                if stmt.strip():
                    conn.execute(stmt, params)
            conn.commit()
            log(f"  seeded appeals {a:,}–{b:,} ({time.perf_counter() - t0:.0f} s)")
        for _, ddl in indexes:
            conn.execute(ddl)
        conn.commit()
        log(f"  rebuilt {len(indexes)} indexes ({time.perf_counter() - t0:.0f} s)")
    with psycopg.connect(_libpq(db_url()), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE appeals")
        conn.execute("VACUUM ANALYZE events")
        conn.execute("VACUUM ANALYZE ratings")
    return time.perf_counter() - t0


def time_kpi(runs: int = 3) -> tuple[float, float, int]:
    """(first run, best run) seconds of one month's KPIs and rankings, and the row count."""
    from jiesu.config import Settings
    from jiesu.domain.kpi import parse_period
    from jiesu.runtime import Runtime
    from jiesu.services.reporting import ReportingService

    rt = Runtime.create(Settings(database_url=db_url(), environment="test"))
    try:
        svc = ReportingService(rt.db, rt.rules, rt.settings)
        period = parse_period("2026-03")
        now = datetime(2026, 4, 15, tzinfo=UTC)
        times: list[float] = []
        rows = 0
        for _ in range(runs):
            t0 = time.perf_counter()
            report = svc.kpi(period, now)
            times.append(time.perf_counter() - t0)
            rows = len(report.rows)
            ranked = sum(1 for r in report.rows if r.rank is not None)
        log(f"  {rows} units, {ranked} ranked; runs: " + ", ".join(f"{t:.3f}" for t in times))
        return times[0], min(times), rows
    finally:
        rt.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--appeals", type=int, default=1_000_000)
    ap.add_argument("--grow-to", type=int, default=3_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = ap.parse_args()

    import psycopg

    from jiesu.store.migrate import upgrade

    log(f"creating {DB} …")
    admin_exec(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    admin_exec(f'CREATE DATABASE "{DB}"')
    try:
        upgrade(db_url(), "heads")
        city = units()
        leads = [u[0] for u in city if u[4] in ("street", "community", "department",
                                                 "enterprise", "district")]
        with psycopg.connect(_libpq(db_url())) as conn:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO units (id, code, name, parent_id, unit_group, path, depth, active)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, true)", city)
            conn.execute("SELECT setval(pg_get_serial_sequence('units', 'id'), %s)",
                         (len(city),))
            conn.execute("CREATE TABLE bench_leads (i int PRIMARY KEY, unit_id bigint)")
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO bench_leads VALUES (%s, %s)", list(enumerate(leads)))
            conn.execute("SELECT setseed(0.42)")
            conn.commit()
        log(f"{len(city)} units ({len(leads)} can lead); seeding {args.appeals:,} appeals …")
        took = seed(1, args.appeals, len(leads))
        log(f"seeded in {took:.0f} s; timing …")
        first, best, rows = time_kpi()
        print(f"KPI month 2026-03, {rows} units, {args.appeals:,} appeals: "
              f"first {first:.3f} s, best {best:.3f} s (target < 2 s)")
        if args.grow_to > args.appeals:
            log(f"growing to {args.grow_to:,} appeals …")
            seed(args.appeals + 1, args.grow_to, len(leads))
            first3, best3, rows = time_kpi()
            print(f"KPI month 2026-03, {rows} units, {args.grow_to:,} appeals: "
                  f"first {first3:.3f} s, best {best3:.3f} s "
                  f"(×{best3 / best:.1f} for ×{args.grow_to / args.appeals:.0f} appeals)")
    finally:
        if not args.keep:
            admin_exec(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
