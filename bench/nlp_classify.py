"""Benchmark the category classifier: training time, cross-validated figures, latency.

Uses /work/shared/data/appeals_labeled_train.csv when present (read in place, never copied),
else small synthetic appeals so the script still runs anywhere.

    PYTHONPATH=src python bench/nlp_classify.py [--data FILE] [--cv 5] [--no-cv] [--n 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

import numpy as np

from jiesu.nlp.classify import evaluate, read_labelled, train

DATA = Path(os.environ.get("JIESU_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared"
                          / "data")) / "appeals_labeled_train.csv"
TOPICS = {
    "城乡建设": ["小区物业不作为", "电梯经常故障", "违章建筑没人管", "拆迁补偿少",
             "开发商逾期交房"],
    "劳动和社会保障": ["公司拖欠工资", "社保断缴", "养老金没发", "工伤认定难", "公积金提取"],
    "教育文体": ["孩子入学难", "学校乱收费", "幼儿园安全", "老师有偿补课", "学位分配不公"],
    "交通运输": ["公交线路太少", "出租车拒载", "红绿灯故障", "驾校乱收费", "道路拥堵严重"],
    "环境保护": ["工厂排放废气", "河道黑臭", "夜间施工噪声", "餐馆油烟扰民", "扬尘污染"],
}
FILLER = ["尊敬的领导您好", "希望有关部门尽快处理", "我们多次反映", "一直没有解决", "特此反映"]


def synthetic(n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    titles, details, labels = [], [], []
    for i in range(n):
        label = rng.choice(list(TOPICS))
        parts = rng.sample(TOPICS[label], 2) + rng.sample(FILLER, 2)
        rng.shuffle(parts)
        titles.append(TOPICS[label][i % 5] if i % 3 == 0 else "")
        details.append("，".join(parts) + f"，地点在A{i % 50}区。")
        labels.append(label)
    return titles, details, labels


def load() -> str:
    """The 1-minute load average: other jobs on the machine inflate wall times."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    ap.add_argument("--n", type=int, default=2000, help="synthetic appeals without the data")
    ap.add_argument("--queries", type=int, default=2000, help="single predictions to time")
    args = ap.parse_args()

    if args.data.exists():
        titles, details, labels = read_labelled(args.data)
        source = str(args.data)
    else:
        titles, details, labels = synthetic(args.n)
        source = f"synthetic ({args.n})"
    print(f"data: {source}: {len(labels)} appeals, {len(set(labels))} categories")

    print(f"load average before training: {load()}")
    t0, c0 = time.perf_counter(), time.process_time()
    model = train(titles, details, labels)
    print(f"train: {time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU "
          f"of this process (thresholds {model.thresholds['untitled']:.4f} without a title, "
          f"{model.thresholds['titled']:.4f} with one, "
          f"{model.metadata['n_features']} features, detail {model.detail_chars} chars "
          f"chosen by inner CV); load {load()}")

    rng = random.Random(1)
    idx = [rng.randrange(len(labels)) for _ in range(args.queries)]
    for i in idx[:50]:  # warm caches
        model.predict_top(titles[i], details[i])
    cpu, wall, chars = [], [], []
    for i in idx:
        s, c = time.perf_counter(), time.process_time()
        model.predict_top(titles[i], details[i], k=3)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - s)
        chars.append(len(titles[i]) + len(details[i]))
    cpu_ms, wall_ms, n_chars = np.array(cpu) * 1000, np.array(wall) * 1000, np.array(chars)
    typical = (n_chars >= 200) & (n_chars <= 400)
    print(f"predict_top latency over {len(wall_ms)} calls (load {load()}):")
    for name, ms in (("CPU ", cpu_ms), ("wall", wall_ms)):
        print(f"  {name}: p50 {np.percentile(ms, 50):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms, "
              f"max {ms.max():.3f} ms; 200-400 chars ({typical.sum()} calls): "
              f"p50 {np.percentile(ms[typical], 50):.3f} ms")

    if not args.no_cv:
        t0 = time.perf_counter()
        print(f"load average before CV: {load()}")
        m = evaluate(titles, details, labels, cv=args.cv,
                     progress=lambda msg: print(f"  {msg}", flush=True))
        print(f"{args.cv}-fold CV ({time.perf_counter() - t0:.0f} s): "
              f"accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f}, "
              f"coverage_at_97 {m['coverage_at_97']:.4f} "
              f"at precision {m['precision_at_threshold']:.4f} "
              f"(mean threshold {m['threshold']:.4f}); load {load()}")
        print("  per class F1: " + ", ".join(f"{k} {v['f1']:.3f}"
                                             for k, v in m["per_class"].items()))


if __name__ == "__main__":
    main()
