"""Benchmark `jiesu.nlp.pii.redact`, the one redaction of every public output.

The disclosure board, open data, Open311 and the retention job call it on every text, and
registration calls `find_pii`. This times `redact` on real texts: the titles, messages and
replies in /work/shared/data when present (read, never copied), else a built-in phrase list.

    PYTHONPATH=src python bench/pii.py [--rounds 3] [--limit 0]

Per text it measures CPU time of the calling thread (less disturbed than wall-clock time by
other processes on a shared machine) and prints the load average next to the figures. To
compare two versions, run both at similar load, alternating. The last line is
`redact_mean_us=N redact_p50_us=N redact_p99_us=N texts=N names=N`.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from pathlib import Path

from jiesu.nlp import pii

DATA = Path(os.environ.get("JIESU_SHARED_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "data"))
FILES = ("appeals_labeled_train.csv", "messages_with_votes.csv", "appeals_with_replies.csv")
FALLBACK = [
    "我叫张国庆，住在幸福小区3栋2单元501室，电话13812345678，邻居王建设每天在楼道堆物。",
    "业主反映小区门口的路灯坏了一个多月，晚上出行很不方便，请尽快安排维修。",
    "举报人：李平安 2019年5月，投诉人覃建华，男，身份证号码另附。",
    "国庆期间平安小区停水，要求政府建设供水管网。",
]


def texts(limit: int) -> tuple[list[str], str]:
    out: list[str] = []
    for name in FILES:
        path = DATA / name
        if path.exists():
            with path.open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    out += [row[c] for c in ("title", "detail", "reply") if row.get(c)]
    source = "shared data" if out else "built-in phrases"
    out = out or FALLBACK * 500
    return (out[:limit] if limit else out), source


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="passes over the texts; best kept")
    ap.add_argument("--limit", type=int, default=0, help="first N texts only (0: all)")
    args = ap.parse_args()

    corpus, source = texts(args.limit)
    t0 = time.perf_counter()
    pii.prepare()  # as the app's startup does (jiesu.app)
    print(f"prepare: {time.perf_counter() - t0:.2f} s; {len(corpus):,} texts "
          f"({sum(map(len, corpus)):,} characters) from {source}", flush=True)
    names = sum(m.kind == "name" for t in corpus for m in pii.find_pii(t))

    best: list[float] = []
    for r in range(args.rounds):
        timings = []
        for t in corpus:
            c = time.thread_time_ns()
            pii.redact(t)
            timings.append((time.thread_time_ns() - c) / 1000)
        total = sum(timings) / 1e6
        print(f"round {r + 1}: {total:.2f} s CPU, mean {statistics.fmean(timings):.0f} µs, "
              f"p50 {pct(timings, 0.5):.0f} µs, p99 {pct(timings, 0.99):.0f} µs, "
              f"max {max(timings) / 1000:.1f} ms; load {os.getloadavg()[0]:.2f}", flush=True)
        if not best or sum(timings) < sum(best):
            best = timings
    chars = sum(map(len, corpus))
    print(f"best: {chars / (sum(best) / 1e6) / 1e6:.2f} M characters/s CPU; "
          f"{names:,} names found")
    print(f"redact_mean_us={statistics.fmean(best):.0f} redact_p50_us={pct(best, 0.5):.0f} "
          f"redact_p99_us={pct(best, 0.99):.0f} texts={len(corpus)} names={names}")


if __name__ == "__main__":
    main()
