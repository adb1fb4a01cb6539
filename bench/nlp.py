"""Benchmark the whole suggestion step at registration (DESIGN §6, issue 6).

classify (active model) + unit suggestion + duplicates over N recent appeals + PII + urgency +
location, exactly as `IntakeIntelligence.suggest` runs it inside `POST /api/v1/appeals`.

    python bench/nlp.py [--recent 1000000] [--queries 3000]

It builds a scratch SQLite database with a small city and the default taxonomy, trains the
classifier on /work/shared/data/appeals_labeled_train.csv when present (else on generated text),
indexes N synthetic-but-realistic recent appeals for duplicate search, then times `suggest` on
real messages. It also prints what a full garbage collection costs with the index before and
after `settle_index` (the service freezes its first build), the slowest calls, and how many
full collections ran during the queries. The last line is
`suggest_p50_ms=N suggest_p99_ms=N recent=N`.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nlp_duplicates import rss_mb, sentences  # noqa: E402

from jiesu.config import Settings  # noqa: E402
from jiesu.nlp import classify, pii  # noqa: E402
from jiesu.services.admin import AdminService  # noqa: E402
from jiesu.services.appeals import NewAppeal  # noqa: E402
from jiesu.services.intake import IntakeIntelligence  # noqa: E402
from jiesu.services.rules import RulesProvider  # noqa: E402
from jiesu.store.migrate import upgrade  # noqa: E402
from jiesu.store.uow import Database  # noqa: E402

DATA = Path(os.environ.get("JIESU_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared"
                           / "data"))
TAXONOMY = Path(__file__).resolve().parents[1] / "src/jiesu/data/taxonomy_default.csv"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recent", type=int, default=1_000_000, help="appeals in the duplicate index")
    ap.add_argument("--queries", type=int, default=3000)
    ap.add_argument("--areas", type=int, default=3000)
    ap.add_argument("--no-settle", action="store_true",
                    help="leave the built index to the garbage collector (to compare)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="jiesu-bench-nlp-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    settings = Settings(database_url=url, model_dir=tmp / "models")
    db = Database(url)
    admin = AdminService(db, RulesProvider(db, settings))
    admin.add_unit("C", "示范市", group="city")
    admin.import_categories_file(TAXONOMY)

    labelled = DATA / "appeals_labeled_train.csv"
    t0 = time.perf_counter()
    if labelled.exists():
        titles, details, labels = classify.read_labelled(labelled)
        source = labelled.name
    else:
        texts = sentences()
        titles = [""] * len(texts)
        details = texts
        labels = ["城乡建设" if "路" in t or "楼" in t else "环境保护" for t in texts]
        source = "generated"
    model = classify.train(titles, details, labels)
    registry = classify.ModelRegistry(settings.model_dir)
    registry.activate(registry.save(model))
    print(f"trained on {len(labels)} rows ({source}) in {time.perf_counter() - t0:.1f} s, "
          f"thresholds {model.thresholds['untitled']:.3f} without a title, "
          f"{model.thresholds['titled']:.3f} with one", flush=True)

    pii.prepare()  # as the app's startup does (jiesu.app)
    intake = IntakeIntelligence(db, settings)
    now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    intake.suggest(NewAppeal(kind="complaint", content="预热"), now)  # loads knowledge + model

    rnd = random.Random(7)
    pool = sentences()
    t0 = time.perf_counter()
    index = intake._index  # the service's own index, filled as the top-up would fill it
    for i in range(args.recent):
        text = "".join(rnd.choice(pool) for _ in range(rnd.randint(1, 3)))
        phone = f"1{rnd.randint(30, 99)}{rnd.randint(0, 99_999_999):08d}"
        area = str(rnd.randint(1, args.areas))
        at = now - timedelta(seconds=rnd.randint(0, 30 * 86400))
        index.add(10_000_000 + i, text, phone, area, at)
        if (i + 1) % 200_000 == 0:
            print(f"  indexed {i + 1:,} recent appeals ({time.perf_counter() - t0:.0f} s, "
                  f"RSS {rss_mb():.0f} MB)", flush=True)
    print(f"index of {len(index):,} appeals built in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    gc.collect()
    print(f"a full garbage collection with the index: {(time.perf_counter() - t0) * 1000:.0f} ms")
    if not args.no_settle:
        intake.settle_index()  # as the service's first build does: frozen out of collections
        t0 = time.perf_counter()
        gc.collect()
        print(f"the same after settle_index: {(time.perf_counter() - t0) * 1000:.0f} ms")

    # full garbage collections during the queries: their pauses are the latency tail
    full_gc: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                full_gc.append(time.perf_counter())
            else:
                full_gc[-1] = (time.perf_counter() - full_gc[-1]) * 1000

    gc.callbacks.append(on_gc)

    # Queries: real messages, each from a requester/area that already has appeals indexed.
    queries = [rnd.choice(pool) + rnd.choice(pool) for _ in range(args.queries)]
    timings: list[float] = []
    for q in queries:
        data = NewAppeal(kind="complaint", title=q[:15], content=q,
                         requester_phone=f"13{rnd.randint(0, 999_999_999):09d}",
                         requester_name="张三", address="示范市人民路88号")
        t = time.perf_counter()
        intake.suggest(data, now)
        timings.append((time.perf_counter() - t) * 1000)
    print(f"suggest: p50 {statistics.median(timings):.2f} ms, p99 {pct(timings, 0.99):.2f} ms, "
          f"max {max(timings):.2f} ms over {len(timings)} appeals; RSS {rss_mb():.0f} MB; "
          f"load {os.getloadavg()[0]:.2f}")
    gc.callbacks.remove(on_gc)
    slowest = sorted(range(len(timings)), key=timings.__getitem__)[-3:][::-1]
    print("slowest calls: " + ", ".join(f"#{i + 1} {timings[i]:.1f} ms" for i in slowest))
    print(f"full garbage collections during the queries: {len(full_gc)}"
          + (f", longest {max(full_gc):.0f} ms" if full_gc else ""))
    print(f"suggest_p50_ms={statistics.median(timings):.2f} "
          f"suggest_p99_ms={pct(timings, 0.99):.2f} recent={len(index)}")
    db.dispose()


if __name__ == "__main__":
    main()
