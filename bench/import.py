"""Benchmark `jiesu import`: a generated 12345 ledger export of N rows into SQLite and PostgreSQL.

    python bench/import.py                 # 100,000 rows, both databases
    python bench/import.py --rows 20000 --db sqlite

The CSV imitates another system's ledger (其他系统台账): its own column names, categories written
as "一级->二级->三级", units by name, status words (已办结/办理中/已答复/已派单) and a mix of
closed and open history. The target is under 60 s per database for 100,000 rows; the run also
imports the file a second time to show that nothing is added (idempotent by source id).

The mapping writes 5,000 rows per transaction (`batch_size`): on SQLite each commit rewrites
pages of every appeals index, so 1,000-row batches spent about twice the time in the database.
The `client CPU s` column is the importing process's own CPU time (on SQLite that includes the
database engine, which runs in-process).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CATEGORIES, DISTRICTS, STREETS, create_database, drop_database, log, seed_city  # noqa: E402

MAPPING = """
name = "bench_ledger"
[source]
format = "csv"
id_prefix = "bench:"
[options]
unknown_category = "reject"
unknown_unit = "reject"
batch_size = 5000
[fields]
source_id = "工单编号"
created_at = { column = "受理时间", date_format = "%Y-%m-%d %H:%M:%S" }
title = "诉求标题"
content = "诉求内容"
kind = { column = "诉求类型", map = { "投诉" = "complaint", "求助" = "help", "咨询" = "consult" } }
category = { column = "事项分类", split = "->" }
lead_unit = { column = "承办单位", match = "name" }
status = { column = "办理状态", map = { "已办结" = "closed", "办理中" = "in_progress", \
"已答复" = "replied", "已派单" = "dispatched" } }
dispatched_at = { column = "派单时间", date_format = "%Y-%m-%d %H:%M:%S" }
replied_at = { column = "答复时间", date_format = "%Y-%m-%d %H:%M:%S" }
closed_at = { column = "办结时间", date_format = "%Y-%m-%d %H:%M:%S" }
reply_text = "答复内容"
requester_name = "来电人"
requester_phone = "联系电话"
address = "诉求地址"
followup_satisfaction = { column = "回访满意度", map = { "满意" = "satisfied", \
"基本满意" = "basically", "不满意" = "dissatisfied" } }
"""

HEADER = ["工单编号", "受理时间", "诉求标题", "诉求内容", "诉求类型", "事项分类", "承办单位",
          "办理状态", "派单时间", "答复时间", "办结时间", "答复内容", "来电人", "联系电话",
          "诉求地址", "回访满意度"]
STATUSES = ["已办结"] * 7 + ["已答复", "办理中", "已派单"]
FMT = "%Y-%m-%d %H:%M:%S"


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    start = datetime(2025, 1, 2, 8, 0, 0)
    units = [f"第{d}区第{s}街道" for d in range(1, DISTRICTS + 1) for s in range(1, STREETS + 1)]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            created = start + timedelta(minutes=5 * i + rnd.randint(0, 4))
            cat = rnd.choice(CATEGORIES)
            status = rnd.choice(STATUSES)
            dispatched = created + timedelta(hours=rnd.randint(1, 8))
            replied = dispatched + timedelta(days=rnd.randint(1, 10))
            closed = replied + timedelta(days=1)
            street = rnd.choice(units)
            w.writerow([
                f"GD{2025000000 + i}", created.strftime(FMT), f"{cat[2]}问题反映{i % 97}",
                f"{street}某小区{cat[2]}问题持续一周，居民多次反映未解决，希望相关部门尽快处理。"
                f"具体位置在{rnd.randint(1, 99)}号楼附近，影响居民正常生活。",
                rnd.choice(["投诉", "求助", "咨询"]), "->".join(cat), street, status,
                dispatched.strftime(FMT),
                replied.strftime(FMT) if status in ("已办结", "已答复") else "",
                closed.strftime(FMT) if status == "已办结" else "",
                "经核实已安排人员现场处理，问题已解决。" if status in ("已办结", "已答复") else "",
                rnd.choice(["张三", "李四", "王五", ""]), f"138{rnd.randint(0, 99_999_999):08d}",
                f"{street}{rnd.randint(1, 200)}号", "满意" if status == "已办结" else "",
            ])


def run(kind: str, csv_path: Path, mapping_path: Path, rows: int, keep: bool) -> dict[str, float]:
    from jiesu.config import Settings
    from jiesu.runtime import Runtime
    from jiesu.services.clock import utcnow
    from jiesu.services.exchange import ImportService
    from jiesu.services.import_mapping import load_mapping

    url = create_database(kind, "import")
    try:
        seed_city(url, handlers=False)
        rt = Runtime.create(Settings(database_url=url, environment="test"))
        try:
            service = ImportService(rt.db, rt.rules)
            mapping = load_mapping(mapping_path)
            t0, c0 = time.perf_counter(), time.process_time()
            first = service.run(csv_path, mapping, utcnow())
            t1, c1 = time.perf_counter(), time.process_time()
            again = service.run(csv_path, mapping, utcnow())
            t2 = time.perf_counter()
        finally:
            rt.close()
        if first.imported != rows or first.rejected_count or again.imported:
            raise SystemExit(f"{kind}: unexpected report {first.as_dict()} / {again.as_dict()}")
        return {"import_s": t1 - t0, "cpu_s": c1 - c0, "reimport_s": t2 - t1}
    finally:
        if not keep:
            drop_database(url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="jiesu_bench_import_") as tmp:
        csv_path = Path(tmp) / "ledger.csv"
        mapping_path = Path(tmp) / "bench_ledger.toml"
        mapping_path.write_text(MAPPING, encoding="utf-8")
        t = time.perf_counter()
        generate(csv_path, args.rows)
        log(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - t:.1f} s")
        kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        print(f"{'database':<11} {'rows':>8} {'import s':>9} {'rows/s':>8} {'client CPU s':>13} "
              f"{'re-import s':>12} {'< 60 s':>7}")
        for kind in kinds:
            r = run(kind, csv_path, mapping_path, args.rows, args.keep)
            print(f"{kind:<11} {args.rows:>8,} {r['import_s']:>9.1f} "
                  f"{args.rows / r['import_s']:>8,.0f} {r['cpu_s']:>13.1f} "
                  f"{r['reimport_s']:>12.1f} "
                  f"{'yes' if r['import_s'] < 60 else 'NO':>7}", flush=True)


if __name__ == "__main__":
    main()
