"""Handler inbox latency on a big database: one unit's open appeals, ordered by due, page 1.

Needs a database seeded by bench/seed.py (default: PostgreSQL jiesu_bench_1m). Measures
1. the read query itself, `jiesu.store.queries.list_appeals` with the handler's scope
   (AppealFilters(open_only=True), order="due", 20 per page, capped total), each call in its own
   read-only unit of work; and
2. the HTTP endpoint `GET /api/v1/appeals?open_only=true&order=due` as that handler, against
   `jiesu serve` (1 process, no jobs), sequential requests.
for a district handler (D1: its whole subtree), a street handler (D1S1) and a department (W1).

    python bench/list.py [--url postgresql://postgres@127.0.0.1:5432/jiesu_bench_1m] [--runs 200]
    python bench/list.py --explain     # EXPLAIN ANALYZE of the district query (PostgreSQL)
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, load_average, log, percentile, pg_url  # noqa: E402

HANDLERS = [("handler_d1", "D1"), ("handler_d1s1", "D1S1"), ("handler_w1", "W1")]


def time_query(url: str, runs: int, explain: bool) -> dict[str, dict[str, float]]:
    from sqlalchemy import select

    from jiesu.services.clock import utcnow
    from jiesu.store import queries
    from jiesu.store.tables import UnitRow
    from jiesu.store.uow import Database

    db = Database(url, pool_size=2)
    out: dict[str, dict[str, float]] = {}
    try:
        for _, code in HANDLERS:
            with db.uow(write=False) as uow:
                path = uow.session.scalar(select(UnitRow.path).where(UnitRow.code == code))
            scope = queries.Scope(unit_path=path)
            filters = queries.AppealFilters(open_only=True)
            samples: list[float] = []
            total = 0
            for i in range(runs + 5):
                t = time.perf_counter()
                with db.uow(write=False) as uow:
                    rows, total, capped = queries.list_appeals(
                        uow.session, filters, scope, utcnow(), page=1, per_page=20, order="due")
                    ids = [r.id for r in rows]
                dt = (time.perf_counter() - t) * 1000
                if i >= 5:
                    samples.append(dt)
            assert len(ids) == min(20, total)
            out[code] = {"p50": percentile(samples, 50), "p95": percentile(samples, 95),
                         "p99": percentile(samples, 99), "total": total}
            if explain and code == HANDLERS[0][1] and db.dialect == "postgresql":
                _explain(db, filters, scope)
    finally:
        db.dispose()
    return out


def _explain(db: object, filters: object, scope: object) -> None:
    from sqlalchemy import func, select, text

    from jiesu.services.clock import utcnow
    from jiesu.store import queries

    with db.uow(write=False) as uow:  # type: ignore[attr-defined]
        s = uow.session
        stmt = queries.filtered(s, filters, scope, utcnow())  # type: ignore[arg-type]
        page = stmt.order_by(*queries.ORDERS["due"]).limit(20)
        capped = stmt.with_only_columns(queries.AppealRow.id).order_by(None).limit(
            queries.COUNT_CAP + 1).subquery()
        count = select(func.count()).select_from(capped)
        for label, q in (("page", page), ("capped count", count)):
            sql = q.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            plan = s.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars().all()
            log(f"--- EXPLAIN ANALYZE ({label}):\n" + "\n".join(plan))


def time_http(url: str, runs: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with Server(url, workers=1) as server:
        for username, code in HANDLERS:
            token = server.token(username)
            req = urllib.request.Request(
                f"{server.base}/api/v1/appeals?open_only=true&order=due",
                headers={"Authorization": f"Bearer {token}"})
            samples: list[float] = []
            for i in range(runs + 5):
                t = time.perf_counter()
                with urllib.request.urlopen(req, timeout=30) as r:
                    assert r.status == 200
                    r.read()
                dt = (time.perf_counter() - t) * 1000
                if i >= 5:
                    samples.append(dt)
            out[code] = {"p50": percentile(samples, 50), "p95": percentile(samples, 95),
                         "p99": percentile(samples, 99)}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", default=pg_url("jiesu_bench_1m"))
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--explain", action="store_true")
    p.add_argument("--no-http", action="store_true")
    args = p.parse_args()
    q = time_query(args.url, args.runs, args.explain)
    for code, r in q.items():
        print(f"query unit={code} open_total={int(r['total'])} p50_ms={r['p50']:.1f} "
              f"p95_ms={r['p95']:.1f} p99_ms={r['p99']:.1f}", flush=True)
    worst_http = float("nan")
    if not args.no_http:
        h = time_http(args.url, args.runs)
        for code, r in h.items():
            print(f"http  unit={code} p50_ms={r['p50']:.1f} p95_ms={r['p95']:.1f} "
                  f"p99_ms={r['p99']:.1f}", flush=True)
        worst_http = max(r["p95"] for r in h.values())
    worst_q = max(r["p95"] for r in q.values())
    print(f"load={load_average()}")
    print(f"list_query_p95_ms={worst_q:.1f} http_p95_ms={worst_http:.1f}")


if __name__ == "__main__":
    main()
