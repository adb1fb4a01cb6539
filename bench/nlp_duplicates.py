"""Benchmark the duplicate index at hotline scale.

Builds a `DuplicateIndex` of N (default 1,000,000) synthetic appeals spread over 30 days,
then times `candidates` queries. Texts recombine sentences of the real messages in
/work/shared/data when present (never copied anywhere), else a built-in phrase list.

    PYTHONPATH=src python bench/nlp_duplicates.py [--n 1000000] [--areas 3000] [--queries 5000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from jiesu.nlp.duplicates import DuplicateIndex

DATA = Path(os.environ.get("JIESU_SHARED_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "data"))
FALLBACK = [
    "小区门口的路灯坏了一个多月。",
    "晚上出行很不方便，请尽快安排维修。",
    "楼下烧烤店每天营业到凌晨两点。",
    "油烟和噪音严重扰民，希望相关部门管一管。",
    "单位拖欠三个月工资至今未发。",
    "多次找老板都没有结果，请劳动监察部门介入。",
    "学校附近的十字路口没有红绿灯。",
    "学生上下学过马路非常危险，建议设置信号灯。",
    "自来水水质发黄有异味，已经持续一周。",
    "小区电梯经常故障停运，物业一直拖着不修。",
    "建筑工地夜间施工噪音太大，影响周边居民休息。",
    "公交站台拆除后一直没有恢复。",
]


def sentences() -> list[str]:
    out: list[str] = []
    for name in ("messages_with_votes.csv", "appeals_with_replies.csv"):
        path = DATA / name
        if path.exists():
            with path.open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    out += [s for s in re.split(r"(?<=[。！？])", row["detail"]) if len(s) >= 6]
    return out or FALLBACK


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--areas", type=int, default=3000, help="grids the appeals fall into")
    ap.add_argument("--queries", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pool = sentences()
    print(f"sentence pool: {len(pool):,} ({'real data' if pool is not FALLBACK else 'built-in'})")
    start = datetime(2026, 3, 1)
    span = 30 * 24 * 3600
    # Requesters: most call once; a few thousand frequent callers make up a quarter of calls.
    frequent = max(args.n // 500, 10)
    counter = iter(range(10**12))

    def requester() -> str:
        if rng.random() < 0.25:
            return f"f{rng.randrange(frequent)}"  # 高频来电人: ~4 calls a day each
        return f"r{next(counter)}"

    def text() -> str:
        return "".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))

    texts = [text() for _ in range(min(args.n, 200_000))]  # reuse to keep generation quick
    base_rss = rss_mb()
    ix = DuplicateIndex(capacity=args.n)
    t0 = time.perf_counter()
    for i in range(args.n):
        ix.add(
            i,
            texts[i % len(texts)] if i % 3 else text(),
            requester(),
            f"grid-{rng.randrange(args.areas)}",
            start + timedelta(seconds=span * i // args.n),
        )
    build = time.perf_counter() - t0
    rss = rss_mb() - base_rss
    print(f"indexed {len(ix):,} appeals in {build:.1f} s ({build / args.n * 1e6:.0f} µs each)")
    print(f"memory: +{rss:.0f} MB RSS for the index ({rss * 2**20 / args.n:.0f} bytes/appeal)")

    now = start + timedelta(seconds=span)
    lat, cpu = [], []
    found = 0
    for _ in range(args.queries):
        q = rng.choice(texts) if rng.random() < 0.3 else text()
        t1, c1 = time.perf_counter(), time.thread_time()
        found += bool(ix.candidates(q, requester(), f"grid-{rng.randrange(args.areas)}", now))
        lat.append(time.perf_counter() - t1)
        cpu.append(time.thread_time() - c1)
    # Wall-clock tails include time the OS gave to other processes; CPU time does not.
    for label, values in (("wall", lat), ("cpu ", cpu)):
        ms = np.array(values) * 1000
        print(
            f"query {label} over {args.queries:,}: p50 {np.percentile(ms, 50):.3f} ms, "
            f"p99 {np.percentile(ms, 99):.3f} ms, max {ms.max():.1f} ms"
        )
    print(f"{found:,} queries found candidates; load average {os.getloadavg()[0]:.1f}")
    t2 = time.perf_counter()
    evicted = ix.evict_older_than(now - timedelta(days=7))
    print(f"evict_older_than(7 days ago): {evicted:,} dropped in {time.perf_counter() - t2:.2f} s")


if __name__ == "__main__":
    main()
