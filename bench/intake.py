"""Intake throughput: registrations/s through the real HTTP API, measured with wrk.

For each database it creates a scratch database (`jiesu_bench_intake` on PostgreSQL, a temp file
on SQLite), seeds a city and an operator, starts `jiesu serve --no-jobs --workers W`, warms up,
then runs wrk with bench/wrk/register.lua (every request a different body and Idempotency-Key).
Only 201 responses count as appeals; latency percentiles are wrk's own (all responses). The
server, PostgreSQL and wrk all share this machine.

    python bench/intake.py --db both --duration 60 --connections 16 --workers 2

wrk is a closed loop: each connection sends its next request when the last one is answered, so
the mean latency is connections ÷ throughput. 16 connections keep both cores saturated (the
throughput is the same as with 32) without queueing twice as many requests in the server.

The last line is the figure for PostgreSQL (or the only database given), e.g.
    appeals_per_s=412 p50_ms=61.2 p99_ms=150.3
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Server,
    create_database,
    drop_database,
    load_average,
    log,
    seed_city,
)

LUA = Path(__file__).resolve().parent / "wrk" / "register.lua"
LINE = re.compile(r"JIESU (.*)")


def run_wrk(base: str, token: str, tag: str, *, duration: int, connections: int, threads: int,
            categories: list[str]) -> dict[str, int]:
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
           "-s", str(LUA), base, "--", token, tag, *categories]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    for line in out.stderr.splitlines()[:5]:
        log(f"  wrk: {line}")
    m = LINE.search(out.stdout)
    if not m:
        raise RuntimeError(f"wrk printed no JIESU line:\n{out.stdout}\n{out.stderr}")
    return {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def count_appeals(url: str) -> int:
    from sqlalchemy import create_engine, text

    from jiesu.store.db import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM appeals")).scalar_one())
    engine.dispose()
    return n


def bench_one(kind: str, workers: int, args: argparse.Namespace) -> dict[str, float]:
    url = create_database(kind, "intake")
    try:
        city = seed_city(url, handlers=False)
        with Server(url, workers=workers) as server:
            token = server.token("operator")
            cats = city.categories
            if args.warmup:
                run_wrk(server.base, token, "warm", duration=args.warmup,
                        connections=args.connections, threads=args.threads, categories=cats)
            before = count_appeals(url)
            r = run_wrk(server.base, token, "run", duration=args.duration,
                        connections=args.connections, threads=args.threads, categories=cats)
            stored = count_appeals(url) - before
        seconds = r["duration_us"] / 1e6
        result = {
            "appeals_per_s": r["created"] / seconds,
            "p50_ms": r["p50_us"] / 1000,
            "p90_ms": r["p90_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000,
            "max_ms": r["max_us"] / 1000,
            "created": r["created"],
            "stored": stored,
            "other": r["failed"] + r["replayed"] + r["socket_errors"],
        }
        if stored < r["created"]:
            raise SystemExit(f"{kind}: {r['created']} acknowledged but only {stored} stored")
        print(f"db={kind} workers={workers} connections={args.connections} "
              f"duration_s={seconds:.1f} created={r['created']} stored={stored} "
              f"non_201={result['other']} appeals_per_s={result['appeals_per_s']:.0f} "
              f"p50_ms={result['p50_ms']:.1f} p90_ms={result['p90_ms']:.1f} "
              f"p99_ms={result['p99_ms']:.1f} max_ms={result['max_ms']:.1f} "
              f"load={load_average()}", flush=True)
        return result
    finally:
        drop_database(url)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--duration", type=int, default=60, help="measured seconds per run")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured seconds first (0 = none)")
    p.add_argument("--connections", type=int, default=16,
                   help="wrk connections (requests in flight)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--workers", default="2",
                   help="app processes; a comma list (e.g. 1,2) runs each and reports the best")
    p.add_argument("--request-threads", type=int, default=4,
                   help="JIESU_REQUEST_THREADS of the server: handler threads per process")
    args = p.parse_args()
    os.environ["JIESU_REQUEST_THREADS"] = str(args.request_threads)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    workers = [int(w) for w in args.workers.split(",")]
    best: dict[str, dict[str, float]] = {}
    for kind in kinds:
        for w in workers:
            log(f"== {kind}, {w} worker(s) × {args.request_threads} threads, "
                f"{args.connections} connections, {args.duration}s")
            r = bench_one(kind, w, args)
            if kind not in best or r["appeals_per_s"] > best[kind]["appeals_per_s"]:
                best[kind] = r
    for kind in kinds:
        r = best[kind]
        print(f"{kind}: appeals_per_s={r['appeals_per_s']:.0f} p50_ms={r['p50_ms']:.1f} "
              f"p99_ms={r['p99_ms']:.1f}")
    final = best["postgresql" if "postgresql" in best else kinds[0]]
    print(f"appeals_per_s={final['appeals_per_s']:.0f} p50_ms={final['p50_ms']:.1f} "
          f"p99_ms={final['p99_ms']:.1f}")


if __name__ == "__main__":
    main()
