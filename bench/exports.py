"""The ledger export (诉求台账) of N appeals: time to the first bytes and rows/s, CSV and XLSX.

    python bench/exports.py [--n 20000] [--path /tmp/jiesu_bench_exports.db] [--openpyxl]

A SQLite database seeded by bench/seed.py (kept at --path and reused while it holds N
appeals), then the ledger of every appeal as the page and the API send it: `OpenDataService.
ledger` through `csv_chunks` and `xlsx_chunks` (jiesu.adapters.xlsx_stream), each chunk
dropped as it comes. `--openpyxl` also times the former writer (openpyxl's write-only mode,
one workbook built whole, nothing sent before it is complete). A line per format:

    format=xlsx rows=N first_byte_s=N total_s=N rows_per_s=N cpu_s=N rows_per_cpu_s=N mb=N load=..

The machine is shared: under load the wall-clock figures vary twofold from run to run, the
CPU seconds (this process's, reading the database included) much less.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import load_average, log  # noqa: E402


def openpyxl_chunks(rows: Iterable[dict[str, Any]],
                    fields: list[tuple[str, str]]) -> Iterator[bytes]:
    """The ledger's former XLSX writer, for comparison: one chunk, once complete."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from jiesu.services.open_data import spreadsheet_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("诉求台账")
    ws.append([label for _, label in fields])

    def cell(key: str, value: Any) -> Any:
        if not key.endswith("_at") or not isinstance(value, str):
            return spreadsheet_cell(value)
        if not value:
            return None
        dated = WriteOnlyCell(ws, value=datetime.fromisoformat(value).replace(tzinfo=None))
        dated.number_format = "yyyy-mm-dd hh:mm:ss"
        return dated

    for row in rows:
        ws.append([cell(key, row.get(key, "")) for key, _ in fields])
    out = io.BytesIO()
    wb.save(out)
    yield out.getvalue()


def count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM appeals")).scalar_one())
    except Exception:  # no database yet, or no schema
        return -1
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--path", type=Path, default=Path("/tmp/jiesu_bench_exports.db"))
    parser.add_argument("--openpyxl", action="store_true", help="also time the former writer")
    args = parser.parse_args()
    url = f"sqlite:///{args.path.resolve()}"
    if count(url) != args.n:
        args.path.unlink(missing_ok=True)
        log(f"seeding {args.n:,} appeals into {args.path}")
        subprocess.run([sys.executable, str(Path(__file__).parent / "seed.py"), "--db",
                        "sqlite", "--path", str(args.path), "--n", str(args.n)], check=True)

    from jiesu.config import Settings
    from jiesu.runtime import Runtime
    from jiesu.services.clock import utcnow
    from jiesu.services.open_data import LEDGER_FIELDS, OpenDataService, csv_chunks, xlsx_chunks
    from jiesu.store import queries

    rt = Runtime.create(Settings(database_url=url, environment="test"), with_intelligence=False)
    service = OpenDataService(rt.db, rt.settings.tz)
    writers: dict[str, Any] = {
        "csv": lambda rows: (c.encode() for c in csv_chunks(rows, LEDGER_FIELDS)),
        "xlsx": lambda rows: xlsx_chunks(rows, LEDGER_FIELDS)}
    if args.openpyxl:
        writers["xlsx_openpyxl"] = lambda rows: openpyxl_chunks(rows, LEDGER_FIELDS)
    try:
        for fmt, write in writers.items():
            n = 0

            def rows() -> Iterator[dict[str, Any]]:
                nonlocal n
                for row in service.ledger(queries.AppealFilters(), queries.Scope(), utcnow()):
                    n += 1
                    yield row

            size, first = 0, None
            start, cpu = time.perf_counter(), time.process_time()
            for chunk in write(rows()):
                if first is None and chunk:
                    first = time.perf_counter() - start
                size += len(chunk)
            total, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(f"format={fmt} rows={n} first_byte_s={first or 0:.2f} total_s={total:.1f} "
                  f"rows_per_s={n / total:.0f} cpu_s={cpu:.1f} rows_per_cpu_s={n / cpu:.0f} "
                  f"mb={size / 1e6:.1f} load={load_average()}", flush=True)
    finally:
        rt.close()


if __name__ == "__main__":
    main()
