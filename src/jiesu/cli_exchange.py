"""`jiesu import`, `jiesu apikey ...` and `jiesu export ...` (data exchange commands)."""

from __future__ import annotations

import csv
import json
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jiesu.cli_output import console, err, info_lines_on_stderr, print_error, refusal
from jiesu.config import Settings
from jiesu.domain.errors import DomainError

if TYPE_CHECKING:  # a command imports these when it runs (they load the whole application)
    from jiesu.runtime import Runtime

MAPPINGS = Path(__file__).parent / "data" / "mappings"
apikey_app = typer.Typer(help="Open311 API 密钥 API keys", no_args_is_help=True)
export_app = typer.Typer(help="导出 台账/开放数据 Ledger and open data", no_args_is_help=True)


def _runtime() -> Runtime:
    from jiesu.runtime import Runtime

    return Runtime.create(Settings())


def _now() -> datetime:
    from jiesu.services.clock import utcnow

    return utcnow()


def _fail(message: str, code: int = 2) -> NoReturn:
    print_error(message)
    raise typer.Exit(code)


def resolve_mapping(value: str) -> Path:
    """A mapping file path, or the name of a mapping shipped with jiesu (e.g. teddy2020_xlsx)."""
    path = Path(value)
    if path.exists():
        return path
    shipped = MAPPINGS / (value if value.endswith(".toml") else f"{value}.toml")
    if shipped.exists():
        return shipped
    names = ", ".join(sorted(p.stem for p in MAPPINGS.glob("*.toml")))
    _fail(f"映射文件不存在：{value}（内置映射：{names}）")


def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX export of another system")],
    mapping: Annotated[str, typer.Option("--mapping", "-m",
                                         help="mapping TOML file, or a built-in mapping name")],
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="validate every row, write nothing")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="write every rejected row (row, column, value, reason) to this CSV")
    ] = None,
) -> None:
    """Import appeal history (导入历史诉求) from a CSV/XLSX export; idempotent by source id.

    Exit status: 0 when no row was rejected, 1 when some rows were rejected, 2 on a bad file or
    mapping (nothing imported).
    """
    from jiesu.services.exchange import ImportService
    from jiesu.services.import_mapping import load_mapping

    rt = _runtime()
    try:
        m = load_mapping(resolve_mapping(mapping))
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                      transient=False) as bar:
            task = bar.add_task("校验" if dry_run else "导入", total=None)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=max(total or 0, done) or None)

            result = ImportService(rt.db, rt.rules).run(file, m, _now(), dry_run=dry_run,
                                                        progress=progress)
    except DomainError as exc:
        _fail(refusal(exc))
    finally:
        rt.close()
    verb = "可导入" if dry_run else "已导入"
    console.print(f"{'[试运行，未写入] ' if dry_run else ''}共 {result.rows} 行："
                  f"{verb} {result.imported}，跳过 {result.skipped_count}，"
                  f"拒绝 {result.rejected_count}", highlight=False)
    for reason, n in result.skipped.items():
        console.print(f"  跳过 {n} 行：{reason}")
    if result.created_categories:
        n = len(result.created_categories)
        console.print(f"  {'将新建' if dry_run else '新建'}分类 {n} 个："
                      f"{'、'.join(result.created_categories[:10])}", highlight=False)
    if result.created_units:
        console.print(f"  {'将新建' if dry_run else '新建'}单位 {len(result.created_units)} 个："
                      f"{'、'.join(result.created_units[:10])}", highlight=False)
    for e in result.rejected[:20]:
        console.print(f"  [red]拒绝[/red] {escape(str(e))}", markup=True)
    if len(result.rejected) > 20:
        console.print(f"  …… 另有 {len(result.rejected) - 20} 条拒绝原因"
                      f"{'，见 ' + str(report) if report else '（用 --report FILE 保存全部）'}")
    if report is not None:
        with report.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["行号", "字段", "列", "值", "原因"])
            for e in result.rejected:
                w.writerow([e.row, e.field, e.column or "", e.value or "", str(e)])
    if result.rejected_count:
        raise typer.Exit(1)


@apikey_app.command("add")
def apikey_add(
    name: Annotated[str, typer.Argument(help="client name (one key per client)")],
    rate: Annotated[int, typer.Option("--rate", help="requests per minute")] = 60,
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Create an API key for one Open311 client and print it (shown only once)."""
    from jiesu.services.api_keys import ApiKeyService

    rt = _runtime()
    try:
        info, key = ApiKeyService(rt.db).create(name, _now(), rate_per_minute=rate, note=note)
    except DomainError as exc:
        _fail(refusal(exc))
    finally:
        rt.close()
    err.print(f"已为“{info.name}”创建 API 密钥（id={info.id}，每分钟 {info.rate_per_minute} 次）。"
              "密钥只显示这一次，请妥善保存：", highlight=False)
    print(key)


@apikey_app.command("list")
def apikey_list() -> None:
    """List API keys (the keys themselves are not stored, only their first characters)."""
    from jiesu.services.api_keys import ApiKeyService

    rt = _runtime()
    try:
        for i in ApiKeyService(rt.db).list():
            state = "有效" if i.active else f"已吊销 {i.revoked_at:%Y-%m-%d}"
            used = f"{i.last_used_at:%Y-%m-%d %H:%M}" if i.last_used_at else "从未使用"
            console.print(f"{i.id}\t{i.name}\t{i.prefix}…\t{i.rate_per_minute}/分钟\t{state}"
                          f"\t最近使用 {used}", highlight=False)
    finally:
        rt.close()


@apikey_app.command("revoke")
def apikey_revoke(name: Annotated[str, typer.Argument(help="client name or key id")]) -> None:
    """Revoke a client's API key (吊销)."""
    from jiesu.services.api_keys import ApiKeyService

    rt = _runtime()
    try:
        svc = ApiKeyService(rt.db)
        by_id = name.isascii() and name.isdigit()
        info = svc.revoke(int(name), _now()) if by_id else svc.revoke_by_name(name, _now())
    except DomainError as exc:
        _fail(refusal(exc))
    finally:
        rt.close()
    console.print(f"已吊销“{info.name}”的 API 密钥", highlight=False)


@export_app.command("open-data")
def export_open_data(
    out: Annotated[Path, typer.Option("--out", help="directory to write into")] = Path("open-data"),
) -> None:
    """Write redacted appeals and statistics as CSV and JSON (一网通享)."""
    from jiesu.services.open_data import (
        OPEN_DATA_FIELDS,
        STATS_FIELDS,
        OpenDataService,
        csv_chunks,
        json_text,
    )

    rt = _runtime()
    try:
        svc = OpenDataService(rt.db, rt.settings.tz, rt.settings.published_statuses)
        out.mkdir(parents=True, exist_ok=True)
        with (out / "appeals.csv").open("w", encoding="utf-8", newline="") as f:
            for chunk in csv_chunks(svc.appeals(), OPEN_DATA_FIELDS):
                f.write(chunk)
        with (out / "appeals.json").open("w", encoding="utf-8") as f:
            for chunk in json_text(svc.appeals()):
                f.write(chunk)
        stats = svc.stats()
        (out / "stats.csv").write_text("".join(csv_chunks(stats, STATS_FIELDS)), encoding="utf-8")
        (out / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    finally:
        rt.close()
    console.print(f"开放数据已写入 {out}/：appeals.csv、appeals.json、stats.csv、stats.json")


@export_app.command("ledger")
def export_ledger(
    out: Annotated[Path, typer.Option("--out", help="ledger.csv or ledger.xlsx")],
    status: Annotated[str | None, typer.Option(help="comma-separated statuses")] = None,
    category: Annotated[str | None, typer.Option(help="category code (with sub-categories)")
                        ] = None,
    open_only: Annotated[bool, typer.Option("--open-only")] = False,
) -> None:
    """Export the appeal ledger (台账) as CSV or XLSX (all appeals, admin view).

    Logged on jiesu.export (standard error) with the OS user, filters, rows and file, as
    downloads are."""
    from jiesu.services.open_data import (
        LEDGER_FIELDS,
        OpenDataService,
        csv_chunks,
        logged_export,
        xlsx_chunks,
    )
    from jiesu.store import queries

    fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
    asked = {"status": status, "category": category, "open_only": open_only}
    rt = _runtime()
    try:
        filters = queries.AppealFilters(status=status.split(",") if status else None,
                                        category=category, open_only=open_only)
        rows = logged_export(
            OpenDataService(rt.db, rt.settings.tz).ledger(filters, queries.Scope(), _now()),
            actor=f"OS user {_os_user()} (cli)", fmt=fmt, via="cli",
            filters={k: v for k, v in asked.items() if v}, target=str(out.resolve()))
        # closed in the block: its log line is written before the handler goes
        with info_lines_on_stderr("jiesu.export"), closing(rows), out.open("wb") as f:
            chunks = (xlsx_chunks(rows, LEDGER_FIELDS) if fmt == "xlsx"
                      else (c.encode() for c in csv_chunks(rows, LEDGER_FIELDS)))
            for chunk in chunks:
                f.write(chunk)
    finally:
        rt.close()
    console.print(f"台账已导出到 {out}")


def _os_user() -> str:
    """Who ran the command, as the operating system names them (the export log's actor)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return "?"
