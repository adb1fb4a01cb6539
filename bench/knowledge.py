"""Benchmark knowledge-base search (知识库检索) at 5,000 articles.

Articles are made from the real messages in /work/shared/data/appeals_with_replies.csv when it
is there (read in place, never copied): each row's title with its reply as the answer, then
rows' first sentence with their detail until there are N. Without the file, articles recombine
a built-in phrase list. Queries are what an operator types: a few characters cut from a title
("short"), a whole title ("title"), and the first 200 characters of a message ("typed").

    PYTHONPATH=src python bench/knowledge.py [--n 5000] [--queries 3000]

Prints the build time and per query kind p50/p99 in ms; the last line is all queries:
    knowledge_search n=5000 p50_ms=… p99_ms=…   (target: p99 well under 10 ms)
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import time
from pathlib import Path

import numpy as np

from jiesu.nlp.knowledge import Document, KnowledgeIndex

DATA = Path(os.environ.get("JIESU_SHARED_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "data"))
FALLBACK = ["居住证怎么办理", "公积金提取需要什么材料", "新生儿医保参保流程", "小区停车收费标准",
            "夜间施工噪音投诉", "供暖时间和温度标准", "自来水停水通知", "社保卡补办",
            "不动产登记查询", "户口迁入条件", "电动车上牌", "养老保险缴费基数"]


def _articles(n: int, rng: random.Random) -> tuple[list[Document], list[str]]:
    """N articles and the message texts queries are cut from."""
    path = DATA / "appeals_with_replies.csv"
    texts: list[str] = []
    docs: list[Document] = []
    if path.exists():
        csv.field_size_limit(10**8)
        with path.open(encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if r["title"] and r["reply"]]
        for r in rows:
            docs.append(Document(len(docs) + 1, r["title"][:200], r["reply"][:5000]))
            texts.append(r["detail"])
        for r in rows:
            if len(docs) >= n:
                break
            first = re.split(r"[。！？\n]", r["detail"].strip(), maxsplit=1)[0][:200]
            if first:
                docs.append(Document(len(docs) + 1, first, r["detail"][:5000]))
    while len(docs) < n:  # no data file, or fewer rows than asked
        words = rng.sample(FALLBACK, 3)
        docs.append(Document(len(docs) + 1, words[0], "，".join(words) * 5))
        texts.append("".join(words))
    return docs[:n], texts


def _percentiles(ms: list[float]) -> str:
    return f"p50_ms={np.percentile(ms, 50):.3f} p99_ms={np.percentile(ms, 99):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(12345)
    docs, texts = _articles(args.n, rng)
    t0 = time.perf_counter()
    index = KnowledgeIndex.build(docs)
    build_s = time.perf_counter() - t0
    print(f"built index of {len(index)} articles in {build_s:.2f} s")
    kinds: dict[str, list[str]] = {"short": [], "title": [], "typed": []}
    for _ in range(args.queries):
        doc = rng.choice(docs)
        start = rng.randrange(max(1, len(doc.title) - 4))
        kinds["short"].append(doc.title[start:start + rng.choice((3, 4, 5))])
        kinds["title"].append(doc.title)
        kinds["typed"].append(rng.choice(texts)[:200])
    for q in kinds["title"][:50]:  # warm up
        index.search(q, 3)
    every: list[float] = []
    for kind, queries in kinds.items():
        ms = []
        for q in queries:
            t = time.perf_counter()
            index.search(q, 3)
            ms.append((time.perf_counter() - t) * 1000)
        every += ms
        print(f"  {kind:6} ({len(queries)} queries) {_percentiles(ms)}")
    hits = sum(1 for d in docs[:300] if [h.id for h in index.search(d.title, 1)] == [d.id])
    print(f"  a title finds its own article first: {hits}/300")
    print(f"knowledge_search n={len(index)} {_percentiles(every)}")


if __name__ == "__main__":
    main()
