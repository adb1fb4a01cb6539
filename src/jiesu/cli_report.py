"""`jiesu report ...`: KPIs, the monthly report (通报) and default ratings from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jiesu.cli_output import console, print_error, refusal
from jiesu.config import Settings

if TYPE_CHECKING:  # a command imports these when it runs (they load the whole application)
    from jiesu.domain.kpi import Period
    from jiesu.runtime import Runtime
    from jiesu.services.reporting import ReportingService

app = typer.Typer(help="考核与通报 KPIs, rankings and the monthly report", no_args_is_help=True)


def _services() -> tuple[Runtime, ReportingService]:
    from jiesu.runtime import Runtime
    from jiesu.services.reporting import ReportingService

    rt = Runtime.create(Settings())
    return rt, ReportingService(rt.db, rt.rules, rt.settings)


def _period(text: str) -> Period:
    from jiesu.domain.errors import DomainError
    from jiesu.domain.kpi import parse_period

    try:
        return parse_period(text)
    except DomainError as exc:
        print_error(refusal(exc))
        raise typer.Exit(2) from None


@app.command()
def monthly(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", help="the .xlsx file to write")],
) -> None:
    """Write the monthly report (月度通报) as XLSX: summary, rankings, details, lists."""
    from jiesu.domain.kpi import PeriodKind
    from jiesu.services.clock import utcnow

    period = _period(month)
    if period.kind is not PeriodKind.MONTH:
        print_error("--month 须为 YYYY-MM")
        raise typer.Exit(2)
    rt, svc = _services()
    try:
        report = svc.monthly(period, utcnow())
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(svc.monthly_xlsx(report))
    finally:
        rt.close()
    console.print(f"{period.label_zh}通报已写入 {out}（公式版本 {report.kpi.formula.version}，"
                  f"{len(report.kpi.rows)} 个单位，超期 {len(report.overdue)} 件，"
                  f"差评 {len(report.bad_ratings)} 条）")


@app.command()
def kpi(
    period: Annotated[str, typer.Option("--period", help="2026-03 | 2026-03-05 | 2026-W10 | "
                                                         "2026-03-01..2026-03-15")],
    group: Annotated[str | None, typer.Option(
        "--group", help="district / street / department / enterprise")] = None,
    store: Annotated[bool, typer.Option("--store", help="save the results (kpi_results)")] = False,
) -> None:
    """Print KPIs (三率 and composite) and ranks for a period; --store saves them."""
    from jiesu.services.clock import utcnow
    from jiesu.services.reporting import pct, points

    p = _period(period)
    rt, svc = _services()
    try:
        report = svc.kpi(p, utcnow(), group=group)
        if store:
            n, v = svc.store_kpi(p, utcnow())
            console.print(f"已保存 {n} 条考核结果（公式版本 {v}）")
    finally:
        rt.close()
    table = Table(title=f"{p.label_zh} 考核指标（公式版本 {report.formula.version}）")
    for col in ("排名", "单位", "综合得分", "响应率", "解决率", "满意率", "按时办结率", "派单量"):
        table.add_column(col)
    for r in report.rows:
        table.add_row("" if r.rank is None else str(r.rank), "　" * r.depth + r.name,
                      points(r.rates.composite), pct(r.rates.response_rate),
                      pct(r.rates.resolution_rate), pct(r.rates.satisfaction_rate),
                      pct(r.rates.on_time_rate), str(r.counts.dispatched))
    console.print(table)


@app.command("default-ratings")
def default_ratings() -> None:
    """Give the configured default rating to closed appeals whose rating window passed."""
    from jiesu.runtime import Runtime
    from jiesu.services.clock import utcnow
    from jiesu.services.feedback import FeedbackService

    rt = Runtime.create(Settings())
    try:
        if rt.settings.rating_default_stars is None:
            console.print("未启用默认评价（设置 JIESU_RATING_DEFAULT_STARS 后生效）")
            return
        n = FeedbackService(rt.db, rt.rules, rt.settings).apply_default_ratings(utcnow())
    finally:
        rt.close()
    console.print(f"已为 {n} 件诉求补充默认评价")
