"""Page benchmark (issue 3): server time of the busiest pages with 1,000,000 appeals, on
PostgreSQL (the default here) or on SQLite, the app's embedded default.

    python bench/pages.py [--db postgresql|sqlite] [--path FILE] [--rows 1000000]
                          [--requests 200] [--keep] [--reuse] [--extra] [--only WORD ...]
    python bench/pages.py --db sqlite --rows 20000 --requests 5    # a quick look on SQLite

Seeds a scratch database (migrated to heads): on PostgreSQL `jiesu_bench_pages`, on SQLite the
file --path (default jiesu_bench_pages.db in the temp directory), with ~200 units, a few staff
users and --rows appeals: spread evenly over the last 90 days in time order, realistic kinds,
statuses (older appeals mostly closed, recent ones open), deadlines, warnings and satisfaction.
PostgreSQL makes them by INSERT ... SELECT generate_series; SQLite has no such thing, so
bench/pages_sqlite.py builds the same rows in Python. Then bench/pages_data.py (its SQLite twin
in pages_sqlite.py) adds what the pages added since read: the appeals' register and dispatch
events, decision threads (驳回退单/延期, 部分批准, 答复退回, 重办) on one open appeal in ten,
pending returns and extensions, the grid worker's reports, 4,800 grid units and 19,200 grid
workers (a big city's administration), 50,000 configuration-change entries on a valid hash
chain and 2,000 recorded audit checks.

Then it starts the real app (`uvicorn --factory jiesu.app:serve_app_without_jobs`, one worker,
no access log), logs in through the /login form (CSRF token from the page) and requests every
page --requests times, one request at a time from one httpx client. The figure is the latency
seen by the client on loopback (request sent → body read): server time plus ~1 ms of HTTP.

Every page of PAGES (the dispatcher's and supervisor's tabs with their counts, the inbox, the
appeal page, the grid worker's home, the audit pages, the admin units and users tabs, the
通报 and its XLSX, /stats, /stats.json, /board, the dashboard) is held to the target; --extra
adds a few more without a target. A page slower than a few hundred ms is measured for at most
30 s (at least three requests), so its n is smaller. --only WORD … measures only the pages
whose label contains one of the words (with --reuse: measure again after a fix).

Prints one line per page (p50 / p95 / max in ms, and the first request of all, made before the
warm-up: for the dashboard that is the uncached computation) and a summary line; target p95 <
150 ms. The dashboard is kept for a minute per process (web/stats.py), so its p95 is that of
the kept copy; "first" shows what a recomputation costs.
The server is always stopped; the database is dropped unless --keep (--reuse skips seeding when
a kept database already holds --rows appeals).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages_sqlite  # noqa: E402
from common import (  # noqa: E402
    CATEGORIES,
    PASSWORD,
    create_database,
    drop_database,
    free_port,
    load_average,
    log,
    percentile,
    pg_exists,
    pg_url,
)
from pages_data import seed_workload  # noqa: E402

DB = "jiesu_bench_pages"
DAYS = 90
DISTRICTS, STREETS, COMMUNITIES, DEPARTMENTS = 10, 6, 2, 15  # 206 units with the city
TARGET_MS = 150.0

# (label, user or None for the public, path); APPEAL is the id of an open appeal of D1 with a
# standing decision, found after seeding
APPEAL = "{appeal}"
PAGES = [
    ("handler inbox", "handler_d1", "/staff/inbox"),
    ("dispatcher queue", "dispatcher", "/staff/dispatch"),
    ("public board", None, "/board"),
    ("dashboard", "analyst", "/staff/dashboard"),
    # pages and page parts added since (bench/pages_data.py seeds what they read)
    ("dispatch 退单申请", "dispatcher", "/staff/dispatch?tab=returns"),
    ("dispatch 延期申请", "dispatcher", "/staff/dispatch?tab=extensions"),
    ("dispatch 答复审核", "dispatcher", "/staff/dispatch?tab=replied"),
    ("supervision 超期", "supervisor", "/staff/supervision?tab=overdue"),
    ("supervision 红色", "supervisor", "/staff/supervision?tab=red"),
    ("supervision 黄色", "supervisor", "/staff/supervision?tab=yellow"),
    ("inbox 已答复", "handler_d1", "/staff/inbox?tab=replied"),
    ("appeal page", "handler_d1", f"/staff/appeals/{APPEAL}"),
    ("grid worker home", "grid_d1s1c1", "/staff/grid"),
    ("audit events", "auditor", "/staff/audit"),
    ("audit events, dispatch", "auditor", "/staff/audit?type=dispatch"),
    ("audit events, a month", "auditor", "/staff/audit?from={month_ago}"),
    ("audit config log", "auditor", "/staff/audit/config"),
    ("audit config, 用户", "auditor", "/staff/audit/config?type=users"),
    ("audit config p.500", "auditor", "/staff/audit/config?page=500"),
    ("admin units", "admin", "/staff/admin?tab=units"),
    ("admin units search", "admin", "/staff/admin?tab=units&q=第1区第1街道"),
    ("admin units 移动到…", "admin", "/staff/admin?tab=units&move=D1S1C1"),
    ("admin unit find", "admin", "/staff/admin/units/find?q=网格"),
    ("admin users", "admin", "/staff/admin?tab=users"),
    ("admin users search", "admin", "/staff/admin?tab=users&q=网格员3"),
    ("admin users p.150", "admin", "/staff/admin?tab=users&page=150"),
    ("monthly report (通报)", "analyst", "/reports/monthly"),
    ("monthly report XLSX", "analyst", "/reports/monthly.xlsx"),
    # 本单位考核: the city's month kept a minute (shared with the 通报), the trend's earlier
    # months an hour, the appeals behind lost points asked each time
    ("unit KPI, district", "handler_d1", "/staff/unit-kpi"),
    ("unit KPI, street", "handler_d1s1", "/staff/unit-kpi"),
    ("unit KPI, last month", "handler_d1", "/staff/unit-kpi?period={last_month}"),
    ("unit KPI, leader", "analyst", "/staff/unit-kpi?unit=D2"),
    ("open statistics", None, "/stats"),
    ("stats.json", None, "/stats.json"),
]
EXTRA_PAGES = [  # not part of the target; shown because they share the same queries
    ("handler inbox (street)", "handler_d1s1", "/staff/inbox"),
    ("万人诉求比, streets", "analyst", "/staff/dashboard?tab=intensity&group=street"),
    ("万人诉求比, communities", "analyst", "/staff/dashboard?tab=intensity&group=community"),
    ("public board p.50", None, "/board?page=50"),
    ("home", None, "/"),
]

def units() -> list[tuple[int, str, str, int | None, str, str, int]]:
    """(id, code, name, parent, group, path, depth) of the bench city, ids assigned here."""
    out: list[tuple[int, str, str, int | None, str, str, int]] = []

    def add(code: str, name: str, parent: tuple[int, str, int] | None,
            group: str) -> tuple[int, str, int]:
        nid = len(out) + 1
        path = f"{parent[1] if parent else '/'}{nid}/"
        depth = parent[2] + 1 if parent else 0
        out.append((nid, code, name, parent[0] if parent else None, group, path, depth))
        return nid, path, depth

    city = add("C", "示范市", None, "city")
    for d in range(1, DISTRICTS + 1):
        dist = add(f"D{d}", f"第{d}区", city, "district")
        for s in range(1, STREETS + 1):
            st = add(f"D{d}S{s}", f"第{d}区第{s}街道", dist, "street")
            for c in range(1, COMMUNITIES + 1):
                add(f"D{d}S{s}C{c}", f"第{d}区第{s}街道第{c}社区", st, "community")
    for k in range(1, DEPARTMENTS + 1):
        add(f"W{k}", f"市第{k}局", city, "department")
    return out


# In time order, like real intake (the table's physical order follows created_at). Lead units:
# any unit but the city. Status depends on age: old appeals are mostly closed, those of the
# last days mostly open; registered (not yet dispatched) only in the last 36 h.
APPEALS_SQL = """
INSERT INTO appeals (code, status, kind, urgency, channel, title, content, category,
  requester_name, requester_phone, requester_type, confidential, created_at, updated_at,
  lead_unit_id, handling_unit_id, dispatched_at, signed_at, replied_at, closed_at,
  sign_due_at, handle_due_at, followup_due_at, handle_started_at, handle_extra_days,
  deadlines_provisional, sign_warning, handle_warning, followup_warning, supervision_level,
  supervision_count, return_pending, returned_count, extension_count, reopened_count,
  followup_attempts, followup_satisfaction, extra, version, event_count, chain_head,
  area_unit_id)
SELECT 'P' || lpad(g::text, 9, '0'), status, kind,
  CASE WHEN r5 < 0.05 THEN 'urgent' ELSE 'normal' END,
  CASE WHEN r6 < 0.7 THEN 'hotline' WHEN r6 < 0.85 THEN 'web' ELSE 'mobile' END,
  '', (ARRAY['小区门口路灯不亮，晚上出行不安全', '楼下饭店油烟很大，影响居民生活',
             '工地夜间施工噪音扰民', '公司拖欠三个月工资', '小区停车位被长期占用',
             '暖气不热，室温只有十五度'])[1 + g %% 6],
  (%(cats)s::text[])[1 + (r7 * %(ncats)s)::int %% %(ncats)s],
  '张先生', '13' || lpad((g %% 1000000000)::text, 9, '0'), 'resident', r5 > 0.98,
  t, t, lead, lead,
  CASE WHEN lead IS NOT NULL THEN t + interval '1 hour' END,
  CASE WHEN lead IS NOT NULL THEN t + interval '3 hours' END,
  CASE WHEN status IN ('replied', 'closed') THEN
    LEAST(t + (1 + r8 * 12) * interval '1 day', now() - interval '1 hour') END,
  CASE WHEN status = 'closed' THEN
    LEAST(t + (2 + r8 * 12) * interval '1 day', now() - interval '10 minutes') END,
  t + interval '1 day', due,
  CASE WHEN status = 'replied' THEN now() + r8 * interval '2 days' END,
  CASE WHEN lead IS NOT NULL THEN t + interval '1 hour' END,
  0, false, 'none',
  CASE WHEN status IN ('dispatched', 'in_progress') AND due < now() THEN 'red'
       WHEN status IN ('dispatched', 'in_progress') AND due < now() + interval '2 days'
         THEN 'yellow' ELSE 'none' END,
  'none', 'none', 0, false, 0, 0, 0,
  CASE WHEN status = 'closed' THEN 1 ELSE 0 END,
  CASE WHEN status = 'closed' THEN
    CASE WHEN r9 < 0.75 THEN 'satisfied' WHEN r9 < 0.92 THEN 'basically'
         WHEN r9 < 0.97 THEN 'dissatisfied' END END,
  '{}'::json, 1, 0, repeat('0', 64),
  (SELECT unit_id FROM bench_areas WHERE i = g %% %(areas)s AND g %% 10 <> 0)
FROM (
  SELECT s.*, CASE WHEN s.status IN ('registered', 'rejected', 'merged') THEN NULL
                   ELSE l.unit_id END AS lead,
         s.t + (5 + s.r8 * 10) * interval '1 day' AS due
  FROM (
    SELECT g, t, r5, r6, r7, r8, r9,
      CASE WHEN r1 < 0.03 THEN 'rejected'
           WHEN r1 < 0.045 THEN 'merged'
           WHEN age < 1.5 AND r2 < 0.4 THEN 'registered'
           WHEN r2 < CASE WHEN age < 3 THEN 0.85 WHEN age < 10 THEN 0.45
                          WHEN age < 30 THEN 0.12 ELSE 0.02 END THEN
             CASE WHEN r3 < 0.3 THEN 'dispatched' WHEN r3 < 0.8 THEN 'in_progress'
                  ELSE 'replied' END
           ELSE 'closed' END AS status,
      CASE WHEN r4 < 0.45 THEN 'complaint' WHEN r4 < 0.75 THEN 'help'
           WHEN r4 < 0.90 THEN 'consult' WHEN r4 < 0.95 THEN 'suggestion'
           WHEN r4 < 0.98 THEN 'report' ELSE 'praise' END AS kind
    FROM (
      SELECT g, age, now() - age * interval '1 day' AS t, random() r1, random() r2,
             random() r3, random() r4, random() r5, random() r6, random() r7, random() r8,
             random() r9
      FROM (SELECT g, %(days)s * (1 - (g - 0.5) / %(rows)s::float) AS age
            FROM generate_series(%(first)s::bigint, %(last)s::bigint) g) a
    ) b
  ) s JOIN bench_leads l ON l.i = s.g %% %(leads)s
) x
"""


def seed(url: str, rows: int) -> None:
    """City, users, taxonomy and `rows` appeals; VACUUM ANALYZE at the end."""
    from jiesu.config import Settings
    from jiesu.runtime import Runtime
    from jiesu.services.admin import AdminService
    from jiesu.services.clock import utcnow
    from jiesu.store.db import make_engine

    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    city = units()
    sqlite = make_engine(url) if url.startswith("sqlite") else None
    if sqlite is not None:
        pages_sqlite.insert_units(sqlite, city)
    else:
        import psycopg

        with psycopg.connect(libpq) as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO units (id, code, name, parent_id, unit_group, path, depth, active) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, true)", city)
            cur.execute("SELECT setval(pg_get_serial_sequence('units', 'id'), %s)",
                        (len(city),))
            conn.commit()
    rt = Runtime.create(Settings(database_url=url, environment="test"))
    try:
        admin = AdminService(rt.db, rt.rules)
        now = utcnow()
        for username, role, unit in [("dispatcher", "dispatcher", None),
                                     ("analyst", "analyst", None),
                                     ("handler_d1", "handler", "D1"),
                                     ("handler_d1s1", "handler", "D1S1"),
                                     ("grid_d1s1c1", "grid_worker", "D1S1C1"),
                                     ("supervisor", "supervisor", None),
                                     ("auditor", "auditor", None), ("admin", "admin", None)]:
            admin.add_user(username, PASSWORD, role, unit_code=unit, now=now)
        for n, (_, code, _, _, group, _, _) in enumerate(city):
            if group == "community":  # residents where appeals are located: 万人诉求比
                admin.set_unit_population(code, 3000 + 37 * n, 8000 + 101 * n)
        admin.import_categories([list(c) for c in CATEGORIES])
    finally:
        rt.close()
    if sqlite is not None:
        try:
            pages_sqlite.seed_appeals(sqlite, city, rows, DAYS)
            pages_sqlite.seed_workload(sqlite, city, rows)
        finally:
            sqlite.dispose()
        return
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(libpq) as conn:
        cats = [c for (c,) in conn.execute(
            "SELECT code FROM categories WHERE level = 3 ORDER BY code")]
        leads = [u[0] for u in city if u[6] > 0]
        conn.execute("CREATE TEMP TABLE bench_leads (i int PRIMARY KEY, unit_id bigint)")
        # where appeals are (所属区域): a community, for nine appeals in ten
        areas = [u[0] for u in city if u[4] == "community"]
        conn.execute("CREATE TEMP TABLE bench_areas (i int PRIMARY KEY, unit_id bigint)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_leads VALUES (%s, %s)", list(enumerate(leads)))
            cur.executemany("INSERT INTO bench_areas VALUES (%s, %s)", list(enumerate(areas)))
        step = 250_000
        for a in range(1, rows + 1, step):
            b = min(a + step - 1, rows)
            conn.execute(APPEALS_SQL, {"first": a, "last": b, "days": DAYS, "rows": rows,
                                       "leads": len(leads), "cats": cats, "ncats": len(cats),
                                       "areas": len(areas)})
            conn.commit()
            log(f"  seeded appeals {a:,}–{b:,} ({time.perf_counter() - t0:.0f} s)")
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE appeals")
        conn.execute("ANALYZE units")
    log(f"  seeded {rows:,} appeals in {time.perf_counter() - t0:.0f} s")
    seed_workload(libpq, city, rows)


def _drop(url: str) -> None:
    """Drop the scratch database: the PostgreSQL one, or the SQLite file and its WAL."""
    if not url.startswith("sqlite"):
        drop_database(url)
        return
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _scalar(url: str, sql: str) -> Any:
    """One value of `sql` on the database at `url` (PostgreSQL or SQLite)."""
    from sqlalchemy import text

    from jiesu.store.db import make_engine

    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def appeal_count(url: str) -> int:
    return int(_scalar(url, "SELECT count(*) FROM appeals") or 0)


class App:
    """uvicorn with the app factory in its own process group (stopped with the group)."""

    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JIESU_DATABASE_URL": url, "JIESU_ENVIRONMENT": "test",
               "PYTHONUNBUFFERED": "1"}
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (lives as long as the server)
            prefix="jiesu_bench_pages_", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "jiesu.app:serve_app_without_jobs",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        Path(self.log.name).unlink(missing_ok=True)


def login(base: str, username: str | None) -> object:
    """An httpx client with a session: signed in through the /login form when `username`."""
    import httpx

    client = httpx.Client(base_url=base, timeout=300)
    if username is None:
        return client
    page = client.get("/login")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not m:
        raise RuntimeError("the login page has no CSRF token")
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": m.group(1)})
    if r.status_code != 303:
        raise RuntimeError(f"login as {username} failed: {r.status_code}")
    return client


def measure(client: object, path: str, n: int, warmup: int = 5,
            budget: float = 30.0) -> tuple[float, list[float]]:
    """The first request's milliseconds (cold: caches empty) and those of `n` sequential
    requests after `warmup` unmeasured ones; a slow page stops after `budget` seconds (with
    at least three measured requests), so a page of seconds does not hold the run for long."""
    import httpx

    assert isinstance(client, httpx.Client)
    out: list[float] = []
    first = 0.0
    started = time.perf_counter()
    for i in range(warmup + n):
        spent = time.perf_counter() - started
        if i < warmup and i > 0 and spent > budget / 3:
            continue  # a slow page: no more warming up
        if len(out) >= 3 and spent > budget:
            break
        t0 = time.perf_counter()
        r = client.get(path)
        ms = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {r.status_code} {r.text[-500:]}")
        if i == 0:
            first = ms
        if i >= warmup:
            out.append(ms)
    return first, out

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql",
                    help="the database to measure on (default postgresql)")
    ap.add_argument("--path", type=Path, default=Path(tempfile.gettempdir()) / f"{DB}.db",
                    help="the SQLite file with --db sqlite (kept with --keep for --reuse)")
    ap.add_argument("--rows", type=int, default=1_000_000, help="appeals to seed")
    ap.add_argument("--requests", type=int, default=200, help="measured requests per page")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse a kept database that already holds --rows appeals")
    ap.add_argument("--extra", action="store_true",
                    help="also time home, 万人诉求比, the street's inbox, board p.50")
    ap.add_argument("--only", nargs="*", default=[],
                    help="only the pages whose label contains one of these words")
    args = ap.parse_args()

    from jiesu.store.migrate import upgrade

    sqlite = args.db == "sqlite"
    url = f"sqlite:///{args.path.resolve()}" if sqlite else pg_url(DB)
    name = str(args.path) if sqlite else DB
    if args.reuse and (args.path.exists() if sqlite else pg_exists(DB)):
        upgrade(url, "heads")  # new indexes of a migration added since the database was kept
        if appeal_count(url) != args.rows:
            raise SystemExit(f"{name} does not hold {args.rows:,} appeals; run without --reuse")
        log(f"reusing {name}")
    else:
        log(f"creating {name} …")
        if sqlite:
            _drop(url)
            upgrade(url, "heads")
        else:
            url = create_database("postgresql", DB.removeprefix("jiesu_bench_"))
        seed(url, args.rows)
    chosen = [p for p in PAGES + (EXTRA_PAGES if args.extra else [])
              if not args.only or any(o in p[0] for o in args.only)]
    app = App(url)
    results: list[tuple[str, float, float, float, bool]] = []  # label, p50, p95, max, target
    try:
        app.wait_ready()
        fill = {"appeal": shown_appeal(url),
                "month_ago": (datetime.now(UTC) - timedelta(days=30)).date().isoformat(),
                "last_month": (datetime.now(UTC).replace(day=1) - timedelta(days=1)
                               ).strftime("%Y-%m")}
        clients: dict[str | None, object] = {}
        for label, user, path in chosen:
            path = path.format(**fill)
            if user not in clients:
                clients[user] = login(app.base, user)
            first, ms = measure(clients[user], path, args.requests)
            p50, p95, top = percentile(ms, 50), percentile(ms, 95), max(ms)
            target = (label, user, path) not in EXTRA_PAGES
            results.append((label, p50, p95, top, target))
            mark = "" if not target else ("ok" if p95 < TARGET_MS else "MISS")
            print(f"{label:24} {path[:40]:40} n={len(ms):<4} p50 {p50:7.1f} ms  "
                  f"p95 {p95:7.1f} ms  max {top:7.1f} ms  first {first:7.1f} ms  {mark}",
                  flush=True)
    finally:
        app.stop()
        if not args.keep:
            _drop(url)
    measured = [r for r in results if r[4]] or results
    worst = max(measured, key=lambda r: r[2])
    ok = all(r[2] < TARGET_MS for r in measured)
    print(f"summary: {args.db}, {args.rows:,} appeals, {len(measured)} pages x {args.requests} "
          "requests, "
          f"client latency on loopback; worst p95 {worst[2]:.1f} ms ({worst[0]}); "
          f"target p95 < {TARGET_MS:.0f} ms {'met' if ok else 'MISSED'}; "
          f"load {load_average()}", flush=True)


def shown_appeal(url: str) -> int:
    """An appeal in progress in district D1 with a standing decision (驳回退单) for the appeal
    page."""
    found = _scalar(url, "SELECT max(a.id) FROM appeals a JOIN units u ON u.id = a.lead_unit_id "
                         "JOIN units d ON d.code = 'D1' AND u.path LIKE d.path || '%' "
                         "WHERE a.status = 'in_progress' AND a.id % 50 = 3")
    if found is None:
        raise SystemExit("no appeal with a decision in D1: seed again (more --rows)")
    return int(found)

if __name__ == "__main__":
    main()
