"""Hotspot clustering (jiesu.nlp.hotspots) on real messages, and its time at city scale.

    python bench/hotspots.py [--appeals 20000] [--areas 50]

1. The 4,326 real messages of `messages_with_votes.csv` (when /work/shared/data is there), one
   area, the whole year as the window: the hottest hotspots, and how the 55 messages about one
   concrete mixing plant (丽发新城 搅拌站) come out.
2. A week of N appeals spread over the areas, a tenth without an area, text made of real
   messages (or generated text without the data): the wall time of one `find_hotspots`, which
   the pages compute at most once a minute per process.

The last line is `real_plant_recall=N hotspots_s=N appeals=N`.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jiesu.nlp.hotspots import HotspotInput, find_hotspots  # noqa: E402

DATA = Path("/work/shared/data/messages_with_votes.csv")


def _when(text: str) -> datetime | None:
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    return None


def real() -> tuple[list[HotspotInput], float | None]:
    if not DATA.exists():
        print("real data: not on this machine, skipped")
        return [], None
    with DATA.open(encoding="utf-8") as f:
        items = [HotspotInput(int(r["id"]), f"{r['title']}\n{r['detail']}", None, when,
                              r["user"], False)
                 for r in csv.DictReader(f) if (when := _when(r["time"])) is not None]
    now = max(i.created_at for i in items) + timedelta(seconds=1)
    started = time.perf_counter()
    found = find_hotspots(items, now, window_days=4000, limit=1000)
    seconds = time.perf_counter() - started
    print(f"real data: {len(items)} messages, {len(found)} hotspots in {seconds:.1f} s")
    for h in found[:8]:
        print(f"  heat {h.heat:8.1f}  {h.volume:3d} messages, {h.requesters:3d} people  "
              f"{' '.join(h.terms)}  | {h.label[:40]}")
    plant = {i.appeal_id for i in items if "丽发" in i.text and "搅拌" in i.text}
    best = max(found, key=lambda h: len(plant & set(h.appeal_ids)))
    hit = len(plant & set(best.appeal_ids))
    print(f"mixing plant: {hit} of its {len(plant)} messages in one hotspot of {best.volume} "
          f"({best.requesters} people, rank {found.index(best) + 1} by heat)")
    return items, hit / len(plant)


def city(n: int, areas: int, texts: list[str], seed: int = 0) -> tuple[list[HotspotInput],
                                                                       datetime]:
    rnd = random.Random(seed)
    now = datetime(2026, 11, 27, tzinfo=UTC)
    items = []
    for i in range(n):
        area = None if rnd.random() < 0.1 else rnd.randrange(areas)
        items.append(HotspotInput(i, rnd.choice(texts), area,
                                  now - timedelta(days=rnd.uniform(0, 7)),
                                  f"13{rnd.randrange(10**9):09d}", rnd.random() < 0.05))
    return items, now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appeals", type=int, default=20_000)
    parser.add_argument("--areas", type=int, default=50)
    args = parser.parse_args()
    items, recall = real()
    texts = [i.text for i in items] or [f"第{k}号楼附近问题{k % 97}，请尽快处理{k % 13}"
                                        for k in range(5000)]
    week, now = city(args.appeals, args.areas, texts)
    started = time.perf_counter()
    found = find_hotspots(week, now)
    seconds = time.perf_counter() - started
    print(f"city week: {args.appeals} appeals in {args.areas} areas (+ a tenth unlocated): "
          f"{len(found)} hotspots in {seconds:.1f} s; load {_load()}")
    shown = "n/a" if recall is None else f"{recall:.2f}"
    print(f"real_plant_recall={shown} hotspots_s={seconds:.2f} appeals={args.appeals}")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
